package org.attnlab.data.tasks;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlipFlopTaskTest {

    final FlipFlopTask task = FlipFlopTask.standard();
    final Vocabulary v = task.vocabulary();

    @Test
    void handWorkedExampleIsGradedAfterEachRead() {
        Example e = FlipFlopTask.fromSequence(v.encode("w 1 i 0 r 1 w 0 i 1 r 0"));
        assertEquals("w 1 i 0 r 1 w 0 i 1 r", v.render(e.inputs()));
        assertEquals("1 i 0 r 1 w 0 i 1 r 0", v.render(e.targets()));
        assertArrayEquals(new int[] {4, 10}, e.gradedPositions());
        assertArrayEquals(new int[] {4, 10}, e.positions(FlipFlopTask.READS));
        assertEquals(FlipFlopTask.ONE, e.targets()[4]);
        assertEquals(FlipFlopTask.ZERO, e.targets()[10]);
        assertEquals("w 1 i 0 r [1] 1 w 0 i 1 r [0]", v.describe(e));
    }

    @Test
    void everyReadTargetIsTheLastWrittenBit() {
        for (Split split : task.splits()) {
            TaskBatch b = task.sample(16, 64, split, 11L);
            for (int r = 0; r < b.batchSize(); r++) {
                int[] in = b.inputs()[r];
                int[] tg = b.targets()[r];
                assertEquals(63, in.length);
                assertEquals(FlipFlopTask.W, in[0], "first instruction is w");
                assertEquals(FlipFlopTask.R, in[62], "last instruction is r");
                int last = -1;
                for (int t = 0; t < in.length; t += 2) {
                    int bit = tg[t]; // the bit after instruction t
                    assertTrue(bit == FlipFlopTask.ZERO || bit == FlipFlopTask.ONE);
                    if (in[t] == FlipFlopTask.W) {
                        last = bit;
                    }
                    if (in[t] == FlipFlopTask.R) {
                        assertEquals(last, bit, "read at " + t);
                        assertTrue(b.lossMask()[r][t]);
                    } else {
                        assertFalse(b.lossMask()[r][t]);
                    }
                    if (t + 1 < in.length) {
                        assertFalse(b.lossMask()[r][t + 1], "bits are not graded as inputs");
                    }
                }
            }
        }
    }

    @Test
    void ignoreRatesMatchEachSplit() {
        for (Split split : List.of(Split.TRAIN, FlipFlopTask.IN_DISTRIBUTION, FlipFlopTask.OOD_SPARSE, FlipFlopTask.OOD_DENSE)) {
            TaskBatch b = task.sample(64, 512, split, 5L);
            long ignores = 0;
            long writes = 0;
            long total = 0;
            for (int[] in : b.inputs()) {
                for (int t = 2; t < in.length - 2; t += 2) { // middle instructions only
                    ignores += in[t] == FlipFlopTask.I ? 1 : 0;
                    writes += in[t] == FlipFlopTask.W ? 1 : 0;
                    total++;
                }
            }
            double p = task.ignoreProbability(split);
            double rate = ignores / (double) total;
            double sd = Math.sqrt(p * (1 - p) / total);
            assertEquals(p, rate, 5 * sd + 1e-3, split + " ignore rate");
            assertEquals((1 - p) / 2, writes / (double) total, 5 * sd + 1e-3, split + " write rate");
        }
        assertEquals(0.98, task.ignoreProbability(FlipFlopTask.OOD_SPARSE));
        assertEquals(0.1, task.ignoreProbability(FlipFlopTask.OOD_DENSE));
        assertEquals(0.8, task.ignoreProbability(FlipFlopTask.IN_DISTRIBUTION));
    }

    @Test
    void sameSeedSameBatchOtherSplitOtherBatch() {
        TaskBatch a = task.sample(4, 32, Split.TRAIN, 3L);
        TaskBatch b = task.sample(4, 32, Split.TRAIN, 3L);
        TaskBatch c = task.sample(4, 32, FlipFlopTask.IN_DISTRIBUTION, 3L);
        assertTrue(java.util.Arrays.deepEquals(a.inputs(), b.inputs()));
        assertFalse(java.util.Arrays.deepEquals(a.inputs(), c.inputs()));
    }

    @Test
    void badArgumentsFailWithTheAllowedValues() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> task.sample(2, 33, Split.TRAIN, 1L));
        assertTrue(odd.getMessage().contains("33"), odd.getMessage());
        IllegalArgumentException split = assertThrows(IllegalArgumentException.class, () -> task.sample(2, 32, Split.TEST, 1L));
        assertTrue(split.getMessage().contains("ood-sparse") && split.getMessage().contains("test"), split.getMessage());
        assertThrows(IllegalArgumentException.class, () -> task.sample(0, 32, Split.TRAIN, 1L));
    }
}
