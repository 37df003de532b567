package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.AttentionOps;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Diagnostics of attention maps, computed from the weights a model hands out ({@link HookedModel#patterns}), per
 * layer and head, as a long table {@code (layer, head, metric, value)}. The diagnostics of <i>Deconstructing
 * Attention</i> (Xue et al. 2025) and of the attention-sink papers (Xiao et al. 2024; Gu et al. 2025).
 *
 * <p>For one head's causal map {@code a[i][j]} (query i, key j &lt;= i, rows summing to 1; see below for those that
 * do not) of length L, averaged
 * over the batch; row-wise metrics average over queries {@code i = 1..L-1} (query 0 can only see itself, so every
 * row metric is trivial there):
 * <ul>
 *   <li>{@value #ENTROPY}: {@code mean_i -sum_j a_ij log a_ij} (nats); 0 for a one-hot row, {@code log(i+1)} for a
 *       uniform one;</li>
 *   <li>{@value #NORMALISED_ENTROPY}: {@code mean_i (-sum_j a_ij log a_ij) / log(i+1)} in [0, 1]: 1 = uniform over
 *       the prefix, whatever its length;</li>
 *   <li>{@value #SINK_MASS}: {@code mean_i a_i0}, the attention the first token receives; a head is a sink head when
 *       it exceeds {@link #SINK_THRESHOLD} (Gu et al.: fraction of heads with mean attention to token 1 above 0.3);</li>
 *   <li>{@value #LOCAL_FOCUS}: {@code mean_i sum_{j: 0 <= i-j <= 3} a_ij}, the mass on the current token and the
 *       three before it;</li>
 *   <li>{@value #CONCENTRATION}: the Frobenius norm {@code ||A||_F = sqrt(sum_ij a_ij^2)} of the whole L x L map
 *       (all rows); between {@code sqrt(sum_i 1/(i+1))} (uniform rows) and {@code sqrt(L)} (one-hot rows);</li>
 *   <li>{@value #HEAD_DIVERSITY}: for head h, {@code mean_{h' != h} JSD(h, h')} where {@code JSD(h, h') =
 *       mean_i sqrt(JS(a^h_i || a^h'_i))} with the Jensen-Shannon divergence in bits, so in [0, 1]: 0 = the
 *       same map, 1 = disjoint rows. Its mean over a layer's heads is the layer's mean pairwise JS distance. A
 *       single-head layer has diversity 0.</li>
 * </ul>
 * {@link #maxLogits} adds {@value #MAX_LOGIT}: the largest pre-softmax logit magnitude {@code max |s_ij|} of each
 * head, from {@link AttentionOps#logits} (the paper saw uniform Non-approximate's logits exceed 1e3 before it
 * diverged). {@link #perLayer} is the one summary over heads.
 *
 * <p>Kinds whose rows do not sum to 1 ({@link AttentionKind#rowSum()}: sigmoid, softmax with a zero logit, a sink
 * slot) and patterns cut to the real tokens of a model with registers: the mass metrics ({@value #SINK_MASS},
 * {@value #LOCAL_FOCUS}, {@value #CONCENTRATION}) read the weights as they are, so a sink slot's or the registers'
 * share is simply missing from them; the entropies and {@value #HEAD_DIVERSITY} are of each row renormalised to sum
 * to 1 (a row that sums to 1 within {@value #NOT_A_DISTRIBUTION} is used as it is). Where the missing mass went is
 * {@link #offTokenMass}: {@value #REGISTER_MASS} on the registers, {@value #SLOT_MASS} on the sink slot or the
 * zero logit. {@link #of(HookedModel, ParameterStore, NDArray)} reads {@link HookedModel#patterns}, which with
 * registers are the real tokens' (so {@value #SINK_MASS} is the mass on the first real token).
 */
public final class AttentionDiagnostics {

    public static final String LAYER = "layer";
    public static final String HEAD = "head";
    public static final String METRIC = "metric";
    public static final String VALUE = "value";

    public static final String ENTROPY = "entropy";
    public static final String NORMALISED_ENTROPY = "entropy_normalised";
    public static final String SINK_MASS = "sink_mass";
    public static final String LOCAL_FOCUS = "local_focus";
    public static final String CONCENTRATION = "concentration";
    public static final String HEAD_DIVERSITY = "head_diversity";
    public static final String MAX_LOGIT = "max_logit";
    public static final String REGISTER_MASS = "register_mass";
    public static final String SLOT_MASS = "slot_mass";

    /** Each metric's name as a reader reads it (axes, colour bars) and what it measures (titles). */
    private static final Map<String, String[]> IN_WORDS = Map.of(
            ENTROPY, new String[] {"entropy", "entropy of the attention (nats)"},
            NORMALISED_ENTROPY, new String[] {"normalised entropy",
                    "normalised entropy (1 = spread evenly over the prefix, 0 = on one token)"},
            SINK_MASS, new String[] {"sink mass", "sink mass (attention on the first token)"},
            LOCAL_FOCUS, new String[] {"local focus", "local focus (attention on the current token and the "
                    + AttentionDiagnostics.LOCAL_WINDOW + " before it)"},
            CONCENTRATION, new String[] {"concentration", "concentration (Frobenius norm of the attention map)"},
            HEAD_DIVERSITY, new String[] {"head diversity",
                    "head diversity (mean Jensen-Shannon distance to the layer's other heads)"},
            MAX_LOGIT, new String[] {"largest logit", "largest pre-softmax logit |s_ij|"},
            REGISTER_MASS, new String[] {"register mass", "register mass (attention on the registers)"},
            SLOT_MASS, new String[] {"sink-slot mass", "sink-slot mass (attention on the sink slot or zero logit)"});

    /** A metric's short name in words for an axis or colour bar: {@code sink_mass} -> "sink mass". */
    public static String name(String metric) {
        return inWords(metric)[0];
    }

    /** What a metric measures, for a title: {@code sink_mass} -> "sink mass (attention on the first token)". */
    public static String describe(String metric) {
        return inWords(metric)[1];
    }

    private static String[] inWords(String metric) {
        String[] w = IN_WORDS.get(metric);
        if (w == null) {
            throw new IllegalArgumentException("no diagnostic '" + metric + "'; known: " + new java.util.TreeSet<>(
                    IN_WORDS.keySet()));
        }
        return w;
    }

    /** A row whose sum is this far from 1 or more is renormalised before its entropy is taken. */
    public static final double NOT_A_DISTRIBUTION = 1e-4;

    /** The metrics {@link #of} computes, in table order. */
    public static final List<String> PATTERN_METRICS =
            List.of(ENTROPY, NORMALISED_ENTROPY, SINK_MASS, LOCAL_FOCUS, CONCENTRATION, HEAD_DIVERSITY);

    /** A head with mean sink mass above this is a sink head (Gu et al. ICLR 2025). */
    public static final double SINK_THRESHOLD = 0.3;

    /** Keys at distance 0..LOCAL_WINDOW from the query count as local. */
    public static final int LOCAL_WINDOW = 3;

    /** The hook values (local names) {@link AttentionOps#logits} may need. */
    private static final List<String> LOGIT_INPUTS = List.of("q", "k", "w", "beta", "log_forget");

    private static final double LN2 = Math.log(2);

    private AttentionDiagnostics() {
    }

    /** Diagnostics of every layer {@code model} hands patterns for, on {@code tokens [B, L]}. */
    public static Table of(HookedModel model, ParameterStore ps, NDArray tokens) {
        return of(model.patterns(ps, tokens));
    }

    /**
     * Diagnostics of patterns keyed by hook name {@code blocks.N.attn.pattern} (as {@link HookedModel#patterns}
     * returns them); each {@code [B, H, L, L]}. Layers are the N of the names, in the map's order.
     */
    public static Table of(Map<String, NDArray> patterns) {
        Table t = emptyTable();
        for (Map.Entry<String, NDArray> e : patterns.entrySet()) {
            append(t, HookName.patternLayer(e.getKey()), e.getValue());
        }
        return t;
    }

    /** Diagnostics of one layer's pattern {@code [B, H, L, L]}, labelled {@code layer}. */
    public static Table ofLayer(int layer, NDArray pattern) {
        Table t = emptyTable();
        append(t, layer, pattern);
        return t;
    }

    /**
     * Per-head metrics of one pattern {@code [B, H, L, L]}: {@code metric -> double[H]} for every metric in
     * {@link #PATTERN_METRICS}.
     */
    public static Map<String, double[]> perHead(NDArray pattern) {
        Shape s = pattern.getShape();
        if (s.dimension() != 4 || s.get(2) != s.get(3)) {
            throw new IllegalArgumentException("a pattern must be [B, H, L, L]; got " + s);
        }
        int b = (int) s.get(0), h = (int) s.get(1), len = (int) s.get(2);
        float[] a = pattern.toType(DataType.FLOAT32, false).toFloatArray();
        return perHead(a, b, h, len);
    }

    /** {@link #perHead(NDArray)} on a flat row-major {@code [B, H, L, L]} array. */
    static Map<String, double[]> perHead(float[] a, int batch, int heads, int len) {
        if (a.length != (long) batch * heads * len * len) {
            throw new IllegalArgumentException(a.length + " values do not make [" + batch + ", " + heads + ", "
                    + len + ", " + len + "]");
        }
        double[] entropy = new double[heads];
        double[] normEntropy = new double[heads];
        double[] sink = new double[heads];
        double[] local = new double[heads];
        double[] frob = new double[heads];
        double[] diversity = new double[heads];
        int rows = Math.max(1, len - 1);                                      // queries 1..L-1
        for (int bi = 0; bi < batch; bi++) {
            for (int hi = 0; hi < heads; hi++) {
                int base = (bi * heads + hi) * len * len;
                double sq = 0;
                for (int i = 0; i < len; i++) {
                    int row = base + i * len;
                    double ent = 0, loc = 0;
                    double total = rowTotal(a, row, i);
                    for (int j = 0; j <= i; j++) {
                        double p = a[row + j];
                        sq += p * p;
                        if (p > 0) {
                            ent -= p / total * Math.log(p / total);
                        }
                        if (i - j <= LOCAL_WINDOW) {
                            loc += p;
                        }
                    }
                    for (int j = i + 1; j < len; j++) {                      // a causal map has zeros here
                        sq += (double) a[row + j] * a[row + j];
                    }
                    if (i >= 1) {
                        entropy[hi] += ent / rows;
                        normEntropy[hi] += ent / Math.log(i + 1) / rows;
                        sink[hi] += a[row] / rows;
                        local[hi] += loc / rows;
                    }
                }
                frob[hi] += Math.sqrt(sq);
            }
            for (int h1 = 0; h1 < heads; h1++) {
                for (int h2 = h1 + 1; h2 < heads; h2++) {
                    double d = jsDistance(a, (bi * heads + h1) * len * len, (bi * heads + h2) * len * len, len);
                    diversity[h1] += d / (heads - 1);
                    diversity[h2] += d / (heads - 1);
                }
            }
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        out.put(ENTROPY, divide(entropy, batch));
        out.put(NORMALISED_ENTROPY, divide(normEntropy, batch));
        out.put(SINK_MASS, divide(sink, batch));
        out.put(LOCAL_FOCUS, divide(local, batch));
        out.put(CONCENTRATION, divide(frob, batch));
        out.put(HEAD_DIVERSITY, divide(diversity, batch));
        return out;
    }

    /** {@code mean_{i>=1} sqrt(JS(row_i of map 1 || row_i of map 2))}, JS in bits. */
    private static double jsDistance(float[] a, int m1, int m2, int len) {
        if (len < 2) {
            return 0;
        }
        double sum = 0;
        for (int i = 1; i < len; i++) {
            double js = 0;
            double t1 = rowTotal(a, m1 + i * len, i), t2 = rowTotal(a, m2 + i * len, i);
            for (int j = 0; j <= i; j++) {
                double p = a[m1 + i * len + j] / t1, q = a[m2 + i * len + j] / t2, m = 0.5 * (p + q);
                if (p > 0) {
                    js += 0.5 * p * Math.log(p / m);
                }
                if (q > 0) {
                    js += 0.5 * q * Math.log(q / m);
                }
            }
            sum += Math.sqrt(Math.max(0, js / LN2));
        }
        return sum / (len - 1);
    }

    /**
     * What a renormalised row divides by: {@code sum_{j<=i} a_ij}, or exactly 1 when that is within
     * {@link #NOT_A_DISTRIBUTION} of 1 (or is 0), so rows of a softmax are used bit for bit as they are.
     */
    private static double rowTotal(float[] a, int row, int i) {
        double total = 0;
        for (int j = 0; j <= i; j++) {
            total += a[row + j];
        }
        return Math.abs(total - 1) < NOT_A_DISTRIBUTION || total <= 0 ? 1 : total;
    }

    /**
     * Where the attention that is not on a real token goes, per head, as {@code (layer, head, metric, value)} rows,
     * averaged over the batch and the real queries {@code i = 1..L-1} (as {@value #SINK_MASS}):
     * <ul>
     *   <li>{@value #REGISTER_MASS} (models with {@link HookedModel#registers()} k &gt; 0, every layer with a
     *       pattern): {@code mean_i sum_{r<k} a[k+i][r]}, the mass on the registers;</li>
     *   <li>{@value #SLOT_MASS} (layers whose kind has {@link AttentionKind.RowSum#BELOW_ONE} rows: Sink-KV,
     *       Softmax-zero): {@code mean_i (1 - sum_j a[k+i][j])} over all keys, registers included: the sink slot's
     *       weight ({@code sink_weight}), or the zero logit's.</li>
     * </ul>
     * Empty for a model with neither. Read from the patterns as fired ({@link HookedModel#runWithRawCache}).
     */
    public static Table offTokenMass(HookedModel model, ParameterStore ps, NDArray tokens) {
        Map<String, NDArray> cache = model.runWithRawCache(ps, tokens, HookName::isPattern);
        int k = model.registers();
        Table t = emptyTable();
        for (Map.Entry<String, NDArray> e : cache.entrySet()) {
            if (!HookName.isPattern(e.getKey())) {
                continue;
            }
            int layer = HookName.patternLayer(e.getKey());
            boolean slot = model.kindAt(layer).rowSum() == AttentionKind.RowSum.BELOW_ONE;
            if (k == 0 && !slot) {
                continue;
            }
            Shape s = e.getValue().getShape();
            int b = (int) s.get(0), h = (int) s.get(1), n = (int) s.get(2);
            float[] a = e.getValue().toType(DataType.FLOAT32, false).toFloatArray();
            double[] registers = new double[h];
            double[] slots = new double[h];
            int queries = n - k - 1;                                          // real queries 1..L-1
            for (int bi = 0; bi < b; bi++) {
                for (int hi = 0; hi < h; hi++) {
                    for (int i = k + 1; i < n; i++) {
                        int row = ((bi * h + hi) * n + i) * n;
                        double onRegisters = 0, all = 0;
                        for (int j = 0; j <= i; j++) {
                            all += a[row + j];
                            if (j < k) {
                                onRegisters += a[row + j];
                            }
                        }
                        registers[hi] += onRegisters / queries / b;
                        slots[hi] += (1 - all) / queries / b;
                    }
                }
            }
            for (int hi = 0; hi < h; hi++) {
                if (k > 0) {
                    add(t, layer, hi, REGISTER_MASS, queries > 0 ? registers[hi] : Double.NaN);
                }
                if (slot) {
                    add(t, layer, hi, SLOT_MASS, queries > 0 ? slots[hi] : Double.NaN);
                }
            }
        }
        return t;
    }

    /**
     * The fraction of heads in a diagnostics table whose {@value #SINK_MASS} exceeds {@code threshold} (0.3 in
     * Gu et al.); NaN when the table has no sink-mass rows.
     */
    public static double sinkHeadFraction(Table diagnostics, double threshold) {
        int n = 0, sinks = 0;
        StringColumn metric = diagnostics.stringColumn(METRIC);
        DoubleColumn value = diagnostics.doubleColumn(VALUE);
        for (int r = 0; r < diagnostics.rowCount(); r++) {
            if (metric.get(r).equals(SINK_MASS)) {
                n++;
                if (value.getDouble(r) > threshold) {
                    sinks++;
                }
            }
        }
        return n == 0 ? Double.NaN : (double) sinks / n;
    }

    /** {@link #sinkHeadFraction(Table, double)} at {@link #SINK_THRESHOLD}. */
    public static double sinkHeadFraction(Table diagnostics) {
        return sinkHeadFraction(diagnostics, SINK_THRESHOLD);
    }

    /**
     * The one per-layer summary of a diagnostics table: its rows grouped by every column but {@value #HEAD} and
     * {@value #VALUE} (so {@code (layer, metric)}, or {@code (run, layer, metric)} when a table also has a run
     * column), each group reduced over its heads: the <b>mean</b> for the pattern metrics (a layer's typical
     * head) and the <b>max</b> for {@value #MAX_LOGIT} (a layer's largest logit: the one that overflows first).
     * Groups keep the order in which they first appear; the value column stays {@value #VALUE}.
     */
    public static Table perLayer(Table diagnostics) {
        List<String> keys = new ArrayList<>(diagnostics.columnNames());
        keys.remove(HEAD);
        keys.remove(VALUE);
        if (!keys.contains(LAYER) || !keys.contains(METRIC)) {
            throw new IllegalArgumentException("a diagnostics table needs columns " + LAYER + ", " + HEAD + ", "
                    + METRIC + ", " + VALUE + "; got " + diagnostics.columnNames());
        }
        Map<List<Object>, double[]> groups = new LinkedHashMap<>();          // key -> {sum or max, n}
        StringColumn metric = diagnostics.stringColumn(METRIC);
        DoubleColumn value = diagnostics.doubleColumn(VALUE);
        for (int r = 0; r < diagnostics.rowCount(); r++) {
            List<Object> key = new ArrayList<>(keys.size());
            for (String k : keys) {
                key.add(diagnostics.column(k).get(r));
            }
            double[] acc = groups.computeIfAbsent(key, k -> new double[] {Double.NEGATIVE_INFINITY, 0});
            double v = value.getDouble(r);
            if (metric.get(r).equals(MAX_LOGIT)) {
                acc[0] = Math.max(acc[0], v);
                acc[1] = 1;
            } else {
                acc[0] = acc[1] == 0 ? v : acc[0] + v;
                acc[1] += 1;
            }
        }
        Table out = Table.create("attention diagnostics per layer");
        for (String k : keys) {
            out.addColumns(diagnostics.column(k).emptyCopy());
        }
        DoubleColumn vc = DoubleColumn.create(VALUE);
        out.addColumns(vc);
        groups.forEach((key, acc) -> {
            for (int c = 0; c < keys.size(); c++) {
                appendObject(out.column(keys.get(c)), key.get(c));
            }
            vc.append(acc[0] / acc[1]);
        });
        return out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void appendObject(tech.tablesaw.columns.Column column, Object value) {
        column.appendObj(value);
    }

    /**
     * The largest pre-softmax logit magnitude of each head, {@code max_{b, j <= i} |s_ij|}, where {@code s} are
     * the logits the layer's own kind computes its weights from ({@link AttentionOps#logits}: PaTH's include its
     * Householder products, FoX's its forget gate), from the values its hooks record; for
     * {@link AttentionKind#NON_APPROXIMATE}, {@code max_j |s_j|} over its one score per key. MLP layers have none.
     * Returns {@code (layer, head, metric, value)} rows with metric {@value #MAX_LOGIT}.
     */
    public static Table maxLogits(HookedModel model, ParameterStore ps, NDArray tokens) {
        Map<String, NDArray> cache = model.runWithCache(ps, tokens, n -> HookName.parse(n)
                .map(p -> p.isAttention() && LOGIT_INPUTS.contains(p.local())).orElse(false));
        Table t = emptyTable();
        float scale = model.config().attentionConfig().scale();
        for (int layer = 0; layer < model.layers(); layer++) {
            AttentionKind kind = model.kindAt(layer);
            if (!kind.hasPattern()) {
                continue;
            }
            Map<String, NDArray> local = new LinkedHashMap<>();
            for (String name : LOGIT_INPUTS) {
                NDArray v = cache.get(HookName.attn(layer, name));
                if (v != null) {
                    local.put(name, v);
                }
            }
            if (!local.containsKey("q")) {
                continue;                                                     // a skipped layer fires no hooks
            }
            double[] max = maxAbsCausal(AttentionOps.logits(kind, local, scale));
            for (int h = 0; h < max.length; h++) {
                add(t, layer, h, MAX_LOGIT, max[h]);
            }
        }
        return t;
    }

    /**
     * {@code max |s|} per head of logits {@code [B, H, L, L]} over the causal pairs {@code j <= i}, or of
     * per-key scores {@code [B, H, L]} over every key.
     */
    static double[] maxAbsCausal(NDArray logits) {
        Shape s = logits.getShape();
        boolean perKey = s.dimension() == 3;
        if (!perKey && (s.dimension() != 4 || s.get(2) != s.get(3))) {
            throw new IllegalArgumentException("logits must be [B, H, L, L] or [B, H, L]; got " + s);
        }
        int heads = (int) s.get(1);
        int len = (int) s.get(2);
        float[] v = logits.abs().toType(DataType.FLOAT32, false).toFloatArray();
        int per = perKey ? len : len * len;
        int batch = v.length / (heads * per);
        double[] out = new double[heads];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int base = (b * heads + h) * per;
                for (int i = 0; i < len; i++) {
                    if (perKey) {
                        out[h] = Math.max(out[h], v[base + i]);
                    } else {
                        for (int j = 0; j <= i; j++) {
                            out[h] = Math.max(out[h], v[base + i * len + j]);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void append(Table t, int layer, NDArray pattern) {
        Map<String, double[]> m = perHead(pattern);
        int heads = m.get(ENTROPY).length;
        for (int h = 0; h < heads; h++) {
            for (String metric : PATTERN_METRICS) {
                add(t, layer, h, metric, m.get(metric)[h]);
            }
        }
    }

    private static void add(Table t, int layer, int head, String metric, double value) {
        t.intColumn(LAYER).append(layer);
        t.intColumn(HEAD).append(head);
        t.stringColumn(METRIC).append(metric);
        t.doubleColumn(VALUE).append(value);
    }

    /** An empty {@code (layer, head, metric, value)} table. */
    public static Table emptyTable() {
        return Table.create("attention diagnostics", IntColumn.create(LAYER), IntColumn.create(HEAD),
                StringColumn.create(METRIC), DoubleColumn.create(VALUE));
    }

    private static double[] divide(double[] x, int n) {
        for (int i = 0; i < x.length; i++) {
            x[i] /= n;
        }
        return x;
    }
}
