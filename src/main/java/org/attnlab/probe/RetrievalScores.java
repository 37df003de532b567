package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.attnlab.data.tasks.NeedleTask;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;
import tech.tablesaw.api.Table;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Retrieval and streaming heads (Wu et al. 2024, "Retrieval head mechanistically explains long-context factuality";
 * Xiao et al. 2024, DuoAttention): two per-head scores as {@link HeadScore}s.
 *
 * <p><b>Retrieval score.</b> While the model generates the needle's value tokens, a head <i>copies</i> at a
 * generation step when its most-attended key (the arg max of the query's row, the first on a tie) lies in the needle
 * and holds the token being generated. For one sequence, with answer queries {@code q_1..q_M} (the positions whose
 * outputs are the M values), generated tokens {@code g_1..g_M} and needle positions N:
 * <pre>
 *   retrieval = |{ m : j_m = argmax_j w[q_m][j] in N  and  tokens[j_m] = g_m }| / M
 * </pre>
 * averaged over sequences. 1 for a head that copies every value out of the needle, 0 for one that never looks
 * there. A head is a retrieval head at {@code retrieval >= }{@value #RETRIEVAL_THRESHOLD} (the paper's threshold).
 * {@link #measure} reads the generated tokens off the model's own greedy predictions at the answer queries, the
 * inputs before them being the true values (teacher forcing: greedy decoding, as long as it is right).
 *
 * <p><b>Streaming score.</b> The attention mass a head puts on the first {@code sink} tokens and on the
 * {@code window} most recent keys (the query itself included), what DuoAttention's streaming heads keep:
 * <pre>
 *   streaming = mean_{i in Q} sum_{j in S_i} w[i][j],   S_i = { j &lt; sink } u { i - window &lt; j &lt;= i },
 *               Q = { i &gt;= sink + window }  (the queries for which S_i leaves some key out)
 * </pre>
 * 1 for a head that only ever looks at the sink and the recent tokens; NaN when no query is long enough.
 */
public final class RetrievalScores {

    public static final String RETRIEVAL = "retrieval";
    public static final String STREAMING = "streaming";
    /** Wu et al.: a head is a retrieval head when its retrieval score is at least 0.1. */
    public static final double RETRIEVAL_THRESHOLD = 0.1;

    private RetrievalScores() {
    }

    /**
     * One head's retrieval score on one sequence.
     *
     * @param w         the head's pattern {@code [L][L]}
     * @param tokens    the sequence {@code [L]}
     * @param needle    positions of the needle (the tokens a retrieval head copies from)
     * @param queries   the M query positions at which the needle's values are generated
     * @param generated the M tokens generated there
     */
    public static double retrieval(float[][] w, int[] tokens, int[] needle, int[] queries, int[] generated) {
        if (queries.length != generated.length || queries.length == 0) {
            throw new IllegalArgumentException("retrieval needs one generated token per query, at least one; got "
                    + queries.length + " queries and " + generated.length + " generated tokens");
        }
        boolean[] inNeedle = new boolean[tokens.length];
        for (int p : needle) {
            if (p < 0 || p >= tokens.length) {
                throw new IllegalArgumentException("needle position " + p + " is outside 0.." + (tokens.length - 1));
            }
            inNeedle[p] = true;
        }
        int copied = 0;
        for (int m = 0; m < queries.length; m++) {
            int q = queries[m];
            if (q < 0 || q >= w.length) {
                throw new IllegalArgumentException("query position " + q + " is outside 0.." + (w.length - 1));
            }
            int top = argMax(w[q], q);
            if (inNeedle[top] && tokens[top] == generated[m]) {
                copied++;
            }
        }
        return copied / (double) queries.length;
    }

    /** The first key {@code j <= i} of largest weight in row {@code row} (a causal row: later keys are not read). */
    static int argMax(float[] row, int i) {
        int best = 0;
        for (int j = 1; j <= i && j < row.length; j++) {
            if (row[j] > row[best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * The retrieval score as a {@link HeadScore} of the batch whose row b has needle positions {@code needle[b]},
     * answer queries {@code queries[b]} and generated tokens {@code generated[b]}.
     */
    public static HeadScore retrievalScore(int[][] needle, int[][] queries, int[][] generated) {
        if (needle.length != queries.length || queries.length != generated.length) {
            throw new IllegalArgumentException("one row of needle positions, queries and generated tokens per "
                    + "sequence; got " + needle.length + ", " + queries.length + ", " + generated.length);
        }
        return HeadScore.of(RETRIEVAL, (pattern, tokens) -> {
            if (pattern.length != needle.length) {
                throw new IllegalArgumentException("the retrieval score was built for " + needle.length
                        + " sequences; the pattern has " + pattern.length);
            }
            int heads = pattern[0].length;
            double[] out = new double[heads];
            for (int h = 0; h < heads; h++) {
                double sum = 0;
                for (int b = 0; b < pattern.length; b++) {
                    sum += retrieval(pattern[b][h], tokens[b], needle[b], queries[b], generated[b]);
                }
                out[h] = sum / pattern.length;
            }
            return out;
        });
    }

    /** One head's streaming score on one sequence (NaN when no query reaches past the sink and the window). */
    public static double streaming(float[][] w, int sink, int window) {
        checkView(sink, window);
        int first = sink + window;
        if (first >= w.length) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = first; i < w.length; i++) {
            for (int j = 0; j < sink; j++) {
                sum += w[i][j];
            }
            for (int j = i - window + 1; j <= i; j++) {
                sum += w[i][j];
            }
        }
        return sum / (w.length - first);
    }

    /** The streaming score as a {@link HeadScore} ({@value #STREAMING}), averaged over sequences. */
    public static HeadScore streamingScore(int sink, int window) {
        checkView(sink, window);
        return HeadScore.perSequence(STREAMING, (w, tokens) -> streaming(w, sink, window));
    }

    /**
     * Both scores of every head on a {@link NeedleTask} batch: the needle is its key and value positions, the answer
     * queries the batch's graded positions ({@code "answers"}), the generated tokens the model's arg max there.
     *
     * @return long table {@code layer, head, metric, value}: {@value #RETRIEVAL} then {@value #STREAMING} per head
     */
    public static Table measure(HookedModel model, NDManager manager, TaskBatch batch, int sink, int window) {
        checkView(sink, window);
        int[][] tokens = batch.inputs();
        ProbeRun.checkTokens(tokens, "tokens");
        int[][] queries = batch.positions(NeedleTask.ANSWERS);
        int[][] needle = new int[tokens.length][];
        int[][] keys = batch.positions(NeedleTask.NEEDLE_KEY);
        int[][] values = batch.positions(NeedleTask.NEEDLE_VALUES);
        for (int b = 0; b < tokens.length; b++) {
            needle[b] = new int[keys[b].length + values[b].length];
            System.arraycopy(keys[b], 0, needle[b], 0, keys[b].length);
            System.arraycopy(values[b], 0, needle[b], keys[b].length, values[b].length);
        }
        return ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            Map<String, NDArray> cache = model.runWithCache(ps, ProbeRun.tokens(sub, tokens), HookName::isPattern);
            int[][] generated = generated(cache.remove("logits"), queries);
            Map<String, NDArray> patterns = new LinkedHashMap<>(cache);
            return HeadScores.compute(patterns, tokens, List.of(retrievalScore(needle, queries, generated),
                    streamingScore(sink, window)));
        });
    }

    /** The greedy token at each query position: {@code argmax_v logits[b, q, v]}. */
    static int[][] generated(NDArray logits, int[][] queries) {
        long[] top = logits.argMax(-1).toType(DataType.INT64, false).toLongArray();     // [B*L]
        int len = (int) logits.getShape().get(1);
        int[][] out = new int[queries.length][];
        for (int b = 0; b < queries.length; b++) {
            out[b] = new int[queries[b].length];
            for (int m = 0; m < queries[b].length; m++) {
                out[b][m] = (int) top[b * len + queries[b][m]];
            }
        }
        return out;
    }

    /** The heads of a {@link #measure} table ordered by {@code metric}, highest first: {@code {layer, head}} pairs. */
    public static List<int[]> ranked(Table scores, String metric) {
        Table t = ProbeTable.only(scores, metric);
        Integer[] rows = new Integer[t.rowCount()];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = r;
        }
        // NaN scores go last; ties keep layer, head order
        Arrays.sort(rows, (a, b) -> Double.compare(key(t, b), key(t, a)));
        return Arrays.stream(rows).map(r -> new int[] {t.intColumn(ProbeTable.LAYER).getInt(r),
                t.intColumn(ProbeTable.HEAD).getInt(r)}).toList();
    }

    private static double key(Table t, int r) {
        double v = t.doubleColumn(ProbeTable.VALUE).getDouble(r);
        return Double.isNaN(v) ? Double.NEGATIVE_INFINITY : v;
    }

    private static void checkView(int sink, int window) {
        if (sink < 0 || window < 1) {
            throw new IllegalArgumentException("a streaming view needs sink >= 0 tokens and window >= 1 (the query "
                    + "itself); got sink " + sink + ", window " + window);
        }
    }
}
