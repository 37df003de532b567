package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.Hooks;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;
import org.attnlab.viz.HeatmapFigure;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Activation patching (Meng et al. 2022; ARENA's picture): run the model on a clean and a corrupted input of the
 * same shape, then rerun the corrupted input with one activation taken from the clean run, and ask how much of
 * the clean behaviour comes back:
 * <pre>
 *   recovered = (metric(patched) - metric(corrupted)) / (metric(clean) - metric(corrupted))
 * </pre>
 * 1 means the patched activation carries all the difference, 0 none. Two sweeps:
 * <ul>
 *   <li>{@link #residual}: the residual stream entering layer l ({@code blocks.l.resid_pre}) at position p, for
 *       every (l, p): where the information sits, layer by position;</li>
 *   <li>{@link #heads}: head h's output ({@code blocks.l.attn.z}, head h, every position), for every (l, h):
 *       which heads carry it.</li>
 * </ul>
 * Results are long tables ({@code layer, position|head, metric, value}) with rows {@value #RECOVERED} and
 * {@value #PATCHED_METRIC}; {@link #residualFigure} and {@link #headFigure} draw them. Positions are token
 * positions: with register tokens ({@link HookedModel#registers()} = k) position p patches row k+p of the residual
 * stream, and a head patch also carries the register rows (the same in both runs: registers see only registers).
 *
 * <pre>{@code
 * LogitMetric diff = LogitMetric.logitDifference(-1, correct, wrong);
 * Table byPosition = ActivationPatching.residual(model, manager, clean, corrupted, diff);
 * ActivationPatching.residualFigure(byPosition)
 * }</pre>
 */
public final class ActivationPatching {

    public static final String RECOVERED = "recovered_fraction";
    public static final String PATCHED_METRIC = "patched_metric";
    /** The colour bar of the figures. */
    public static final String RECOVERED_LABEL = "recovered fraction";

    /** One patch: activation {@code hook}, restricted to one position (of resid_pre) or one head (of z), or whole. */
    public record Patch(String hook, int position, int head) {
        public Patch {
            Objects.requireNonNull(hook, "hook");
        }
    }

    /** The residual stream entering layer {@code layer}, at position {@code position} only. */
    public static Patch residual(int layer, int position) {
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
        return new Patch(HookName.of(layer, HookName.RESID_PRE), position, ProbeTable.NONE);
    }

    /** The residual stream entering layer {@code layer}, at every position. */
    public static Patch residual(int layer) {
        return new Patch(HookName.of(layer, HookName.RESID_PRE), ProbeTable.NONE, ProbeTable.NONE);
    }

    /** Head {@code head}'s output {@code z} in layer {@code layer}, at every position. */
    public static Patch head(int layer, int head) {
        if (head < 0) {
            throw new IllegalArgumentException("head must be >= 0, got " + head);
        }
        return new Patch(HookName.z(layer), ProbeTable.NONE, head);
    }

    private ActivationPatching() {
    }

    /** Recovered fraction for every (layer, position) of the residual stream ({@code resid_pre}). */
    public static Table residual(HookedModel model, NDManager manager, int[][] clean, int[][] corrupted,
                                 LogitMetric metric) {
        check(clean, corrupted);
        int len = clean[0].length;
        Table t = ProbeTable.positions("activation patching: residual stream");
        sweep(model, manager, clean, corrupted, metric, n -> HookName.parse(n)
                .map(p -> p.component().equals(HookName.RESID_PRE)).orElse(false), (run) -> {
            for (int l = 0; l < model.layers(); l++) {
                for (int p = 0; p < len; p++) {
                    double m = run.metric(residual(l, p));
                    ProbeTable.addPosition(t, l, p, RECOVERED, run.recovered(m));
                    ProbeTable.addPosition(t, l, p, PATCHED_METRIC, m);
                }
            }
        });
        return t;
    }

    /** Recovered fraction for every head of every layer with heads ({@code z}, all positions). */
    public static Table heads(HookedModel model, NDManager manager, int[][] clean, int[][] corrupted,
                              LogitMetric metric) {
        check(clean, corrupted);
        Table t = ProbeTable.heads("activation patching: heads");
        sweep(model, manager, clean, corrupted, metric, n -> HookName.parse(n)
                .map(p -> p.component().equals(HookName.ATTN + "." + HookName.Z)).orElse(false), (run) -> {
            for (int l = 0; l < model.layers(); l++) {
                if (!model.kindAt(l).hasPattern()) {
                    continue;
                }
                for (int h = 0; h < model.heads(); h++) {
                    double m = run.metric(head(l, h));
                    ProbeTable.addHead(t, l, h, RECOVERED, run.recovered(m));
                    ProbeTable.addHead(t, l, h, PATCHED_METRIC, m);
                }
            }
        });
        return t;
    }

    /**
     * The recovered fraction of one set of patches applied together (e.g. every position of one layer's residual
     * stream: {@code residual(0)}).
     */
    public static double recovered(HookedModel model, NDManager manager, int[][] clean, int[][] corrupted,
                                   LogitMetric metric, Patch... patches) {
        check(clean, corrupted);
        if (patches.length == 0) {
            throw new IllegalArgumentException("name at least one patch, e.g. ActivationPatching.residual(0, 3)");
        }
        List<String> names = Arrays.stream(patches).map(Patch::hook).toList();
        double[] out = new double[1];
        sweep(model, manager, clean, corrupted, metric, names::contains,
                run -> out[0] = run.recovered(run.metric(patches)));
        return out[0];
    }

    /** ARENA's picture: recovered fraction by layer (rows) and position (columns), from a {@link #residual} table. */
    public static HeatmapFigure residualFigure(Table residual) {
        return residualFigure(residual, null);
    }

    /** {@link #residualFigure(Table)} with a label per position (e.g. the clean tokens as text). */
    public static HeatmapFigure residualFigure(Table residual, List<String> positionLabels) {
        Table t = ProbeTable.only(residual, RECOVERED);
        if (t.rowCount() == 0) {
            throw new IllegalArgumentException("table '" + residual.name() + "' has no rows to draw");
        }
        int layers = (int) t.intColumn(ProbeTable.LAYER).max() + 1;
        int len = (int) t.intColumn(ProbeTable.POSITION).max() + 1;
        double[][] z = grid(layers, len);
        for (int r = 0; r < t.rowCount(); r++) {
            z[t.intColumn(ProbeTable.LAYER).getInt(r)][t.intColumn(ProbeTable.POSITION).getInt(r)] =
                    t.doubleColumn(ProbeTable.VALUE).getDouble(r);
        }
        List<String> cols = new ArrayList<>();
        for (int p = 0; p < len; p++) {
            cols.add(positionLabels == null ? String.valueOf(p) : p + " " + positionLabels.get(p));
        }
        if (positionLabels != null && positionLabels.size() != len) {
            throw new IllegalArgumentException(positionLabels.size() + " position labels for " + len + " positions");
        }
        return Plots.grid("patching the residual stream (resid_pre)", z, layerLabels(layers), "layer", cols,
                "position", RECOVERED_LABEL);
    }

    /** Recovered fraction by layer (rows) and head (columns), from a {@link #heads} table. */
    public static HeatmapFigure headFigure(Table heads) {
        Table t = ProbeTable.only(heads, RECOVERED);
        if (t.rowCount() == 0) {
            throw new IllegalArgumentException("table '" + heads.name() + "' has no rows to draw");
        }
        int layers = (int) t.intColumn(ProbeTable.LAYER).max() + 1;
        int nh = (int) t.intColumn(ProbeTable.HEAD).max() + 1;
        double[][] z = grid(layers, nh);
        for (int r = 0; r < t.rowCount(); r++) {
            z[t.intColumn(ProbeTable.LAYER).getInt(r)][t.intColumn(ProbeTable.HEAD).getInt(r)] =
                    t.doubleColumn(ProbeTable.VALUE).getDouble(r);
        }
        List<String> cols = new ArrayList<>();
        for (int h = 0; h < nh; h++) {
            cols.add("H" + h);
        }
        HeatmapFigure f = Plots.grid("patching head outputs (z)", z, layerLabels(layers), "layer", cols, "head",
                RECOVERED_LABEL);
        return layers * nh <= 256 ? f.showValues() : f;
    }

    // ---- the runs ----

    /** The clean cache and the two reference metrics, shared by every patched run of a sweep. */
    private static final class Run {
        private final HookedModel model;
        private final ParameterStore ps;
        private final NDManager sub;
        private final int[][] corrupted;
        private final Map<String, NDArray> clean;
        private final LogitMetric metric;
        private final double cleanMetric;
        private final double corruptedMetric;

        Run(HookedModel model, ParameterStore ps, NDManager sub, int[][] corrupted, Map<String, NDArray> clean,
            LogitMetric metric, double cleanMetric, double corruptedMetric) {
            this.model = model;
            this.ps = ps;
            this.sub = sub;
            this.corrupted = corrupted;
            this.clean = clean;
            this.metric = metric;
            this.cleanMetric = cleanMetric;
            this.corruptedMetric = corruptedMetric;
        }

        double recovered(double patched) {
            return (patched - corruptedMetric) / (cleanMetric - corruptedMetric);
        }

        /** The metric of the corrupted run with {@code patches} taken from the clean run (freed after). */
        double metric(Patch... patches) {
            try (NDManager step = sub.newSubManager()) {
                Hooks hooks = Hooks.create();
                for (Patch p : patches) {
                    NDArray source = clean.get(p.hook());
                    if (source == null) {
                        throw new IllegalArgumentException("the model fired no '" + p.hook() + "'; its hook names: "
                                + model.hookNames());
                    }
                    hooks.add(p.hook(), x -> splice(step, x, source, p, model.registers()));
                }
                // the tokens live in the step's manager, so the run's arrays do too and are freed with it
                return metric.of(model.forward(ps, ProbeRun.tokens(step, corrupted), false, hooks));
            }
        }
    }

    /** {@code x} with the patched part (a position of [B,L,d], a head of [B,H,L,D], or all) taken from {@code src}. */
    private static NDArray splice(NDManager manager, NDArray x, NDArray src, Patch p, int registers) {
        if (!x.getShape().equals(src.getShape())) {
            throw new IllegalStateException(p.hook() + " has shape " + x.getShape() + " in the corrupted run but "
                    + src.getShape() + " in the clean run");
        }
        NDArray from = src.toType(x.getDataType(), false);
        if (p.position() == ProbeTable.NONE && p.head() == ProbeTable.NONE) {
            return from;
        }
        NDArray mask;
        if (p.head() != ProbeTable.NONE) {                                     // z: (B,H,L,D), patch head h
            int heads = (int) x.getShape().get(1);
            if (p.head() >= heads) {
                throw new IllegalArgumentException("head " + p.head() + " is outside 0.." + (heads - 1));
            }
            float[] m = new float[heads];
            m[p.head()] = 1f;
            mask = manager.create(m).reshape(1, heads, 1, 1);
        } else {                                                                 // resid: (B,L,d), patch position p
            int len = (int) x.getShape().get(1);
            if (p.position() + registers >= len) {
                throw new IllegalArgumentException("position " + p.position() + " is outside 0.."
                        + (len - registers - 1));
            }
            float[] m = new float[len];
            m[p.position() + registers] = 1f;                                    // registers come first
            mask = manager.create(m).reshape(1, len, 1);
        }
        mask = mask.toType(x.getDataType(), false);
        return x.mul(mask.neg().add(1)).add(from.mul(mask));
    }

    private static void sweep(HookedModel model, NDManager manager, int[][] clean, int[][] corrupted,
                              LogitMetric metric, Predicate<String> record, java.util.function.Consumer<Run> body) {
        Objects.requireNonNull(metric, "metric");
        ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            // as the hooks see them (registers included), since they are spliced into the corrupted run's hooks
            Map<String, NDArray> cache = model.runWithRawCache(ps, ProbeRun.tokens(sub, clean), record);
            double cleanMetric = metric.of(cache.get("logits"));
            double corruptedMetric = metric.of(model.forward(ps, ProbeRun.tokens(sub, corrupted), false, Hooks.none()));
            if (!(Math.abs(cleanMetric - corruptedMetric) > 1e-9 * Math.max(1, Math.abs(cleanMetric)))) {
                throw new IllegalArgumentException("the metric is " + cleanMetric + " on the clean input and "
                        + corruptedMetric + " on the corrupted one: nothing to recover; choose inputs or a metric "
                        + "that tell them apart");
            }
            body.accept(new Run(model, ps, sub, corrupted, cache, metric, cleanMetric, corruptedMetric));
            return null;
        });
    }

    private static void check(int[][] clean, int[][] corrupted) {
        ProbeRun.checkTokens(clean, "clean tokens");
        ProbeRun.checkTokens(corrupted, "corrupted tokens");
        if (clean.length != corrupted.length || clean[0].length != corrupted[0].length) {
            throw new IllegalArgumentException("clean and corrupted inputs must have the same shape; got ["
                    + clean.length + ", " + clean[0].length + "] and [" + corrupted.length + ", "
                    + corrupted[0].length + "]");
        }
    }

    private static double[][] grid(int rows, int cols) {
        double[][] z = new double[rows][cols];
        for (double[] row : z) {
            Arrays.fill(row, Double.NaN);
        }
        return z;
    }

    private static List<String> layerLabels(int layers) {
        List<String> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            out.add("L" + l);
        }
        return out;
    }
}
