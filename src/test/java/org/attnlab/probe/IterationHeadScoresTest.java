package org.attnlab.probe;

import org.attnlab.data.tasks.ParityTask;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IterationHeadScoresTest {

    /** Row i puts all its weight on key target[i] (on itself where target[i] < 0). */
    private static float[][] oneHot(int[] target) {
        float[][] w = new float[target.length][target.length];
        for (int i = 0; i < target.length; i++) {
            w[i][target[i] >= 0 ? target[i] : i] = 1f;
        }
        return w;
    }

    @Test
    void idealHeadsOnThreeBitsScoreOne() {
        // L = 3: inputs <bos> x1 x2 x3 <eoi> s1 s2 at positions 0..6 (checked against ParityTask's layout)
        int[] inputs = ParityTask.withChainOfThought().fromBits(new int[] {1, 0, 1}).inputs();
        assertEquals(7, inputs.length);
        assertEquals(ParityTask.EOI, inputs[4]);
        // layer 0: positions 5, 6 (s1, s2) attend to <eoi> at 4
        float[][] layer0 = oneHot(new int[] {-1, -1, -1, -1, -1, 4, 4});
        assertEquals(1.0, IterationHeadScores.eoiScore(layer0, 3), 1e-9);
        // layer 1: position 3+t attends to x_t at t: 4->1, 5->2, 6->3
        float[][] layer1 = oneHot(new int[] {-1, -1, -1, -1, 1, 2, 3});
        assertEquals(1.0, IterationHeadScores.iterationScore(layer1, 3), 1e-9);
        assertEquals(0.0, IterationHeadScores.eoiScore(layer1, 3), 1e-9);
        // layer 0's head misses the bits except where <eoi> itself is x_t's position: never
        assertEquals(0.0, IterationHeadScores.iterationScore(layer0, 3), 1e-9);
    }

    @Test
    void partialAttentionAveragesOverSteps() {
        // L = 2: positions 0..4; iteration targets 3->1, 4->2; here 3->1 but 4->3
        float[][] w = oneHot(new int[] {-1, -1, -1, 1, 3});
        assertEquals(0.5, IterationHeadScores.iterationScore(w, 2), 1e-9);
        assertEquals(1.0, IterationHeadScores.eoiScore(w, 2), 1e-9);   // position 4 attends to <eoi> at 3
        assertTrue(Double.isNaN(IterationHeadScores.eoiScore(oneHot(new int[] {-1, -1, -1}), 1)));
    }

    @Test
    void peakedCountsQueriesAboveTheThresholdNotTheirWeight() {
        // L = 2: positions 0..4 (<eoi> at 3); step 1 = query 3 -> x_1 at 1, step 2 = query 4 -> x_2 at 2
        float[][] w = new float[5][5];
        w[0][0] = 1f;
        w[1][0] = 1f;
        w[2][2] = 1f;
        w[3][1] = 0.6f;               // step 1 leans on x_1: counts
        w[3][3] = 0.4f;
        w[4][2] = 0.5f;               // step 2 puts exactly 0.5 on x_2: does not count (more than 0.5 is needed)
        w[4][3] = 0.5f;               // and 0.5 on <eoi>
        assertEquals(0.5, IterationHeadScores.iterationPeaked(w, 2, IterationHeadScores.PAPER_THRESHOLD), 1e-12);
        assertEquals(0.55, IterationHeadScores.iterationScore(w, 2), 1e-6);      // the mean weight differs
        assertEquals(0.0, IterationHeadScores.eoiPeaked(w, 2, IterationHeadScores.PAPER_THRESHOLD), 1e-12);
        assertEquals(1.0, IterationHeadScores.eoiPeaked(w, 2, 0.4), 1e-12);
        assertTrue(Double.isNaN(IterationHeadScores.eoiPeaked(new float[3][3], 1, 0.5)));
        float[][] ideal = oneHot(new int[] {-1, -1, -1, 1, 2});
        assertEquals(1.0, IterationHeadScores.iterationPeaked(ideal, 2, IterationHeadScores.PAPER_THRESHOLD), 1e-12);
    }

    @Test
    void wrongSizesFail() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IterationHeadScores.iterationScore(new float[4][4], 2));
        assertTrue(e.getMessage().contains("5 input positions"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IterationHeadScores.eoiScore(new float[1][1], 0));
    }
}
