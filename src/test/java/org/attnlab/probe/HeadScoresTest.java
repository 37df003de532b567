package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.LayerPlan;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeadScoresTest {

    // <s> a b c a b c : positions 0..6; prev = -1 -1 -1 -1 1 2 3
    private static final int[] SEQ = {0, 5, 6, 7, 5, 6, 7};

    /** Row i puts all its weight on key target[i]. */
    private static float[][] oneHot(int... target) {
        float[][] w = new float[target.length][target.length];
        for (int i = 0; i < target.length; i++) {
            w[i][target[i]] = 1f;
        }
        return w;
    }

    private static float[][] uniform(int l) {
        float[][] w = new float[l][l];
        for (int i = 0; i < l; i++) {
            for (int j = 0; j <= i; j++) {
                w[i][j] = 1f / (i + 1);
            }
        }
        return w;
    }

    private static final float[][] PREVIOUS = oneHot(0, 0, 1, 2, 3, 4, 5);
    private static final float[][] INDUCTION = oneHot(0, 0, 0, 0, 2, 3, 4);
    private static final float[][] DUPLICATE = oneHot(0, 0, 0, 0, 1, 2, 3);
    private static final float[][] FIRST = oneHot(0, 0, 0, 0, 0, 0, 0);
    private static final float[][] SELF = oneHot(0, 1, 2, 3, 4, 5, 6);

    /** One layer, one sequence, heads as given; the value of {@code score} per head. */
    private static double[] score(HeadScore score, float[][]... heads) {
        Table t = HeadScores.computeLayers(Map.of(0, new float[][][][] {heads}), new int[][] {SEQ}, List.of(score));
        double[] out = new double[heads.length];
        for (int h = 0; h < heads.length; h++) {
            out[h] = ProbeTable.value(t, 0, h, score.name());
        }
        return out;
    }

    @Test
    void eachInductionScoreIsOneOnExactlyItsOwnPattern() {
        double[] prev = score(HeadScores.PREVIOUS_TOKEN_SCORE, PREVIOUS, INDUCTION, DUPLICATE);
        double[] pm = score(HeadScores.PREFIX_MATCHING_SCORE, PREVIOUS, INDUCTION, DUPLICATE);
        double[] dup = score(HeadScores.DUPLICATE_TOKEN_SCORE, PREVIOUS, INDUCTION, DUPLICATE);
        assertEquals(1.0, prev[0], 1e-9);
        assertEquals(1.0, pm[1], 1e-9);
        assertEquals(1.0, dup[2], 1e-9);
        assertEquals(0.0, pm[0], 1e-9);
        assertEquals(0.0, dup[1], 1e-9);
        assertEquals(0.0, pm[2], 1e-9);
        // the induction head's rows 1 (key 0) is the only one on i - 1: 1 of 6 rows
        assertEquals(1.0 / 6, prev[1], 1e-9);
    }

    @Test
    void sinkMassIsOneWhenEveryQueryLooksAtTheFirstTokenAndCountsChosenPositions() {
        assertEquals(1.0, score(HeadScores.SINK_MASS_SCORE, FIRST)[0], 1e-9);
        assertEquals(0.0, score(HeadScores.SINK_MASS_SCORE, SELF)[0], 1e-9);
        // previous-token: only query 1 (key 0) is on position 0; sinks {0, 3}: queries 1 and 4 -> 2 of 6
        assertEquals(1.0 / 6, score(HeadScores.SINK_MASS_SCORE, PREVIOUS)[0], 1e-9);
        assertEquals(2.0 / 6, score(HeadScores.sinkMass(0, 3), PREVIOUS)[0], 1e-9);
        // sink {3} alone: queries 3..6 can see it; previous-token hits it from query 4 only -> 1 of 4
        HeadScore three = HeadScores.sinkMass(3);
        assertEquals("sink_mass@3", three.name());
        assertEquals(0.25, score(three, PREVIOUS)[0], 1e-9);
        // uniform rows: query i puts 1/(i+1) on key 0
        double expected = 0;
        for (int i = 1; i < 7; i++) {
            expected += 1.0 / (i + 1);
        }
        assertEquals(expected / 6, score(HeadScores.SINK_MASS_SCORE, uniform(7))[0], 1e-7);
    }

    @Test
    void localFocusCountsTheWMostRecentKeys() {
        assertEquals(1.0, score(HeadScores.LOCAL_FOCUS_SCORE, SELF)[0], 1e-9);
        assertEquals(1.0, score(HeadScores.localFocus(1), SELF)[0], 1e-9);
        assertEquals(0.0, score(HeadScores.localFocus(1), PREVIOUS)[0], 1e-9);
        assertEquals(1.0, score(HeadScores.localFocus(2), PREVIOUS)[0], 1e-9);
        // first-token head: only queries 1..3 (W = 4 reaches key 0) are local -> 3 of 6
        assertEquals(0.5, score(HeadScores.LOCAL_FOCUS_SCORE, FIRST)[0], 1e-9);
        assertThrows(IllegalArgumentException.class, () -> HeadScores.localFocus(0));
    }

    @Test
    void entropyIsZeroForOneHotRowsAndLogOfThePrefixForUniformOnes() {
        assertEquals(0.0, score(HeadScores.ENTROPY_SCORE, PREVIOUS)[0], 1e-9);
        double expected = 0;
        for (int i = 1; i < 7; i++) {
            expected += Math.log(i + 1);
        }
        assertEquals(expected / 6, score(HeadScores.ENTROPY_SCORE, uniform(7))[0], 1e-6);
    }

    @Test
    void aPluggableScoreIsAveragedOverTheSequencesWhereItIsDefined() {
        // the weight the last query puts on the first key; NaN on sequence 1
        HeadScore lastToFirst = HeadScore.perSequence("last_to_first",
                (w, tokens) -> tokens[1] == 9 ? Double.NaN : w[w.length - 1][0]);
        int[][] tokens = {SEQ, {0, 9, 6, 7, 5, 6, 7}, SEQ};
        float[][][][] pattern = {{FIRST, uniform(7)}, {FIRST, uniform(7)}, {SELF, uniform(7)}};
        Table t = HeadScores.computeLayers(Map.of(2, pattern), tokens, List.of(lastToFirst));
        assertEquals(0.5, ProbeTable.value(t, 2, 0, "last_to_first"), 1e-9);        // (1 + 0) / 2
        assertEquals(1.0 / 7, ProbeTable.value(t, 2, 1, "last_to_first"), 1e-7);
        HeadScore wrong = HeadScore.of("bad", (p, tk) -> new double[1]);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HeadScores.computeLayers(Map.of(0, pattern), tokens, List.of(wrong)));
        assertTrue(e.getMessage().contains("1 values") && e.getMessage().contains("2 heads"), e.getMessage());
    }

    @Test
    void onAModelEveryScoreOfEveryHeadIsAFiniteRowAndMlpLayersAreSkipped() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 3, LayerPlan.of(AttentionKind.MLP, AttentionKind.STANDARD));
            int[][] tokens = {SEQ, SEQ};
            Table t = HeadScores.measure(lm, m, tokens);
            assertEquals(ProbeFixtures.HEADS * (HeadScores.PATTERN_SCORES.size() + 1), t.rowCount());
            assertTrue(t.intColumn(ProbeTable.LAYER).asList().stream().allMatch(l -> l == 1), "only layer 1 has heads");
            for (int r = 0; r < t.rowCount(); r++) {
                assertTrue(Double.isFinite(t.doubleColumn(ProbeTable.VALUE).getDouble(r)), t.row(r).toString());
            }
            // rows of a head sit together: the pattern scores in order, then copying
            assertEquals(HeadScores.PREVIOUS_TOKEN, t.stringColumn(ProbeTable.METRIC).get(0));
            assertEquals(HeadScores.COPYING, t.stringColumn(ProbeTable.METRIC).get(HeadScores.PATTERN_SCORES.size()));
            // the MLP layer is a blank row of the layer x head picture
            double[][] grid = HeadScores.figure(t, HeadScores.ENTROPY).panels().get(0).z();
            assertTrue(Double.isNaN(grid[0][0]) && Double.isFinite(grid[1][1]), java.util.Arrays.deepToString(grid));
            assertTrue(HeadScores.figure(t, HeadScores.ENTROPY).svg().contains(HeadScores.ENTROPY));
            Table one = HeadScores.measure(lm, m, tokens, HeadScores.sinkMass(0, 2));
            assertEquals(List.of("sink_mass@0,2"), one.stringColumn(ProbeTable.METRIC).unique().asList());
        }
    }

    /**
     * Copying against a slow reference built from direct logit attribution: l_i[v] = the head's attribution to
     * token v at position i (one DLA call per (i, v)), then mean_{i>=1} sum_j w[i][j] (l_i[t_j] - mean_v l_i[v]).
     */
    @Test
    void copyingMatchesASlowReferenceFromDirectLogitAttribution() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 5);
            int[] seq = {1, 4, 2, 4, 7, 1};
            Table scores = HeadScores.measure(lm, m, new int[][] {seq});
            float[][][][] p1;
            try (NDManager sub = m.newSubManager()) {
                Map<String, NDArray> patterns = lm.patterns(new ParameterStore(sub, false),
                        ProbeRun.tokens(sub, new int[][] {seq}));
                p1 = ProbeRun.pattern(patterns.get(HookName.pattern(1)), new int[][] {seq});
            }
            int layer = 1;
            for (int h = 0; h < ProbeFixtures.HEADS; h++) {
                double sum = 0;
                for (int i = 1; i < seq.length; i++) {
                    double[] logit = new double[ProbeFixtures.VOCAB];
                    double mean = 0;
                    for (int v = 0; v < logit.length; v++) {
                        Table dla = DirectLogitAttribution.measure(lm, m, new int[][] {seq}, i, new int[] {v});
                        logit[v] = ProbeTable.value(dla, layer, h, DirectLogitAttribution.ATTRIBUTION);
                        mean += logit[v] / logit.length;
                    }
                    for (int j = 0; j <= i; j++) {
                        sum += p1[0][h][i][j] * (logit[seq[j]] - mean);
                    }
                }
                double expected = sum / (seq.length - 1);
                double got = ProbeTable.value(scores, layer, h, HeadScores.COPYING);
                assertEquals(expected, got, 1e-4 * Math.max(1, Math.abs(expected)), "head " + h);
                assertTrue(Math.abs(expected) > 1e-3, "the reference is not trivially zero: " + expected);
            }
        }
    }

    @Test
    void badInputFailsNamingTheValue() {
        assertThrows(IllegalArgumentException.class, () -> HeadScores.sinkMass());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeadScores.sinkMass(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> HeadScores.computeLayers(Map.of(0, new float[][][][] {{SELF}}), new int[][] {SEQ, SEQ},
                        List.of(HeadScores.ENTROPY_SCORE)));
        assertTrue(e.getMessage().contains("1 sequences") && e.getMessage().contains("2 token rows"), e.getMessage());
    }
}
