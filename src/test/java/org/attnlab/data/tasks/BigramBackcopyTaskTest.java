package org.attnlab.data.tasks;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BigramBackcopyTaskTest {

    private final BigramBackcopyTask task = BigramBackcopyTask.standard(7L);

    @Test
    void afterATriggerTheTokenBeforeItIsCopied() {
        TaskBatch b = task.sample(32, 128, Split.TRAIN, 3L);
        assertEquals(127, b.length());
        int copies = 0;
        for (int r = 0; r < 32; r++) {
            int[] in = b.inputs()[r];
            int[] tg = b.targets()[r];
            assertEquals(BigramBackcopyTask.BOS, in[0]);
            assertFalse(task.isTrigger(in[1]), "the token after BOS is never a trigger");
            for (int t = 1; t < in.length; t++) {
                assertNotEquals(BigramBackcopyTask.BOS, in[t], "BOS appears only first");
                if (task.isTrigger(in[t])) {
                    assertEquals(in[t - 1], tg[t], "the target after a trigger is the token before it");
                    assertFalse(task.isTrigger(in[t - 1]), "triggers never follow triggers");
                    copies++;
                }
            }
            int[] trig = b.example(r).positions(BigramBackcopyTask.TRIGGER);
            int[] big = b.example(r).positions(BigramBackcopyTask.BIGRAM);
            assertEquals(in.length - 1, trig.length + big.length, "every index but 0 is a trigger or a bigram position");
            for (int t : trig) {
                assertTrue(task.isTrigger(in[t]));
            }
        }
        assertTrue(copies > 32, "triggers occur (" + copies + " in 32 sequences)");
        assertEquals(32 * 127, b.gradedCount(), "every position is graded");
    }

    @Test
    void nonTriggerTransitionsFollowTheChain() {
        // count transitions out of the most frequent non-trigger token and compare with its row of P
        TaskBatch b = task.sample(400, 128, Split.TRAIN, 11L);
        int[][] counts = new int[65][65];
        for (int r = 0; r < 400; r++) {
            int[] in = b.inputs()[r];
            int[] tg = b.targets()[r];
            for (int t = 1; t < in.length; t++) {
                if (!task.isTrigger(in[t])) {
                    counts[in[t]][tg[t]]++;
                }
            }
        }
        int from = 1;
        for (int i = 1; i <= 64; i++) {
            if (Arrays.stream(counts[i]).sum() > Arrays.stream(counts[from]).sum()) {
                from = i;
            }
        }
        int n = Arrays.stream(counts[from]).sum();
        assertTrue(n > 1000, "enough transitions out of token " + from + ": " + n);
        double rowSum = 0;
        for (int next = 0; next <= 64; next++) {
            double p = task.probability(from, next);
            rowSum += p;
            double se = Math.sqrt(p * (1 - p) / n);
            assertEquals(p, counts[from][next] / (double) n, 5 * se + 1e-9, "P(" + next + " | " + from + ")");
        }
        assertEquals(1.0, rowSum, 1e-9);
        assertEquals(0.0, task.probability(from, BigramBackcopyTask.BOS));
    }

    @Test
    void aBatchIsAPureFunctionOfItsSeedAndTheChainOfItsChainSeed() {
        assertArrayEquals(task.sample(4, 20, Split.TEST, 5L).inputs(), task.sample(4, 20, Split.TEST, 5L).inputs());
        assertFalse(Arrays.deepEquals(task.sample(4, 20, Split.TEST, 5L).inputs(),
                task.sample(4, 20, Split.TRAIN, 5L).inputs()), "splits draw different streams");
        BigramBackcopyTask other = BigramBackcopyTask.standard(8L);
        assertNotEquals(task.probability(1, 2), other.probability(1, 2), "another chain seed, another chain");
        assertEquals(task.probability(1, 2), BigramBackcopyTask.standard(7L).probability(1, 2));
    }

    @Test
    void vocabularyNamesBosAndTriggers() {
        assertEquals(65, task.vocabulary().size());
        assertEquals("BOS", task.vocabulary().token(0));
        assertArrayEquals(new int[] {62, 63, 64}, task.triggerIds());
        assertEquals("T0", task.vocabulary().token(62));
        assertEquals("t60", task.vocabulary().token(61));
        assertEquals(127, task.inputLength(128));
    }

    @Test
    void badSizesAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BigramBackcopyTask(64, 0, 1L))
                .getMessage().contains("triggers=0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BigramBackcopyTask(4, 3, 1L))
                .getMessage().contains("tokens=4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> task.inputLength(2))
                .getMessage().contains("got 2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> task.probability(63, 1))
                .getMessage().contains("got 63"));
    }
}
