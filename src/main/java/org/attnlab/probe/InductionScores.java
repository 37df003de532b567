package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;
import org.attnlab.model.ModelWeights;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Head scores that find induction circuits (Olsson et al. 2022), computed from attention weights
 * {@code A[i][j]} (query i, key j, rows summing to 1) and the tokens the model read. For one head, averaged
 * over the sequences of a batch:
 * <pre>
 *   prefix matching:  mean over i in P of A[i][prev(i) + 1]     P = { i : token i occurred before, prev(i) + 1 &lt; i }
 *   previous token:   mean over i &gt;= 1 of A[i][i - 1]
 *   duplicate token:  mean over i in D of A[i][prev(i)]          D = { i : token i occurred before }
 * </pre>
 * where {@code prev(i)} is the latest {@code j < i} with {@code tokens[j] == tokens[i]}. On repeated random
 * tokens ({@code <s> r_1..r_T r_1..r_T}) the prefix-matching score is the attention a token of the second copy
 * pays to the token that followed its first occurrence: an induction head scores near 1, a previous-token head
 * near 1 on the second score, a head that looks at the earlier copy of the same token on the third.
 * (Positions with {@code prev(i) + 1 == i}, a token repeated right away, are left out of the prefix-matching
 * mean because there the induction target is the previous token.)
 *
 * <p>Results are long tables with columns {@code layer, head, score, value} (one row per head and score), which
 * {@code Plots.headGrid(table.where(score == ...), "layer", "head", "value")} draws.
 */
public final class InductionScores {

    public static final String PREFIX_MATCHING = "prefix_matching";
    public static final String PREVIOUS_TOKEN = "previous_token";
    public static final String DUPLICATE_TOKEN = "duplicate_token";
    /** The scores {@link #compute} returns, in row order per head. */
    public static final List<String> SCORES = List.of(PREFIX_MATCHING, PREVIOUS_TOKEN, DUPLICATE_TOKEN);

    public static final String LAYER = "layer";
    public static final String HEAD = "head";
    public static final String SCORE = "score";
    public static final String VALUE = "value";

    private InductionScores() {
    }

    /**
     * Runs {@code model} on {@code tokens} (inference) and scores every head that has an attention pattern.
     * All arrays live in a sub-manager of {@code manager}, closed before returning.
     *
     * @param tokens {@code [B][L]} token ids, every row the same length
     * @return long table {@code layer, head, score, value}
     */
    public static Table measure(HookedModel model, NDManager manager, int[][] tokens) {
        checkTokens(tokens);
        try (NDManager sub = manager.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(model));              // arrays derived from weights land in sub
            NDArray input = sub.create(flatten(tokens), new Shape(tokens.length, tokens[0].length));
            Map<String, NDArray> patterns = model.patterns(new ParameterStore(sub, false), input);
            return compute(patterns, tokens);
        }
    }

    /**
     * Scores every head of every pattern in {@code patterns} (hook name {@code blocks.N.attn.pattern} ->
     * {@code [B, H, L, L]}, as {@link HookedModel#patterns} returns) on the tokens the model read.
     *
     * @return long table {@code layer, head, score, value}, sorted by layer, head, then {@link #SCORES} order
     */
    public static Table compute(Map<String, NDArray> patterns, int[][] tokens) {
        checkTokens(tokens);
        Map<Integer, float[][][][]> byLayer = new TreeMap<>();
        for (Map.Entry<String, NDArray> e : patterns.entrySet()) {
            byLayer.put(HookName.patternLayer(e.getKey()), ProbeRun.pattern(e.getValue(), tokens));
        }
        IntColumn layer = IntColumn.create(LAYER);
        IntColumn head = IntColumn.create(HEAD);
        StringColumn score = StringColumn.create(SCORE);
        DoubleColumn value = DoubleColumn.create(VALUE);
        for (Map.Entry<Integer, float[][][][]> e : byLayer.entrySet()) {
            float[][][][] w = e.getValue();                            // [B][H][L][L]
            for (int h = 0; h < w[0].length; h++) {
                double[] sums = new double[SCORES.size()];
                for (int b = 0; b < w.length; b++) {
                    sums[0] += prefixMatching(w[b][h], tokens[b]);
                    sums[1] += previousToken(w[b][h]);
                    sums[2] += duplicateToken(w[b][h], tokens[b]);
                }
                for (int s = 0; s < SCORES.size(); s++) {
                    layer.append(e.getKey());
                    head.append(h);
                    score.append(SCORES.get(s));
                    value.append(sums[s] / w.length);
                }
            }
        }
        return Table.create("head scores", layer, head, score, value);
    }

    /**
     * Prefix-matching score of one head on one sequence: {@code mean_{i in P} A[i][prev(i) + 1]} (see the class
     * Javadoc); NaN when no token repeats.
     *
     * @param w      {@code [L][L]} attention weights, query rows
     * @param tokens the L tokens read
     */
    public static double prefixMatching(float[][] w, int[] tokens) {
        checkSquare(w, tokens.length);
        int[] prev = previousOccurrence(tokens);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (prev[i] >= 0 && prev[i] + 1 < i) {
                sum += w[i][prev[i] + 1];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Previous-token score of one head on one sequence: {@code mean_{i >= 1} A[i][i - 1]}; NaN when L &lt; 2. */
    public static double previousToken(float[][] w) {
        checkSquare(w, w.length);
        double sum = 0;
        for (int i = 1; i < w.length; i++) {
            sum += w[i][i - 1];
        }
        return w.length < 2 ? Double.NaN : sum / (w.length - 1);
    }

    /** Duplicate-token score of one head on one sequence: {@code mean_{i in D} A[i][prev(i)]}; NaN when none. */
    public static double duplicateToken(float[][] w, int[] tokens) {
        checkSquare(w, tokens.length);
        int[] prev = previousOccurrence(tokens);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (prev[i] >= 0) {
                sum += w[i][prev[i]];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** {@code prev[i]}: the latest {@code j < i} with {@code tokens[j] == tokens[i]}, or -1. */
    public static int[] previousOccurrence(int[] tokens) {
        int[] prev = new int[tokens.length];
        Map<Integer, Integer> last = new java.util.HashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            Integer j = last.put(tokens[i], i);
            prev[i] = j == null ? -1 : j;
        }
        return prev;
    }

    /** The rows of {@code scores} (a {@link #compute} table) for one score, e.g. {@link #PREFIX_MATCHING}. */
    public static Table only(Table scores, String score) {
        if (!SCORES.contains(score)) {
            throw new IllegalArgumentException("Unknown score '" + score + "'; known: " + SCORES);
        }
        return scores.where(scores.stringColumn(SCORE).isEqualTo(score));
    }

    /** The largest value of {@code score} over heads (NaN if there are none). */
    public static double max(Table scores, String score) {
        Table t = only(scores, score);
        return t.rowCount() == 0 ? Double.NaN : t.doubleColumn(VALUE).max();
    }

    /** {@code {layer, head}} of the head with the largest {@code score}. */
    public static int[] best(Table scores, String score) {
        Table t = only(scores, score);
        if (t.rowCount() == 0) {
            throw new IllegalArgumentException("No heads in the score table");
        }
        int best = 0;
        for (int r = 1; r < t.rowCount(); r++) {
            if (t.doubleColumn(VALUE).getDouble(r) > t.doubleColumn(VALUE).getDouble(best)) {
                best = r;
            }
        }
        return new int[] {t.intColumn(LAYER).getInt(best), t.intColumn(HEAD).getInt(best)};
    }

    /**
     * One head's weights on one sequence, {@code [L][L]}, from a model run (for a heatmap): layer {@code layer},
     * head {@code head}, the single row {@code tokens}.
     */
    public static float[][] pattern(HookedModel model, NDManager manager, int[] tokens, int layer, int head) {
        try (NDManager sub = manager.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(model));
            NDArray input = sub.create(tokens.clone(), new Shape(1, tokens.length));
            Map<String, NDArray> patterns = model.patterns(new ParameterStore(sub, false), input);
            NDArray p = patterns.get(HookName.pattern(layer));
            if (p == null) {
                throw new IllegalArgumentException("Layer " + layer + " has no attention pattern; layers with one: "
                        + patterns.keySet());
            }
            int heads = (int) p.getShape().get(1);
            if (head < 0 || head >= heads) {
                throw new IllegalArgumentException("head=" + head + " is outside 0.." + (heads - 1));
            }
            return ProbeRun.pattern(p, new int[][] {tokens})[0][head];
        }
    }

    /**
     * Head {@code head} of sequence {@code b} of a {@code [B, H, L, L]} pattern as {@code float[L][L]} (query rows).
     */
    public static float[][] headWeights(NDArray pattern, int b, int head) {
        Shape s = pattern.getShape();
        if (s.dimension() != 4 || b < 0 || b >= s.get(0) || head < 0 || head >= s.get(1)) {
            throw new IllegalArgumentException("pattern " + s + " has no sequence " + b + ", head " + head
                    + "; expected [B, H, L, L] with 0 <= b < B, 0 <= head < H");
        }
        int l = (int) s.get(2);
        float[] flat = pattern.get(b, head).toType(DataType.FLOAT32, false).toFloatArray();   // (L, L)
        float[][] out = new float[l][l];
        for (int q = 0; q < l; q++) {
            System.arraycopy(flat, q * l, out[q], 0, l);
        }
        return out;
    }

    private static void checkTokens(int[][] tokens) {
        if (tokens == null || tokens.length == 0 || tokens[0].length == 0) {
            throw new IllegalArgumentException("tokens must be a non-empty [B][L] array");
        }
        for (int[] row : tokens) {
            if (row.length != tokens[0].length) {
                throw new IllegalArgumentException("token rows differ in length: " + row.length + " and "
                        + tokens[0].length);
            }
        }
    }

    private static void checkSquare(float[][] w, int l) {
        if (w.length != l) {
            throw new IllegalArgumentException("weights have " + w.length + " rows but the sequence has " + l
                    + " tokens");
        }
        for (float[] row : w) {
            if (row.length != l) {
                throw new IllegalArgumentException("weights must be [L][L] with L=" + l + "; a row has "
                        + row.length + " entries");
            }
        }
    }

    private static int[] flatten(int[][] rows) {
        int l = rows[0].length;
        int[] flat = new int[rows.length * l];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(rows[b], 0, flat, b * l, l);
        }
        return flat;
    }
}
