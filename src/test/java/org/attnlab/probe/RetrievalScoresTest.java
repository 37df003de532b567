package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import org.attnlab.data.tasks.NeedleTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.ModelConfig;
import org.attnlab.model.ModelWeights;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetrievalScoresTest {

    // <s> f f k1 v4 v2 f f ? k1 v4 v2 -> inputs 0..10; needle key at 3, values at 4, 5; answers at 9, 10
    private static final int[] TOKENS = {0, 2, 3, 10, 14, 12, 2, 3, 1, 10, 14};
    private static final int[] NEEDLE = {3, 4, 5};
    private static final int[] QUERIES = {9, 10};
    private static final int[] GENERATED = {14, 12};

    /** A causal pattern with each listed query's whole weight on one key, other rows uniform. */
    private static float[][] pointing(int len, int[] queries, int[] keys) {
        float[][] w = new float[len][len];
        for (int i = 0; i < len; i++) {
            for (int j = 0; j <= i; j++) {
                w[i][j] = 1f / (i + 1);
            }
        }
        for (int m = 0; m < queries.length; m++) {
            java.util.Arrays.fill(w[queries[m]], 0f);
            w[queries[m]][keys[m]] = 1f;
        }
        return w;
    }

    @Test
    void aHeadThatCopiesEveryValueFromTheNeedleScoresOne() {
        float[][] w = pointing(TOKENS.length, QUERIES, new int[] {4, 5});
        assertEquals(1.0, RetrievalScores.retrieval(w, TOKENS, NEEDLE, QUERIES, GENERATED));
    }

    @Test
    void aHeadLookingElsewhereOrAtTheWrongNeedleTokenScoresZero() {
        // on the sink
        assertEquals(0.0, RetrievalScores.retrieval(pointing(11, QUERIES, new int[] {0, 0}), TOKENS, NEEDLE, QUERIES,
                GENERATED));
        // on the needle's key: in the needle, but not the generated token
        assertEquals(0.0, RetrievalScores.retrieval(pointing(11, QUERIES, new int[] {3, 3}), TOKENS, NEEDLE, QUERIES,
                GENERATED));
        // on the query's own copy of v4 at position 10 (the generated token, but outside the needle)
        assertEquals(0.0, RetrievalScores.retrieval(pointing(11, QUERIES, new int[] {9, 10}), TOKENS,
                NEEDLE, QUERIES, new int[] {10, 14}));
    }

    @Test
    void copyingOneOfTwoValuesScoresAHalfAndAWrongGenerationCountsAsNoCopy() {
        assertEquals(0.5, RetrievalScores.retrieval(pointing(11, QUERIES, new int[] {4, 0}), TOKENS, NEEDLE, QUERIES,
                GENERATED));
        // the head points at v4, but the model generated something else there
        assertEquals(0.5, RetrievalScores.retrieval(pointing(11, QUERIES, new int[] {4, 5}), TOKENS, NEEDLE, QUERIES,
                new int[] {14, 13}));
    }

    @Test
    void theTopKeyIsTheFirstOfTiedMaximaAndNoLaterKeyIsRead() {
        float[][] w = pointing(11, QUERIES, new int[] {4, 5});
        w[9][4] = 0.5f;
        w[9][1] = 0.5f;                       // tie between 1 and 4: the first, 1, is the top key
        assertEquals(0.5, RetrievalScores.retrieval(w, TOKENS, NEEDLE, QUERIES, GENERATED));
        assertEquals(1, RetrievalScores.argMax(new float[] {0.1f, 0.9f, 5f}, 1));
    }

    @Test
    void badArgumentsAreNamed() {
        float[][] w = pointing(11, QUERIES, new int[] {4, 5});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetrievalScores.retrieval(w, TOKENS, NEEDLE, QUERIES, new int[] {14}));
        assertTrue(e.getMessage().contains("2 queries and 1 generated"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RetrievalScores.retrieval(w, TOKENS, new int[] {11}, QUERIES, GENERATED));
        assertTrue(e.getMessage().contains("needle position 11"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetrievalScores.streamingScore(-1, 4));
        assertTrue(e.getMessage().contains("sink -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetrievalScores.streaming(w, 1, 0));
        assertTrue(e.getMessage().contains("window 0"), e.getMessage());
    }

    @Test
    void streamingIsOneOnTheSinkZeroFarAwayAndTheKeptShareOfAUniformHead() {
        int len = 12, sink = 2, window = 3;
        float[][] onSink = new float[len][len];
        float[][] farAway = new float[len][len];
        float[][] uniform = new float[len][len];
        for (int i = 0; i < len; i++) {
            onSink[i][0] = 1f;
            farAway[i][Math.min(i, sink)] = 1f;   // key 2: outside the sink and, for i >= 5, the window
            for (int j = 0; j <= i; j++) {
                uniform[i][j] = 1f / (i + 1);
            }
        }
        assertEquals(1.0, RetrievalScores.streaming(onSink, sink, window), 1e-9);
        assertEquals(0.0, RetrievalScores.streaming(farAway, sink, window), 1e-9);
        double expected = 0;
        for (int i = sink + window; i < len; i++) {
            expected += (sink + window) / (double) (i + 1);
        }
        assertEquals(expected / (len - sink - window), RetrievalScores.streaming(uniform, sink, window), 1e-6);
        assertTrue(Double.isNaN(RetrievalScores.streaming(uniform, 8, 4)), "no query reaches past sink + window");
    }

    @Test
    void measureOnANeedleBatchAgreesWithTheScoresOfItsPatternsAndGreedyTokens() {
        NeedleTask task = new NeedleTask(6, 4, 8, 2, 1);
        TaskBatch batch = task.sample(3, 20, Split.TEST, 7);
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = DecoderLM.create(ModelConfig.builder(task.vocabulary().size(), 16, 2, 2).maxLength(32)
                    .build(), m, 3);
            Table t = RetrievalScores.measure(lm, m, batch, 1, 4);
            assertEquals(2 * 2 * 2, t.rowCount());
            // the slow way: the patterns, the greedy tokens, the per-sequence formula
            try (NDManager sub = m.newSubManager()) {
                sub.tempAttachAll(ModelWeights.arrays(lm));
                Map<String, NDArray> cache = lm.runWithCache(new ParameterStore(sub, false),
                        sub.create(batch.inputs()).toType(ai.djl.ndarray.types.DataType.INT64, false),
                        HookName::isPattern);
                long[] top = cache.get("logits").argMax(-1).toLongArray();
                for (int layer = 0; layer < 2; layer++) {
                    float[][][][] p = ProbeRun.pattern(cache.get(HookName.pattern(layer)), batch.inputs());
                    for (int h = 0; h < 2; h++) {
                        double r = 0, s = 0;
                        for (int b = 0; b < 3; b++) {
                            int[] q = batch.example(b).positions(NeedleTask.ANSWERS);
                            int[] g = {(int) top[b * 20 + q[0]], (int) top[b * 20 + q[1]]};
                            int[] needle = {batch.example(b).positions(NeedleTask.NEEDLE_KEY)[0],
                                batch.example(b).positions(NeedleTask.NEEDLE_VALUES)[0],
                                batch.example(b).positions(NeedleTask.NEEDLE_VALUES)[1]};
                            r += RetrievalScores.retrieval(p[b][h], batch.inputs()[b], needle, q, g) / 3;
                            s += RetrievalScores.streaming(p[b][h], 1, 4) / 3;
                        }
                        assertEquals(r, ProbeTable.value(t, layer, h, RetrievalScores.RETRIEVAL), 1e-9);
                        assertEquals(s, ProbeTable.value(t, layer, h, RetrievalScores.STREAMING), 1e-6);
                    }
                }
            }
        }
    }

    @Test
    void rankedOrdersHeadsByAScoreHighestFirst() {
        Table t = ProbeTable.heads("scores");
        ProbeTable.addHead(t, 0, 0, RetrievalScores.RETRIEVAL, 0.2);
        ProbeTable.addHead(t, 0, 1, RetrievalScores.RETRIEVAL, Double.NaN);
        ProbeTable.addHead(t, 1, 0, RetrievalScores.RETRIEVAL, 0.9);
        ProbeTable.addHead(t, 1, 1, RetrievalScores.STREAMING, 5.0);
        List<int[]> r = RetrievalScores.ranked(t, RetrievalScores.RETRIEVAL);
        assertEquals(List.of("1.0", "0.0", "0.1"), r.stream().map(a -> a[0] + "." + a[1]).toList());
    }
}
