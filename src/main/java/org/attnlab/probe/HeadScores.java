package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;
import org.attnlab.viz.HeatmapFigure;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Per-head scores of any {@link HookedModel} on any batch of tokens, as a long table
 * {@code layer, head, metric, value} ({@link ProbeTable#heads}). Layers with no pattern (the MLP kind) are skipped.
 *
 * <p>For one head's weights {@code w[i][j]} (query i, key j, rows summing to 1) on a sequence of length L, with
 * {@code prev(i)} the latest {@code j < i} holding the same token as i, each score is computed per sequence and
 * averaged over the sequences where it is defined (see {@link HeadScore#perSequence}):
 * <pre>
 *   previous_token   mean_{i &gt;= 1} w[i][i-1]
 *   duplicate_token  mean_{i in D} w[i][prev(i)]                  D = { i : token i occurred before }
 *   prefix_matching  mean_{i in P} w[i][prev(i)+1]                P = { i in D : prev(i)+1 &lt; i }   (induction)
 *   sink_mass        mean_{i &gt;= 1} w[i][0]
 *     sinkMass(S)    mean_{i in Q} sum_{j in S, j &lt;= i} w[i][j]   Q = { i &gt;= max(1, min S) }
 *   local_focus      mean_{i &gt;= 1} sum_{i-W &lt; j &lt;= i} w[i][j]
 *                    (the W most recent keys, the current one included; W = 4)
 *   entropy          mean_{i &gt;= 1} -sum_j w[i][j] ln w[i][j]        (nats)
 * </pre>
 * Row-wise scores leave query 0 out: it can only see itself. Weights are read as the model hands them out
 * ({@link HookedModel#patterns}: with registers, the real tokens'), so the mass scores of a kind whose rows do not
 * sum to 1 (see {@link AttentionDiagnostics}) count only what lands on real tokens. The first three are {@link InductionScores}'
 * definitions (on repeated random tokens an induction head scores near 1 on prefix matching); sink mass, local
 * focus and entropy are {@link AttentionDiagnostics}' (local focus with W = 4 is its window of 3 plus the current
 * token).
 *
 * <p>{@value #COPYING} is read from the model's weights, not the pattern alone: the <b>logit-lens</b> sense of
 * copying, how much a head's output raises the logit of the tokens it attends to, above the average token:
 * <pre>
 *   o_i    = (z_h[i] W_O[h]) * g * s_i                     the head's output at i through the final norm (gain g,
 *                                                          scale s_i = 1/rms frozen at this run's value)
 *   copying = mean_{i &gt;= 1} sum_j w[i][j] (o_i . W_U[t_j] - o_i . mean_v W_U[v])
 * </pre>
 * in logit units: positive for a head that copies what it reads (an induction head's OV circuit), negative for
 * one that suppresses it, near 0 for one whose output the unembedding does not read as those tokens. It is the
 * head's direct effect only (what later layers do with the output is not counted).
 *
 * <pre>{@code
 * Table scores = HeadScores.measure(model, manager, tokens);                         // every score, every head
 * Table mine = HeadScores.measure(model, manager, tokens, HeadScores.sinkMass(0, 8)); // chosen scores
 * }</pre>
 */
public final class HeadScores {

    public static final String PREVIOUS_TOKEN = "previous_token";
    public static final String DUPLICATE_TOKEN = "duplicate_token";
    public static final String PREFIX_MATCHING = "prefix_matching";
    public static final String SINK_MASS = "sink_mass";
    public static final String LOCAL_FOCUS = "local_focus";
    public static final String ENTROPY = "entropy";
    public static final String COPYING = "copying";

    /** The local-focus window W of {@link #LOCAL_FOCUS_SCORE}: the current key and the three before it. */
    public static final int LOCAL_WINDOW = 4;

    public static final HeadScore PREVIOUS_TOKEN_SCORE =
            HeadScore.perSequence(PREVIOUS_TOKEN, (w, tokens) -> InductionScores.previousToken(w));
    public static final HeadScore DUPLICATE_TOKEN_SCORE =
            HeadScore.perSequence(DUPLICATE_TOKEN, InductionScores::duplicateToken);
    public static final HeadScore PREFIX_MATCHING_SCORE =
            HeadScore.perSequence(PREFIX_MATCHING, InductionScores::prefixMatching);
    public static final HeadScore SINK_MASS_SCORE = sinkMass(0);
    public static final HeadScore LOCAL_FOCUS_SCORE = localFocus(LOCAL_WINDOW);
    public static final HeadScore ENTROPY_SCORE = HeadScore.perSequence(ENTROPY, (w, tokens) -> entropy(w));

    /** The pattern scores {@link #measure(HookedModel, NDManager, int[][])} computes, in row order per head. */
    public static final List<HeadScore> PATTERN_SCORES = List.of(PREVIOUS_TOKEN_SCORE, DUPLICATE_TOKEN_SCORE,
            PREFIX_MATCHING_SCORE, SINK_MASS_SCORE, LOCAL_FOCUS_SCORE, ENTROPY_SCORE);

    private HeadScores() {
    }

    /**
     * Every pattern score of {@link #PATTERN_SCORES} and {@value #COPYING}, for every head of every layer with a
     * pattern, on {@code tokens [B][L]} (inference; arrays freed before returning).
     */
    public static Table measure(HookedModel model, NDManager manager, int[][] tokens) {
        ProbeRun.checkTokens(tokens, "tokens");
        return ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            Map<String, NDArray> cache = model.runWithCache(ps, ProbeRun.tokens(sub, tokens), name ->
                    HookName.isPattern(name) || isZ(name) || name.equals(HookName.LN_FINAL)
                            || name.equals(LogitReadout.finalResidualName(model)));
            Table t = compute(patterns(cache), tokens, PATTERN_SCORES);
            Map<Integer, double[]> copying = copying(model, ps, cache, tokens);
            Table out = ProbeTable.heads("head scores");
            // interleave so each head's rows sit together: the pattern scores, then copying
            Map<Integer, Map<Integer, List<Integer>>> rows = new TreeMap<>();
            for (int r = 0; r < t.rowCount(); r++) {
                rows.computeIfAbsent(t.intColumn(ProbeTable.LAYER).getInt(r), k -> new TreeMap<>())
                        .computeIfAbsent(t.intColumn(ProbeTable.HEAD).getInt(r), k -> new ArrayList<>()).add(r);
            }
            rows.forEach((layer, heads) -> heads.forEach((head, rs) -> {
                for (int r : rs) {
                    ProbeTable.addHead(out, layer, head, t.stringColumn(ProbeTable.METRIC).get(r),
                            t.doubleColumn(ProbeTable.VALUE).getDouble(r));
                }
                double[] c = copying.get(layer);
                ProbeTable.addHead(out, layer, head, COPYING, c == null ? Double.NaN : c[head]);
            }));
            return out;
        });
    }

    /** The chosen pattern scores (built-in or your own) of every head with a pattern, on {@code tokens [B][L]}. */
    public static Table measure(HookedModel model, NDManager manager, int[][] tokens, HeadScore... scores) {
        ProbeRun.checkTokens(tokens, "tokens");
        List<HeadScore> list = checkScores(scores);
        return ProbeRun.inSubManager(model, manager, (sub, ps) ->
                compute(model.patterns(ps, ProbeRun.tokens(sub, tokens)), tokens, list));
    }

    /**
     * Scores patterns keyed by hook name ({@code blocks.N.attn.pattern -> [B, H, L, L]}, as
     * {@link HookedModel#patterns} returns them) on the tokens the model read.
     *
     * @return long table {@code layer, head, metric, value}, by layer, head, then the order of {@code scores}
     */
    public static Table compute(Map<String, NDArray> patterns, int[][] tokens, List<HeadScore> scores) {
        ProbeRun.checkTokens(tokens, "tokens");
        Map<Integer, float[][][][]> byLayer = new TreeMap<>();
        for (Map.Entry<String, NDArray> e : patterns.entrySet()) {
            if (!HookName.isPattern(e.getKey())) {
                throw new IllegalArgumentException("'" + e.getKey() + "' is not a pattern hook name; expected "
                        + HookName.pattern(0) + " and the like");
            }
            byLayer.put(HookName.layerOf(e.getKey()), ProbeRun.pattern(e.getValue(), tokens));
        }
        return computeLayers(byLayer, tokens, scores);
    }

    /** Scores Java patterns: {@code layer -> float[B][H][L][L]} (hand-built ones, in tests and exercises). */
    public static Table computeLayers(Map<Integer, float[][][][]> patterns, int[][] tokens, List<HeadScore> scores) {
        Table t = ProbeTable.heads("head scores");
        for (Map.Entry<Integer, float[][][][]> e : new TreeMap<>(patterns).entrySet()) {
            float[][][][] w = e.getValue();
            if (w.length != tokens.length) {
                throw new IllegalArgumentException("layer " + e.getKey() + "'s pattern has " + w.length
                        + " sequences but there are " + tokens.length + " token rows");
            }
            int heads = w[0].length;
            double[][] values = new double[scores.size()][];
            for (int s = 0; s < scores.size(); s++) {
                values[s] = scores.get(s).perHead(w, tokens);
            }
            for (int h = 0; h < heads; h++) {
                for (int s = 0; s < scores.size(); s++) {
                    ProbeTable.addHead(t, e.getKey(), h, scores.get(s).name(), values[s][h]);
                }
            }
        }
        return t;
    }

    /** One score of a {@link #measure} table as a layer x head grid, the colour bar named after the score. */
    public static HeatmapFigure figure(Table scores, String metric) {
        Table t = ProbeTable.only(scores, metric);
        if (t.rowCount() == 0) {
            throw new IllegalArgumentException("table '" + scores.name() + "' has no rows to draw");
        }
        double[][] grid = new double[(int) t.intColumn(ProbeTable.LAYER).max() + 1]
                [(int) t.intColumn(ProbeTable.HEAD).max() + 1];
        for (double[] row : grid) {
            Arrays.fill(row, Double.NaN);                                     // layers without heads stay blank
        }
        for (int r = 0; r < t.rowCount(); r++) {
            grid[t.intColumn(ProbeTable.LAYER).getInt(r)][t.intColumn(ProbeTable.HEAD).getInt(r)] =
                    t.doubleColumn(ProbeTable.VALUE).getDouble(r);
        }
        return Plots.headGrid(grid, metric);
    }

    /**
     * Attention on chosen positions ({@code sink_mass} for {@code {0}}, else {@code sink_mass@p1,p2..}):
     * {@code mean_{i in Q} sum_{j in S, j <= i} w[i][j]} with {@code Q = { i >= max(1, min S) }}, the queries that
     * can see one of them (query 0 left out: it can only see itself).
     */
    public static HeadScore sinkMass(int... positions) {
        if (positions == null || positions.length == 0) {
            throw new IllegalArgumentException("sinkMass needs at least one position, e.g. sinkMass(0)");
        }
        int[] s = Arrays.stream(positions).distinct().sorted().toArray();
        if (s[0] < 0) {
            throw new IllegalArgumentException("sink positions must be >= 0, got " + Arrays.toString(positions));
        }
        String name = s.length == 1 && s[0] == 0 ? SINK_MASS
                : SINK_MASS + "@" + Arrays.stream(s).mapToObj(String::valueOf).collect(Collectors.joining(","));
        return HeadScore.perSequence(name, (w, tokens) -> {
            int first = Math.max(1, s[0]);
            if (first >= w.length) {
                return Double.NaN;
            }
            double sum = 0;
            for (int i = first; i < w.length; i++) {
                for (int j : s) {
                    if (j <= i) {
                        sum += w[i][j];
                    }
                }
            }
            return sum / (w.length - first);
        });
    }

    /**
     * Mass on the {@code window} most recent keys, the current one included ({@code local_focus} for W = 4, else
     * {@code local_focus@W}): {@code mean_{i >= 1} sum_{i-W < j <= i} w[i][j]}.
     */
    public static HeadScore localFocus(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("local focus window must be >= 1 (keys counted back from the query, "
                    + "itself included); got " + window);
        }
        String name = window == LOCAL_WINDOW ? LOCAL_FOCUS : LOCAL_FOCUS + "@" + window;
        return HeadScore.perSequence(name, (w, tokens) -> {
            if (w.length < 2) {
                return Double.NaN;
            }
            double sum = 0;
            for (int i = 1; i < w.length; i++) {
                for (int j = Math.max(0, i - window + 1); j <= i; j++) {
                    sum += w[i][j];
                }
            }
            return sum / (w.length - 1);
        });
    }

    /**
     * {@code mean_{i >= 1} -sum_j w[i][j] ln w[i][j]} (nats); NaN when L &lt; 2. A row that does not sum to 1 (sigmoid
     * attention, a zero logit, a sink slot, registers cut away) is renormalised first, as in
     * {@link AttentionDiagnostics}.
     */
    public static double entropy(float[][] w) {
        if (w.length < 2) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 1; i < w.length; i++) {
            double total = 0;
            for (float p : w[i]) {
                total += p;
            }
            if (Math.abs(total - 1) < AttentionDiagnostics.NOT_A_DISTRIBUTION || total <= 0) {
                total = 1;
            }
            for (float p : w[i]) {
                if (p > 0) {
                    sum -= p / total * Math.log(p / total);
                }
            }
        }
        return sum / (w.length - 1);
    }

    /** {@value #COPYING} of every head with a pattern and an output projection: {@code layer -> double[H]}. */
    static Map<Integer, double[]> copying(HookedModel model, ParameterStore ps, Map<String, NDArray> cache,
                                          int[][] tokens) {
        Map<Integer, double[]> out = new LinkedHashMap<>();
        LogitReadout readout = LogitReadout.of(model, ps, cache);
        NDArray wu = model.unembedding(ps);                                      // (V,d)
        NDArray ids = ProbeRun.tokens(readout.scale().getManager(), tokens);
        NDArray centred = Embedding.embedding(ids, wu, SparseFormat.DENSE).singletonOrThrow()  // (B,L,d): W_U[t_j]
                .sub(wu.mean(new int[]{0}))                                      // minus mean_v W_U[v]
                .expandDims(1);                                                  // (B,1,L,d)
        for (int layer = 0; layer < model.layers(); layer++) {
            NDArray z = cache.get(HookName.z(layer));
            NDArray p = cache.get(HookName.pattern(layer));
            NDArray wo = model.outputProjection(ps, layer);
            if (z == null || p == null || wo == null) {
                continue;
            }
            int heads = (int) z.getShape().get(1);
            int hd = (int) z.getShape().get(3);
            NDArray woHeads = wo.reshape(heads, hd, model.dModel());              // (H,D,d)
            NDArray o = z.matMul(woHeads.expandDims(0));                          // (B,H,L,D)x(1,H,D,d) -> (B,H,L,d)
            o = readout.throughNorm(o.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3);
            NDArray boost = o.matMul(centred.transpose(0, 1, 3, 2));              // (B,H,L,d)x(B,1,d,L) -> (B,H,L,L)
            NDArray perQuery = boost.mul(p.toType(boost.getDataType(), false)).sum(new int[]{3}); // (B,H,L)
            long len = perQuery.getShape().get(2);
            double[] v = new double[heads];
            if (len >= 2) {
                float[] means = perQuery.get(new NDIndex(":, :, 1:")).mean(new int[]{2}).mean(new int[]{0})
                        .toType(DataType.FLOAT32, false).toFloatArray();           // (H)
                for (int h = 0; h < heads; h++) {
                    v[h] = means[h];
                }
            } else {
                Arrays.fill(v, Double.NaN);
            }
            out.put(layer, v);
        }
        return out;
    }

    private static boolean isZ(String name) {
        return HookName.parse(name).map(p -> p.component().equals(HookName.ATTN + "." + HookName.Z)).orElse(false);
    }

    private static Map<String, NDArray> patterns(Map<String, NDArray> cache) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        cache.forEach((k, v) -> {
            if (HookName.isPattern(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static List<HeadScore> checkScores(HeadScore[] scores) {
        if (scores == null || scores.length == 0) {
            throw new IllegalArgumentException("name at least one score, e.g. HeadScores.PREFIX_MATCHING_SCORE; "
                    + "or call measure(model, manager, tokens) for all of them");
        }
        List<String> names = new ArrayList<>();
        for (HeadScore s : scores) {
            if (names.contains(s.name())) {
                throw new IllegalArgumentException("score '" + s.name() + "' is given twice");
            }
            names.add(s.name());
        }
        return List.of(scores);
    }
}
