package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.attnlab.data.tasks.RepeatedTokensTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.LearnedPositionsLM;
import org.attnlab.model.ModelConfig;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InductionScoresTest {

    // <s> a b c a b c : positions 0..6; prev = -1 -1 -1 -1 1 2 3
    private static final int[] SEQ = {0, 5, 6, 7, 5, 6, 7};

    /** Row i puts all its weight on key target[i] (or on itself where target[i] < 0). */
    private static float[][] oneHot(int[] target) {
        float[][] w = new float[target.length][target.length];
        for (int i = 0; i < target.length; i++) {
            w[i][target[i] >= 0 ? target[i] : i] = 1f;
        }
        return w;
    }

    /** Each query spreads its weight evenly over keys 0..i. */
    private static float[][] uniform(int l) {
        float[][] w = new float[l][l];
        for (int i = 0; i < l; i++) {
            for (int j = 0; j <= i; j++) {
                w[i][j] = 1f / (i + 1);
            }
        }
        return w;
    }

    @Test
    void previousOccurrenceFindsTheLatestEarlierCopy() {
        assertArrayEquals(new int[] {-1, -1, -1, -1, 1, 2, 3}, InductionScores.previousOccurrence(SEQ));
        assertArrayEquals(new int[] {-1, 0, 1, -1, 2}, InductionScores.previousOccurrence(new int[] {4, 4, 4, 2, 4}));
    }

    @Test
    void anInductionHeadScoresOneOnPrefixMatchingOnly() {
        // queries 4,5,6 (second copy) attend to prev+1 = 2,3,4; others attend to BOS
        float[][] w = oneHot(new int[] {0, 0, 0, 0, 2, 3, 4});
        assertEquals(1.0, InductionScores.prefixMatching(w, SEQ), 1e-9);
        assertEquals(0.0, InductionScores.duplicateToken(w, SEQ), 1e-9);
        // previous token: of rows 1..6 only row 1 (key 0) puts its weight on i - 1
        assertEquals(1.0 / 6, InductionScores.previousToken(w), 1e-9);
    }

    @Test
    void aPreviousTokenHeadScoresOneOnPreviousToken() {
        float[][] w = oneHot(new int[] {0, 0, 1, 2, 3, 4, 5});
        assertEquals(1.0, InductionScores.previousToken(w), 1e-9);
        // prefix matching wants keys 2,3,4 for queries 4,5,6; this head looks at 3,4,5
        assertEquals(0.0, InductionScores.prefixMatching(w, SEQ), 1e-9);
        // duplicate targets 1,2,3 for queries 4,5,6: none hit
        assertEquals(0.0, InductionScores.duplicateToken(w, SEQ), 1e-9);
    }

    @Test
    void aDuplicateTokenHeadScoresOneOnDuplicateToken() {
        float[][] w = oneHot(new int[] {0, 0, 0, 0, 1, 2, 3});
        assertEquals(1.0, InductionScores.duplicateToken(w, SEQ), 1e-9);
        assertEquals(0.0, InductionScores.prefixMatching(w, SEQ), 1e-9);
    }

    @Test
    void uniformAttentionMatchesHandWorkedAverages() {
        float[][] w = uniform(7);
        // prefix matching: queries 4,5,6 weigh 1/5, 1/6, 1/7 on any key
        assertEquals((1.0 / 5 + 1.0 / 6 + 1.0 / 7) / 3, InductionScores.prefixMatching(w, SEQ), 1e-7);
        // previous token: mean of 1/(i+1) over i = 1..6
        double expected = 0;
        for (int i = 1; i <= 6; i++) {
            expected += 1.0 / (i + 1);
        }
        assertEquals(expected / 6, InductionScores.previousToken(w), 1e-7);
    }

    @Test
    void noRepeatsGiveNaNAndImmediateRepeatsAreLeftOutOfPrefixMatching() {
        assertTrue(Double.isNaN(InductionScores.prefixMatching(uniform(3), new int[] {1, 2, 3})));
        // 1 1: prev(1) = 0 and prev+1 == 1, so no prefix-matching position
        assertTrue(Double.isNaN(InductionScores.prefixMatching(uniform(2), new int[] {1, 1})));
        assertEquals(0.5, InductionScores.duplicateToken(uniform(2), new int[] {1, 1}), 1e-9);
    }

    @Test
    void badShapesFailNamingTheSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InductionScores.prefixMatching(uniform(3), SEQ));
        assertTrue(e.getMessage().contains("3 rows") && e.getMessage().contains("7 tokens"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InductionScores.only(Table.create("x"), "nope"));
    }

    @Test
    void computeBuildsALongTablePerLayerHeadAndScore() {
        int[][] tokens = {SEQ, SEQ};
        float[][] induction = oneHot(new int[] {0, 0, 0, 0, 2, 3, 4});
        float[][] previous = oneHot(new int[] {0, 0, 1, 2, 3, 4, 5});
        try (NDManager m = NDManager.newBaseManager()) {
            // layer 0: head 0 previous-token, head 1 uniform; layer 1: head 0 induction, head 1 previous-token
            Map<String, NDArray> patterns = new LinkedHashMap<>();
            patterns.put("blocks.1.attn.pattern", stack(m, new float[][][][] {
                    {induction, previous}, {induction, previous}}));
            patterns.put("blocks.0.attn.pattern", stack(m, new float[][][][] {
                    {previous, uniform(7)}, {previous, uniform(7)}}));
            Table t = InductionScores.compute(patterns, tokens);
            assertEquals(2 * 2 * InductionScores.SCORES.size(), t.rowCount());
            assertEquals(0, t.intColumn("layer").getInt(0), "sorted by layer");
            assertEquals(1.0, InductionScores.max(t, InductionScores.PREFIX_MATCHING), 1e-6);
            assertArrayEquals(new int[] {1, 0}, InductionScores.best(t, InductionScores.PREFIX_MATCHING));
            assertArrayEquals(new int[] {0, 0}, InductionScores.best(t, InductionScores.PREVIOUS_TOKEN));
            Table prefix = InductionScores.only(t, InductionScores.PREFIX_MATCHING);
            assertEquals(4, prefix.rowCount());
            var notPattern = assertThrows(IllegalArgumentException.class,
                    () -> InductionScores.compute(Map.of("blocks.0.attn.z", patterns.get("blocks.0.attn.pattern")),
                            tokens));
            assertTrue(notPattern.getMessage().contains("'blocks.0.attn.z'"), notPattern.getMessage());
        }
    }

    @Test
    void measureRunsAModelAndScoresEveryHead() {
        try (NDManager m = NDManager.newBaseManager()) {
            RepeatedTokensTask task = new RepeatedTokensTask(10);
            DecoderLM model = DecoderLM.create(ModelConfig.builder(task.vocabulary().size(), 8, 2, 2).build(), m, 1);
            int[][] tokens = task.sample(3, 5, Split.TEST, 7).inputs();
            Table t = InductionScores.measure(model, m, tokens);
            assertEquals(2 * 2 * 3, t.rowCount());
            for (double v : t.doubleColumn("value").asDoubleArray()) {
                assertTrue(v >= 0 && v <= 1, "a mean of attention weights lies in [0, 1]: " + v);
            }
            float[][] w = InductionScores.pattern(model, m, tokens[0], 1, 1);
            assertEquals(10, w.length);
            double row = 0;
            for (float x : w[9]) {
                row += x;
            }
            assertEquals(1.0, row, 1e-5);
        }
    }

    @Test
    void anyHookedModelCanBeScored() {
        try (NDManager m = NDManager.newBaseManager()) {
            RepeatedTokensTask task = new RepeatedTokensTask(10);
            ModelConfig cfg = ModelConfig.builder(task.vocabulary().size(), 8, 2, 2)
                    .plan(LayerPlan.uniform(AttentionKind.NOPE, 2)).build();
            LearnedPositionsLM lm = LearnedPositionsLM.create(cfg, 10, m, 2);
            int[][] tokens = task.sample(2, 5, Split.TEST, 3).inputs();
            Table t = InductionScores.measure(lm, m, tokens);
            NDArray input = m.create(new int[][] {tokens[0], tokens[1]});
            Map<String, NDArray> patterns = lm.patterns(new ai.djl.training.ParameterStore(m, false), input);
            assertArrayEquals(InductionScores.compute(patterns, tokens).doubleColumn("value").asDoubleArray(),
                    t.doubleColumn("value").asDoubleArray());
            float[][] w = InductionScores.pattern(lm, m, tokens[1], 1, 0);
            NDArray one = lm.patterns(new ai.djl.training.ParameterStore(m, false), input.get(1).expandDims(0))
                    .get(HookName.pattern(1));
            assertArrayEquals(InductionScores.headWeights(one, 0, 0)[9], w[9], 1e-6f);
            var noLayer = assertThrows(IllegalArgumentException.class,
                    () -> InductionScores.pattern(lm, m, tokens[0], 2, 0));
            assertTrue(noLayer.getMessage().contains("Layer 2"), noLayer.getMessage());
        }
    }

    private static NDArray stack(NDManager m, float[][][][] w) {
        int b = w.length, h = w[0].length, l = w[0][0].length;
        float[] flat = new float[b * h * l * l];
        int k = 0;
        for (float[][][] x : w) {
            for (float[][] y : x) {
                for (float[] z : y) {
                    System.arraycopy(z, 0, flat, k, l);
                    k += l;
                }
            }
        }
        return m.create(flat, new Shape(b, h, l, l));
    }
}
