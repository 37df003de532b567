package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Diagnostics of attention maps, computed from the weights a model hands out ({@link HookedModel#patterns}), per
 * layer and head, as a long table {@code (layer, head, metric, value)}. The diagnostics of <i>Deconstructing
 * Attention</i> (Xue et al. 2025) and of the attention-sink papers (Xiao et al. 2024; Gu et al. 2025).
 *
 * <p>For one head's causal map {@code a[i][j]} (query i, key j &lt;= i, rows summing to 1) of length L, averaged
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
 * head (the paper saw uniform Non-approximate's logits exceed 1e3 before it diverged).
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

    /** The metrics {@link #of} computes, in table order. */
    public static final List<String> PATTERN_METRICS =
            List.of(ENTROPY, NORMALISED_ENTROPY, SINK_MASS, LOCAL_FOCUS, CONCENTRATION, HEAD_DIVERSITY);

    /** A head with mean sink mass above this is a sink head (Gu et al. ICLR 2025). */
    public static final double SINK_THRESHOLD = 0.3;

    /** Keys at distance 0..LOCAL_WINDOW from the query count as local. */
    public static final int LOCAL_WINDOW = 3;

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
                    for (int j = 0; j <= i; j++) {
                        double p = a[row + j];
                        sq += p * p;
                        if (p > 0) {
                            ent -= p * Math.log(p);
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
            for (int j = 0; j <= i; j++) {
                double p = a[m1 + i * len + j], q = a[m2 + i * len + j], m = 0.5 * (p + q);
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
     * The per-layer means over heads of a diagnostics table: {@code (layer, metric, value)}, sorted by layer then
     * metric order of appearance.
     */
    public static Table perLayer(Table diagnostics) {
        Map<String, double[]> sums = new LinkedHashMap<>();                  // "layer\0metric" -> {sum, n}
        IntColumn layer = diagnostics.intColumn(LAYER);
        StringColumn metric = diagnostics.stringColumn(METRIC);
        DoubleColumn value = diagnostics.doubleColumn(VALUE);
        for (int r = 0; r < diagnostics.rowCount(); r++) {
            double[] acc = sums.computeIfAbsent(layer.getInt(r) + "\0" + metric.get(r), k -> new double[2]);
            acc[0] += value.getDouble(r);
            acc[1] += 1;
        }
        IntColumn lc = IntColumn.create(LAYER);
        StringColumn mc = StringColumn.create(METRIC);
        DoubleColumn vc = DoubleColumn.create(VALUE);
        sums.forEach((k, acc) -> {
            String[] parts = k.split("\0");
            lc.append(Integer.parseInt(parts[0]));
            mc.append(parts[1]);
            vc.append(acc[0] / acc[1]);
        });
        return Table.create("attention diagnostics per layer", lc, mc, vc).sortAscendingOn(LAYER);
    }

    /**
     * The largest pre-softmax logit magnitude of each head, {@code max_{b, j <= i} |s_ij|}, recorded from the
     * {@code q} and {@code k} hooks (after RoPE where used): pairwise {@code s_ij = scale q_i.k_j} for kinds that
     * compare queries with keys, and {@code s_j = scale q_j.k_j} for {@link AttentionKind#NON_APPROXIMATE}'s one
     * score per key. MLP and skipped layers have none. Returns {@code (layer, head, metric, value)} rows with
     * metric {@value #MAX_LOGIT}.
     */
    public static Table maxLogits(HookedModel model, ParameterStore ps, NDArray tokens) {
        Set<String> qk = new HashSet<>();
        for (int layer = 0; layer < model.layers(); layer++) {
            qk.add(HookName.attn(layer, HookName.Q));
            qk.add(HookName.attn(layer, HookName.K));
        }
        Map<String, NDArray> cache = model.runWithCache(ps, tokens, qk::contains);
        Table t = emptyTable();
        float scale = (float) (1.0 / Math.sqrt(model.dModel() / model.heads()));   // 1/sqrt(headDim)
        for (int layer = 0; layer < model.layers(); layer++) {
            NDArray q = cache.get(HookName.attn(layer, HookName.Q));
            NDArray k = cache.get(HookName.attn(layer, HookName.K));
            if (q == null || k == null) {
                continue;
            }
            double[] max = maxLogit(q, k, scale, model.kindAt(layer) == AttentionKind.NON_APPROXIMATE);
            for (int h = 0; h < max.length; h++) {
                add(t, layer, h, MAX_LOGIT, max[h]);
            }
        }
        return t;
    }

    /**
     * {@code max |s|} per head for {@code q, k [B|1, H, L, D]}: over causal pairs {@code j <= i} of
     * {@code scale q_i.k_j}, or (diagonal) over {@code scale q_j.k_j}.
     */
    static double[] maxLogit(NDArray q, NDArray k, float scale, boolean diagonalOnly) {
        Shape s = q.getShape();
        int heads = (int) s.get(1);
        int len = (int) s.get(2);
        NDArray logits = diagonalOnly
                ? q.mul(k).sum(new int[] {3}).mul(scale)                             // (B,H,L)
                : q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);                       // (B,H,L,D)x(B,H,D,L) -> (B,H,L,L)
        float[] v = logits.abs().toType(DataType.FLOAT32, false).toFloatArray();
        int per = diagonalOnly ? len : len * len;
        int batch = v.length / (heads * per);
        double[] out = new double[heads];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int base = (b * heads + h) * per;
                for (int i = 0; i < len; i++) {
                    if (diagonalOnly) {
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
