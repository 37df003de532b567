package org.attnlab.data.tasks;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RepeatedTokensTaskTest {

    @Test
    void secondHalfRepeatsTheFirst() {
        RepeatedTokensTask task = new RepeatedTokensTask(50);
        TaskBatch b = task.sample(6, 10, Split.TRAIN, 2L);
        assertEquals(20, b.length());
        assertEquals(6 * 20, b.gradedCount(), "every position is graded");
        for (int r = 0; r < 6; r++) {
            int[] in = b.inputs()[r];
            int[] tg = b.targets()[r];
            assertEquals(RepeatedTokensTask.BOS, in[0]);
            Set<Integer> distinct = new HashSet<>();
            for (int j = 0; j < 10; j++) {
                distinct.add(tg[j]);
                assertEquals(tg[j], tg[10 + j], "target j+T repeats target j");
                assertEquals(in[1 + j], tg[j]);
            }
            assertEquals(10, distinct.size(), "tokens are distinct when T <= V");
            // an induction head copies: the target at t >= T+1 is the token after the previous occurrence of in[t]
            for (int t = 11; t < 20; t++) {
                int prev = -1;
                for (int s = 0; s < t; s++) {
                    if (in[s] == in[t]) {
                        prev = s;
                    }
                }
                assertEquals(in[prev + 1], tg[t]);
            }
        }
        assertArrayEquals(new int[] {10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, b.example(0).positions(RepeatedTokensTask.REPEATED));
    }

    @Test
    void halfMasks() {
        assertArrayEquals(new boolean[] {false, false, false, true, true, true}, RepeatedTokensTask.repeatedHalf(3));
        assertArrayEquals(new boolean[] {false, false, false, false, true, true}, RepeatedTokensTask.inductionPositions(3));
    }

    @Test
    void longSequencesOverSmallVocabulariesDrawWithReplacement() {
        TaskBatch b = new RepeatedTokensTask(4).sample(2, 12, Split.TEST, 1L);
        for (int[] tg : b.targets()) {
            for (int x : tg) {
                assertTrue(x >= 1 && x <= 4);
            }
        }
    }
}
