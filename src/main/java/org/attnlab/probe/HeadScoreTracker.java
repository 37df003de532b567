package org.attnlab.probe;

import ai.djl.ndarray.NDManager;
import org.attnlab.model.HookedModel;
import org.attnlab.train.EvalHook;
import org.attnlab.train.Trainer;
import org.attnlab.viz.HeatmapFigure;
import org.attnlab.viz.LineFigure;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Head scores recorded at every evaluation of a training run, so a lesson can watch a circuit form ("the
 * induction head appears at step 700"). An {@link EvalHook}: at each evaluation it scores the trainer's model
 * on a fixed probe batch and appends the rows to {@link #table()} ({@code step, layer, head, metric, value}); to
 * the trainer's metrics it returns {@code max_<metric>}, the largest value over heads.
 *
 * <pre>{@code
 * HeadScoreTracker induction = HeadScoreTracker.of(probeTokens, HeadScores.PREFIX_MATCHING_SCORE);
 * Trainer trainer = Trainer.builder().model(lm).config(tc).trainData(data).evalHook(induction).build();
 * trainer.run();
 * induction.figure(HeadScores.PREFIX_MATCHING)              // head x step heatmap
 * induction.firstStepAbove(HeadScores.PREFIX_MATCHING, 0.5)  // when some head first passes 0.5
 * }</pre>
 * The trainer's model must be a {@link HookedModel}; the probe runs in a sub-manager of the trainer's manager,
 * freed after each evaluation.
 */
public final class HeadScoreTracker implements EvalHook {

    /** Any per-head probe: a long table {@code layer, head, metric, value} for a model. */
    @FunctionalInterface
    public interface Probe {
        Table measure(HookedModel model, NDManager manager);
    }

    /** The prefix of the metrics returned to the trainer: {@code max_prefix_matching}. */
    public static final String MAX_PREFIX = "max_";

    private final Probe probe;
    private final Table table = ProbeTable.steps("head scores over training");

    private HeadScoreTracker(Probe probe) {
        this.probe = Objects.requireNonNull(probe, "probe");
    }

    /** Tracks the given pattern scores (built-in or your own) on {@code probeTokens [B][L]}. */
    public static HeadScoreTracker of(int[][] probeTokens, HeadScore... scores) {
        ProbeRun.checkTokens(probeTokens, "probe tokens");
        int[][] fixed = copy(probeTokens);
        if (scores.length == 0) {
            throw new IllegalArgumentException("name at least one score, e.g. HeadScores.PREFIX_MATCHING_SCORE; "
                    + "or use all(probeTokens)");
        }
        return new HeadScoreTracker((model, manager) -> HeadScores.measure(model, manager, fixed, scores));
    }

    /** Tracks every score of {@link HeadScores#measure(HookedModel, NDManager, int[][])}, copying included. */
    public static HeadScoreTracker all(int[][] probeTokens) {
        ProbeRun.checkTokens(probeTokens, "probe tokens");
        int[][] fixed = copy(probeTokens);
        return new HeadScoreTracker((model, manager) -> HeadScores.measure(model, manager, fixed));
    }

    /** Tracks any probe that returns {@code layer, head, metric, value}. */
    public static HeadScoreTracker of(Probe probe) {
        return new HeadScoreTracker(probe);
    }

    @Override
    public Map<String, Double> evaluate(Trainer trainer, long step) {
        if (!(trainer.model() instanceof HookedModel model)) {
            throw new IllegalArgumentException("HeadScoreTracker needs a model that can run with hooks "
                    + "(a HookedModel such as DecoderLM); the trainer's model is a "
                    + trainer.model().getClass().getName());
        }
        Table scores = probe.measure(model, trainer.manager());
        for (String c : List.of(ProbeTable.LAYER, ProbeTable.HEAD, ProbeTable.METRIC, ProbeTable.VALUE)) {
            if (!scores.containsColumn(c)) {
                throw new IllegalStateException("the tracked probe returned columns " + scores.columnNames()
                        + "; it needs layer, head, metric, value");
            }
        }
        Map<String, Double> max = new LinkedHashMap<>();
        for (int r = 0; r < scores.rowCount(); r++) {
            String metric = scores.stringColumn(ProbeTable.METRIC).get(r);
            double v = scores.doubleColumn(ProbeTable.VALUE).getDouble(r);
            table.longColumn(ProbeTable.STEP).append(step);
            ProbeTable.addHead(table, scores.intColumn(ProbeTable.LAYER).getInt(r),
                    scores.intColumn(ProbeTable.HEAD).getInt(r), metric, v);
            if (!Double.isNaN(v)) {
                max.merge(MAX_PREFIX + metric, v, Math::max);
            }
        }
        return max;
    }

    /** Every recorded row: {@code step, layer, head, metric, value}. */
    public Table table() {
        return table;
    }

    /** The steps scored so far, in order. */
    public List<Long> steps() {
        return new ArrayList<>(new TreeSet<>(table.longColumn(ProbeTable.STEP).asList()));
    }

    /** The first step at which some head's {@code metric} is at least {@code threshold}; empty if none yet. */
    public OptionalLong firstStepAbove(String metric, double threshold) {
        Table t = rows(metric);
        long best = Long.MAX_VALUE;
        for (int r = 0; r < t.rowCount(); r++) {
            if (t.doubleColumn(ProbeTable.VALUE).getDouble(r) >= threshold) {
                best = Math.min(best, t.longColumn(ProbeTable.STEP).getLong(r));
            }
        }
        return best == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(best);
    }

    /** {@code metric} as a heatmap: one row per head ({@code L1.H0}), one column per step. */
    public HeatmapFigure figure(String metric) {
        Table t = rows(metric);
        List<Long> steps = steps();
        Map<String, double[]> byHead = new TreeMap<>();
        for (int r = 0; r < t.rowCount(); r++) {
            double[] row = byHead.computeIfAbsent(headName(t, r), k -> nanRow(steps.size()));
            int column = steps.indexOf(t.longColumn(ProbeTable.STEP).getLong(r));
            row[column] = t.doubleColumn(ProbeTable.VALUE).getDouble(r);
        }
        double[][] z = byHead.values().toArray(new double[0][]);
        List<String> cols = steps.stream().map(String::valueOf).toList();
        return Plots.grid(metric + " over training", z, new ArrayList<>(byHead.keySet()), "head", cols, "step", metric);
    }

    /** {@code metric} as lines against step, one per head. */
    public LineFigure lines(String metric) {
        Table t = rows(metric).copy();
        StringColumn head = StringColumn.create(ProbeTable.COMPONENT);
        for (int r = 0; r < t.rowCount(); r++) {
            head.append(headName(t, r));
        }
        t.addColumns(head);
        return Plots.lines(t, ProbeTable.STEP, ProbeTable.VALUE, ProbeTable.COMPONENT)
                .title(metric + " over training");
    }

    private Table rows(String metric) {
        if (table.rowCount() == 0) {
            throw new IllegalStateException("nothing recorded yet: pass the tracker to Trainer.Builder.evalHook and "
                    + "train with evaluations (TrainConfig evalEvery > 0)");
        }
        return ProbeTable.only(table, metric);
    }

    private static String headName(Table t, int r) {
        return ProbeTable.headName(t.intColumn(ProbeTable.LAYER).getInt(r), t.intColumn(ProbeTable.HEAD).getInt(r));
    }

    private static double[] nanRow(int n) {
        double[] row = new double[n];
        java.util.Arrays.fill(row, Double.NaN);
        return row;
    }

    private static int[][] copy(int[][] tokens) {
        int[][] out = new int[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            out[b] = tokens[b].clone();
        }
        return out;
    }
}
