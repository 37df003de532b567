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
    void wrongSizesFail() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IterationHeadScores.iterationScore(new float[4][4], 2));
        assertTrue(e.getMessage().contains("5 input positions"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IterationHeadScores.eoiScore(new float[1][1], 0));
    }
}
