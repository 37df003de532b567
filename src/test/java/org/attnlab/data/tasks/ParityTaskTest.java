package org.attnlab.data.tasks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParityTaskTest {

    @Test
    void handWorkedChainOfThought() {
        ParityTask task = ParityTask.withChainOfThought();
        Vocabulary v = task.vocabulary();
        Example e = task.fromBits(new int[] {1, 0, 1});
        assertEquals("<bos> 1 0 1 <eoi> 1 1", v.render(e.inputs()));
        assertEquals("1 0 1 <eoi> 1 1 0", v.render(e.targets()));
        assertArrayEquals(new int[] {4, 5, 6}, e.gradedPositions());
        assertArrayEquals(new int[] {4}, e.positions(ParityTask.EOI_POSITION));
        assertArrayEquals(new int[] {1, 2, 3}, e.positions(ParityTask.BITS));
    }

    @Test
    void handWorkedWithoutChainOfThought() {
        ParityTask task = ParityTask.withoutChainOfThought();
        Vocabulary v = task.vocabulary();
        Example e = task.fromBits(new int[] {1, 0, 1});
        assertEquals("<bos> 1 0 1 <eoi>", v.render(e.inputs()));
        assertEquals("1 0 1 <eoi> 0", v.render(e.targets()));
        assertArrayEquals(new int[] {4}, e.gradedPositions());
    }

    @Test
    void cotStatesArePrefixParities() {
        ParityTask task = ParityTask.withChainOfThought();
        for (int l = 1; l <= 32; l += 7) {
            TaskBatch b = task.sample(8, l, Split.TRAIN, l);
            assertEquals(2 * l + 1, b.length());
            assertEquals(8L * l, b.gradedCount());
            for (int r = 0; r < 8; r++) {
                int s = 0;
                for (int t = 1; t <= l; t++) {
                    s ^= b.inputs()[r][t] == ParityTask.ONE ? 1 : 0;
                    assertEquals(s == 1 ? ParityTask.ONE : ParityTask.ZERO, b.targets()[r][l + t]);
                    assertTrue(b.lossMask()[r][l + t]);
                    assertFalse(b.lossMask()[r][t - 1], "no loss before <eoi>");
                }
            }
        }
        TaskBatch noCot = ParityTask.withoutChainOfThought().sample(8, 5, Split.TEST, 1L);
        assertEquals(7, noCot.length());
        assertEquals(8, noCot.gradedCount());
    }

    @Test
    void mixedLengthsArePaddedAndUngradedAfterTheEnd() {
        ParityTask task = ParityTask.withChainOfThought();
        TaskBatch b = task.sampleMixedLengths(32, 1, 8, Split.TRAIN, 4L);
        assertEquals(17, b.length());
        boolean sawShort = false;
        for (int r = 0; r < 32; r++) {
            int l = b.example(r).positions(ParityTask.EOI_POSITION)[0] - 1;
            assertTrue(l >= 1 && l <= 8);
            sawShort |= l < 8;
            assertEquals(l, b.example(r).gradedPositions().length);
            for (int t = 2 * l + 1; t < 17; t++) {
                assertEquals(ParityTask.PAD, b.inputs()[r][t]);
                assertFalse(b.lossMask()[r][t]);
            }
        }
        assertTrue(sawShort);
        assertThrows(IllegalArgumentException.class, () -> task.sampleMixedLengths(4, 5, 2, Split.TRAIN, 1L));
        assertThrows(IllegalArgumentException.class, () -> task.fromBits(new int[] {2}));
    }

    @Test
    void trainAndTestDrawDisjointBitStringsFromTheHeldOutLengthOn() {
        ParityTask task = ParityTask.withoutChainOfThought();
        int l = 8;   // 256 strings: enough draws see every one of each split
        java.util.Set<String> train = bitStrings(task, l, Split.TRAIN, 40);
        java.util.Set<String> test = bitStrings(task, l, Split.TEST, 40);
        java.util.Set<String> both = new java.util.HashSet<>(train);
        both.retainAll(test);
        assertTrue(both.isEmpty(), "strings in both splits: " + both);
        assertEquals(256, train.size() + test.size(), "together the splits cover every string of 8 bits");
        assertTrue(test.size() > 256 / 8 && test.size() < 256 / 2, "about a quarter held out, got " + test.size());
        // the split follows isHeldOut, for both tasks (same bits, same split)
        for (int[] row : ParityTask.withChainOfThought().sampleMixedLengths(64, 6, 12, Split.TEST, 3L).inputs()) {
            int len = 0;
            while (row[len + 1] == ParityTask.ZERO || row[len + 1] == ParityTask.ONE) {
                len++;
            }
            int[] bits = new int[len];
            for (int t = 0; t < len; t++) {
                bits[t] = row[t + 1] == ParityTask.ONE ? 1 : 0;
            }
            assertTrue(ParityTask.isHeldOut(bits), "a test string outside the held-out set: " + java.util.Arrays.toString(bits));
        }
    }

    @Test
    void shortStringsAreSharedBySplits() {
        ParityTask task = ParityTask.withChainOfThought();
        int l = ParityTask.HELD_OUT_FROM_LENGTH - 1;
        assertEquals(1 << l, bitStrings(task, l, Split.TRAIN, 20).size());
        assertEquals(1 << l, bitStrings(task, l, Split.TEST, 20).size());
    }

    /** The distinct bit strings of length l in 64 x batches sequences of one split. */
    private static java.util.Set<String> bitStrings(ParityTask task, int l, Split split, int batches) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (int seed = 0; seed < batches; seed++) {
            for (int[] row : task.sample(64, l, split, seed).inputs()) {
                out.add(java.util.Arrays.toString(java.util.Arrays.copyOfRange(row, 1, l + 1)));
            }
        }
        return out;
    }
}
