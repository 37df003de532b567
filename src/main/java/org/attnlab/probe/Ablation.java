package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import org.attnlab.Seeds;
import org.attnlab.attention.Hooks;
import org.attnlab.data.Batch;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Knock out heads or MLPs and see what the model loses. A head is ablated through its {@code z} hook
 * ({@code blocks.N.attn.z}, its output before {@code W_O}), an MLP through {@code blocks.N.mlp_out}:
 * <ul>
 *   <li>{@link Mode#ZERO}: the activation becomes 0;</li>
 *   <li>{@link Mode#MEAN}: the activation becomes its mean over the sequences and positions of a reference batch
 *       ({@code mean_{b,l} z[b,h,l,:]}, the same vector at every position): the head says what it says on
 *       average, not what it says here;</li>
 *   <li>{@link Mode#RESAMPLE}: sequence b gets the activation the component had on a sequence {@code r_b} of the
 *       reference batch, drawn uniformly with the seed {@code Seeds.derive(seed, "resample-ablation")} (from the
 *       other rows when the reference is the batch itself); the reference must have the batch's length.</li>
 * </ul>
 * Without {@link #reference}, the reference is the batch itself. The report is a long table
 * {@code component, layer, head, mode, metric, value} with, for each metric m ({@code loss} and {@code accuracy}
 * on the batch's targets and mask, or a {@link LogitMetric} you name), the rows {@code m_before}, {@code m_after}
 * and {@code m_change = m_after - m_before}.
 *
 * <pre>{@code
 * Table t = Ablation.of(model, manager, batch).mode(Ablation.Mode.MEAN).each();        // every head and MLP alone
 * Table u = Ablation.of(model, manager, batch).ablate(Ablation.head(1, 0), Ablation.head(1, 2)); // together
 * }</pre>
 */
public final class Ablation {

    public static final String LOSS = "loss";
    public static final String ACCURACY = "accuracy";
    public static final String BEFORE = "_before";
    public static final String AFTER = "_after";
    public static final String CHANGE = "_change";

    /** How an ablated activation is replaced. */
    public enum Mode {
        ZERO, MEAN, RESAMPLE;

        /** {@code zero}, {@code mean}, {@code resample}: the {@link ProbeTable#MODE} column's values. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One component: head {@code head} of layer {@code layer}, or the MLP of the layer when head is NONE. */
    public record Target(int layer, int head) {
        public Target {
            if (layer < 0 || head < ProbeTable.NONE) {
                throw new IllegalArgumentException("an ablation target needs layer >= 0 and head >= 0 (or NONE for "
                        + "the MLP); got layer " + layer + ", head " + head);
            }
        }

        public boolean isMlp() {
            return head == ProbeTable.NONE;
        }

        /** {@code L1.H0} or {@code L1.mlp}. */
        public String label() {
            return isMlp() ? "L" + layer + ".mlp" : ProbeTable.headName(layer, head);
        }
    }

    /** Head {@code head} of layer {@code layer}. */
    public static Target head(int layer, int head) {
        if (head < 0) {
            throw new IllegalArgumentException("head index must be >= 0, got " + head);
        }
        return new Target(layer, head);
    }

    /** The MLP of layer {@code layer}. */
    public static Target mlp(int layer) {
        return new Target(layer, ProbeTable.NONE);
    }

    private final HookedModel model;
    private final NDManager manager;
    private final int[][] tokens;
    private final Map<String, LogitMetric> metrics = new LinkedHashMap<>();
    private int[][] reference;
    private Mode mode = Mode.ZERO;
    private long seed;

    private Ablation(HookedModel model, NDManager manager, int[][] tokens) {
        this.model = Objects.requireNonNull(model, "model");
        this.manager = Objects.requireNonNull(manager, "manager");
        ProbeRun.checkTokens(tokens, "tokens");
        this.tokens = tokens;
    }

    /** Ablations measured by {@code loss} and {@code accuracy} on {@code batch}'s targets and loss mask. */
    public static Ablation of(HookedModel model, NDManager manager, Batch batch) {
        Ablation a = new Ablation(model, manager, batch.inputs());
        a.metrics.put(LOSS, LogitMetric.loss(batch));
        a.metrics.put(ACCURACY, LogitMetric.accuracy(batch));
        return a;
    }

    /** Ablations on {@code tokens} measured by the metrics you add with {@link #metric}. */
    public static Ablation of(HookedModel model, NDManager manager, int[][] tokens) {
        return new Ablation(model, manager, tokens);
    }

    /** Adds a metric reported as {@code name_before}, {@code name_after}, {@code name_change}. */
    public Ablation metric(String name, LogitMetric metric) {
        if (name == null || name.isBlank() || metrics.containsKey(name)) {
            throw new IllegalArgumentException("metric name '" + name + "' must be non-blank and new; have "
                    + metrics.keySet());
        }
        metrics.put(name, Objects.requireNonNull(metric, "metric"));
        return this;
    }

    /** The replacement (default {@link Mode#ZERO}). */
    public Ablation mode(Mode m) {
        mode = Objects.requireNonNull(m, "mode");
        return this;
    }

    /** The batch mean and resample ablation read activations from (default: the batch itself). */
    public Ablation reference(int[][] referenceTokens) {
        ProbeRun.checkTokens(referenceTokens, "reference tokens");
        reference = referenceTokens;
        return this;
    }

    /** The run seed resampling derives its draws from ({@code Seeds.derive(seed, "resample-ablation")}). */
    public Ablation seed(long s) {
        seed = s;
        return this;
    }

    /** Ablates {@code targets} together; one group of rows labelled with their names joined by {@code +}. */
    public Table ablate(Target... targets) {
        return ablate(List.of(targets));
    }

    /** Ablates {@code targets} together. */
    public Table ablate(List<Target> targets) {
        check(targets);
        Table t = table();
        run(List.of(targets), t);
        return t;
    }

    /** Ablates every head of every layer with heads, then every MLP, one at a time. */
    public Table each() {
        List<Target> all = new ArrayList<>();
        for (int l = 0; l < model.layers(); l++) {
            if (model.kindAt(l).hasPattern()) {
                for (int h = 0; h < model.heads(); h++) {
                    all.add(head(l, h));
                }
            }
        }
        for (int l = 0; l < model.layers(); l++) {
            all.add(mlp(l));
        }
        return each(all);
    }

    /** Ablates each of {@code targets} alone. */
    public Table each(List<Target> targets) {
        check(targets);
        Table t = table();
        List<List<Target>> groups = targets.stream().map(List::of).collect(Collectors.toList());
        run(groups, t);
        return t;
    }

    private void run(List<List<Target>> groups, Table t) {
        if (metrics.isEmpty()) {
            throw new IllegalStateException("no metric to report: build with Ablation.of(model, manager, batch) for "
                    + "loss and accuracy, or add one with metric(name, LogitMetric)");
        }
        int[][] ref = reference == null ? tokens : reference;
        if (mode == Mode.RESAMPLE && ref[0].length != tokens[0].length) {
            throw new IllegalArgumentException("resample ablation needs a reference of the batch's length "
                    + tokens[0].length + "; the reference has length " + ref[0].length);
        }
        ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            Map<String, Double> before = measure(model.forward(ps, ProbeRun.tokens(sub, tokens), false, Hooks.none()));
            Map<String, NDArray> refCache = mode == Mode.ZERO ? Map.of() : referenceActivations(ps, sub, ref, groups);
            int[] rows = mode == Mode.RESAMPLE ? resampleRows(tokens.length, ref.length, reference == null) : null;
            Map<String, NDArray> replacements = new LinkedHashMap<>();     // one per hook, shared by the groups
            for (List<Target> group : groups) {
                for (String hook : byHook(group).keySet()) {
                    if (!replacements.containsKey(hook) && mode != Mode.ZERO) {
                        replacements.put(hook, replacement(hook, refCache, rows));
                    }
                }
                Map<String, Double> after = ablated(ps, sub, group, replacements);
                String name = group.stream().map(Target::label).collect(Collectors.joining("+"));
                int layer = group.size() == 1 ? group.get(0).layer() : ProbeTable.NONE;
                int head = group.size() == 1 ? group.get(0).head() : ProbeTable.NONE;
                for (String m : metrics.keySet()) {
                    add(t, name, layer, head, m + BEFORE, before.get(m));
                    add(t, name, layer, head, m + AFTER, after.get(m));
                    add(t, name, layer, head, m + CHANGE, after.get(m) - before.get(m));
                }
            }
            return null;
        });
    }

    /** The metrics of a run with {@code group} ablated: {@code x * keep + replacement * (1 - keep)} at each hook. */
    private Map<String, Double> ablated(ParameterStore ps, NDManager sub, List<Target> group,
                                        Map<String, NDArray> replacements) {
        // the run's arrays follow its tokens into a manager freed after the run
        try (NDManager step = sub.newSubManager()) {
            Hooks hooks = Hooks.create();
            for (Map.Entry<String, List<Target>> e : byHook(group).entrySet()) {
                NDArray replacement = replacements.get(e.getKey());
                NDArray keep = keepMask(step, e.getKey(), e.getValue());
                hooks.add(e.getKey(), x -> {
                    NDArray k = keep.toType(x.getDataType(), false);
                    NDArray kept = x.mul(k);
                    return replacement == null ? kept
                            : kept.add(replacement.toType(x.getDataType(), false).mul(k.neg().add(1)));
                });
            }
            return measure(model.forward(ps, ProbeRun.tokens(step, tokens), false, hooks));
        }
    }

    private Map<String, Double> measure(NDArray logits) {
        Map<String, Double> out = new LinkedHashMap<>();
        metrics.forEach((name, m) -> out.put(name, m.of(logits)));
        return out;
    }

    /** The reference run's z / mlp_out of every layer a group touches. */
    private Map<String, NDArray> referenceActivations(ParameterStore ps, NDManager sub, int[][] ref,
                                                      List<List<Target>> groups) {
        java.util.Set<String> names = new LinkedHashSet<>();
        groups.forEach(g -> names.addAll(byHook(g).keySet()));
        // as the hooks see them (registers included): resampled rows replace whole activations
        Map<String, NDArray> cache = model.runWithRawCache(ps, ProbeRun.tokens(sub, ref), names::contains);
        for (String n : names) {
            if (!cache.containsKey(n)) {
                throw new IllegalStateException("the model fired no '" + n + "'; its hook names: " + model.hookNames());
            }
        }
        return cache;
    }

    /** What ablated parts become: {@code [1,H,1,D] / [1,1,d]} means, or per-row resampled {@code [B,...]} arrays. */
    private NDArray replacement(String hook, Map<String, NDArray> refCache, int[] rows) {
        NDArray a = refCache.get(hook);
        boolean z = isZ(hook);                                              // z: (B,H,L,D); mlp_out: (B,L,d)
        if (mode == Mode.MEAN) {
            a = HookedModel.realPositions(hook, a, model.registers());      // the mean over real tokens only
            return z ? a.mean(new int[]{2}, true).mean(new int[]{0}, true)          // (1,H,1,D)
                : a.mean(new int[]{1}, true).mean(new int[]{0}, true);           // (1,1,d)
        }
        NDList picked = new NDList();
        for (int r : rows) {
            picked.add(a.get(r));
        }
        return NDArrays.stack(picked);
    }

    /** 1 where the activation is kept, 0 where ablated: {@code [1,H,1,1]} for z, {@code [1,1,1]} for mlp_out. */
    private NDArray keepMask(NDManager sub, String hook, List<Target> targets) {
        if (!isZ(hook)) {
            return sub.create(new float[]{0f}).reshape(1, 1, 1);
        }
        float[] keep = new float[model.heads()];
        Arrays.fill(keep, 1f);
        for (Target t : targets) {
            keep[t.head()] = 0f;
        }
        return sub.create(keep).reshape(1, model.heads(), 1, 1);
    }

    /** Row r_b of the reference for each sequence b (from the other rows when the reference is the batch). */
    private int[] resampleRows(int batch, int refRows, boolean self) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, "resample-ablation"));
        int[] rows = new int[batch];
        for (int b = 0; b < batch; b++) {
            if (self && refRows > 1) {
                rows[b] = (b + 1 + rng.nextInt(refRows - 1)) % refRows;
            } else {
                rows[b] = rng.nextInt(refRows);
            }
        }
        return rows;
    }

    private static Map<String, List<Target>> byHook(List<Target> group) {
        Map<String, List<Target>> out = new TreeMap<>();
        for (Target t : group) {
            String hook = t.isMlp() ? HookName.of(t.layer(), HookName.MLP_OUT) : HookName.z(t.layer());
            out.computeIfAbsent(hook, k -> new ArrayList<>()).add(t);
        }
        return out;
    }

    private void check(List<Target> targets) {
        if (targets == null || targets.isEmpty()) {
            throw new IllegalArgumentException("name at least one target, e.g. Ablation.head(0, 1) or Ablation.mlp(0)");
        }
        for (Target t : targets) {
            if (t.layer() >= model.layers()) {
                throw new IllegalArgumentException(t.label() + ": layer " + t.layer() + " is outside 0.."
                        + (model.layers() - 1));
            }
            if (!t.isMlp()) {
                if (!model.kindAt(t.layer()).hasPattern()) {
                    throw new IllegalArgumentException(t.label() + ": layer " + t.layer() + " is "
                            + model.kindAt(t.layer()).label() + ", which has no heads; ablate Ablation.mlp(layer)");
                }
                if (t.head() >= model.heads()) {
                    throw new IllegalArgumentException(t.label() + ": head " + t.head() + " is outside 0.."
                            + (model.heads() - 1));
                }
            }
        }
    }

    private static boolean isZ(String hook) {
        return hook.endsWith("." + HookName.ATTN + "." + HookName.Z);
    }

    private Table table() {
        Table t = ProbeTable.components("ablation (" + mode.label() + ")");
        t.insertColumn(3, StringColumn.create(ProbeTable.MODE));
        return t;
    }

    private void add(Table t, String component, int layer, int head, String metric, double value) {
        t.stringColumn(ProbeTable.MODE).append(mode.label());
        ProbeTable.addComponent(t, component, layer, head, metric, value);
    }
}
