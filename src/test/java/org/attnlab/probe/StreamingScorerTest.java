package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.AttentionOps;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamingScorerTest {

    /** -ln p(next) at the last position of an ordinary forward pass over {@code ids} ([1][n]). */
    private static double lastNll(DecoderLM lm, NDManager m, int[] ids, int next) {
        try (NDManager sub = m.newSubManager()) {
            NDArray x = sub.create(new int[][] {ids}).toType(DataType.INT64, false);
            NDArray lp = lm.forward(new ParameterStore(sub, false), x, false).get(new NDIndex("0, -1, :")).logSoftmax(-1);
            return -lp.getFloat(next);
        }
    }

    /** The ordinary full-context loss at every position, [B][L-1]. */
    private static double[][] fullNll(DecoderLM lm, NDManager m, int[][] tokens) {
        int b = tokens.length, len = tokens[0].length;
        double[][] out = new double[b][len - 1];
        try (NDManager sub = m.newSubManager()) {
            NDArray x = sub.create(tokens).toType(DataType.INT64, false);
            float[] lp = lm.forward(new ParameterStore(sub, false), x, false).logSoftmax(-1).toFloatArray();
            int v = lm.vocabSize();
            for (int r = 0; r < b; r++) {
                for (int t = 0; t + 1 < len; t++) {
                    out[r][t] = -lp[(r * len + t) * v + tokens[r][t + 1]];
                }
            }
        }
        return out;
    }

    @Test
    void aCacheAsLongAsTheTextIsTheOrdinaryFullContextLoss() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 3L);
            int[][] tokens = ProbeFixtures.tokens(2, 12, 5L);
            double[][] full = fullNll(lm, m, tokens);
            for (StreamingScorer.Cache c : List.of(StreamingScorer.Cache.of(0, 12), StreamingScorer.Cache.of(4, 8),
                    StreamingScorer.Cache.of(2, 30))) {
                double[][] streamed = StreamingScorer.nll(lm, m, tokens, c);
                for (int r = 0; r < 2; r++) {
                    for (int t = 0; t < 11; t++) {
                        assertEquals(full[r][t], streamed[r][t], 2e-4, "cache " + c.label() + ", row " + r + ", t " + t);
                    }
                }
            }
        }
    }

    @Test
    void inOneLayerTheCacheEqualsAFreshPassOverTheKeptTokensAtCachePositions() {
        // in a 1-layer model a token's key and value depend on the token alone, so reading t through the cache is an
        // ordinary forward pass over [the first s tokens, the last w-1 tokens before t, t], positions 0.. in the cache
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = DecoderLM.create(ModelConfig.builder(11, 16, 2, 1).build(), m, 9L);
            lm.getParameters().forEach(p -> p.getValue().getArray().muli(m.create(12f)));
            int[][] tokens = ProbeFixtures.tokens(1, 20, 6L);
            int sinks = 2, window = 5;
            double[][] streamed = StreamingScorer.nll(lm, m, tokens, StreamingScorer.Cache.of(sinks, window));
            for (int t = 0; t < 19; t++) {
                List<Integer> kept = new ArrayList<>();
                for (int j : StreamingScorer.Cache.of(sinks, window).sees(t)) {
                    kept.add(tokens[0][j]);
                }
                double want = lastNll(lm, m, kept.stream().mapToInt(Integer::intValue).toArray(), tokens[0][t + 1]);
                assertEquals(want, streamed[0][t], 2e-4, "t = " + t + ", kept " + kept);
            }
        }
    }

    @Test
    void evictingTheFirstTokensChangesALongTextsLossAndKeepingThemDiffersFromWindowOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 4L);
            int[][] tokens = ProbeFixtures.tokens(1, 16, 8L);
            double[] full = StreamingScorer.meanNll(lm, m, tokens, StreamingScorer.Cache.of(0, 16));
            double[] window = StreamingScorer.meanNll(lm, m, tokens, StreamingScorer.Cache.of(0, 6));
            double[] sink = StreamingScorer.meanNll(lm, m, tokens, StreamingScorer.Cache.of(1, 5));
            for (int t = 0; t < 5; t++) {          // nothing evicted yet: all three agree
                assertEquals(full[t], window[t], 2e-4);
                assertEquals(full[t], sink[t], 2e-4);
            }
            assertTrue(Math.abs(full[12] - window[12]) > 1e-3, "past the window the cache differs from full context");
            assertTrue(Math.abs(sink[12] - window[12]) > 1e-3, "keeping token 0 changes what the query sees");
        }
    }

    @Test
    void ropeAtAnOffsetIsTheSliceOfRopeAndRotatesBack() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, 7, 8));
            NDArray all = AttentionOps.rope(x, 10000f);
            NDArray tail = AttentionOps.rope(x.get(new NDIndex("..., 4:, :")), 10000f, 4);
            assertTrue(all.get(new NDIndex("..., 4:, :")).allClose(tail, 1e-5, 1e-5, false));
            NDArray one = x.get(new NDIndex("..., 2:3, :"));              // one position: p, then -p, is no rotation
            assertTrue(AttentionOps.rope(AttentionOps.rope(one, 10000f, 5), 10000f, -5).allClose(one, 1e-5, 1e-5, false));
            assertTrue(AttentionOps.rope(x, 10000f, 0).allClose(all, 1e-5, 1e-5, false));
        }
    }

    @Test
    void aQuerySeesTheFirstTokensAndTheRecentOnes() {
        StreamingScorer.Cache c = StreamingScorer.Cache.of(2, 3);
        assertArrayEquals(new int[] {0}, c.sees(0));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, c.sees(4));
        assertArrayEquals(new int[] {0, 1, 7, 8, 9}, c.sees(9));
        assertArrayEquals(new int[] {7, 8, 9}, StreamingScorer.Cache.of(0, 3).sees(9));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.sees(-1)).getMessage().contains("t=-1"));
    }

    @Test
    void badCachesAndTextsAreRefusedWithTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StreamingScorer.Cache.of(-1, 4)).getMessage()
                .contains("sinks=-1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StreamingScorer.Cache.of(4, 0)).getMessage()
                .contains("window=0"));
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 3L);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StreamingScorer.nll(lm, m, new int[][] {{1}},
                    StreamingScorer.Cache.of(1, 4))).getMessage().contains("got 1"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StreamingScorer.nll(lm, m, new int[][] {{1, 2}},
                    StreamingScorer.Cache.of(0, 1))).getMessage().contains("0 + 1"));
            DecoderLM withRegisters = DecoderLM.create(ModelConfig.builder(11, 16, 2, 1).registers(2).build(), m, 1L);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StreamingScorer.nll(withRegisters, m,
                    new int[][] {{1, 2}}, StreamingScorer.Cache.of(1, 4))).getMessage().contains("2 register tokens"));
            DecoderLM mlp = ProbeFixtures.model(m, 3L, LayerPlan.parse("hybrid:mlp", 2));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> StreamingScorer.nll(mlp, m, new int[][] {{1, 2}},
                    StreamingScorer.Cache.of(1, 4))).getMessage().contains("fires no k and v"));
        }
    }
}
