package org.attnlab.data;

import org.attnlab.Seeds;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchesTest {

    static int[] stream(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 100 + i;
        }
        return t;
    }

    @Test
    void windowsAreShiftedByOne() {
        LmBatch b = Batches.of(new int[] {5, 6, 7, 8, 9}).windows(new int[] {1}, 3);
        assertArrayEquals(new int[] {6, 7, 8}, b.inputs()[0]);
        assertArrayEquals(new int[] {7, 8, 9}, b.targets()[0]);
        assertEquals(3, b.gradedCount());
    }

    @Test
    void randomWindowsAreConsistentAndSeeded() {
        Batches batches = Batches.of(stream(50));
        LmBatch a = batches.sample(8, 10, 7L);
        assertEquals(8, a.batchSize());
        assertEquals(10, a.length());
        for (int b = 0; b < 8; b++) {
            int s = a.starts()[b];
            assertTrue(s >= 0 && s + 10 < 50);
            for (int t = 0; t < 10; t++) {
                assertEquals(100 + s + t, a.inputs()[b][t]);
                assertEquals(100 + s + t + 1, a.targets()[b][t]);
            }
        }
        assertArrayEquals(a.starts(), batches.sample(8, 10, 7L).starts());
        assertNotEquals(List.of(a.starts()), List.of(batches.sample(8, 10, Seeds.derive(7L, 1)).starts()));
        // every start can come up, including the last one (window ending at the final token)
        boolean[] seen = new boolean[40];
        LmBatch many = batches.sample(2000, 10, 3L);
        for (int s : many.starts()) {
            seen[s] = true;
        }
        for (int s = 0; s < 40; s++) {
            assertTrue(seen[s], "start " + s + " never sampled");
        }
    }

    @Test
    void sequentialWindowsCoverTheStreamOnce() {
        List<LmBatch> all = Batches.of(stream(23)).sequential(2, 5);
        assertEquals(4, Batches.of(stream(23)).windowCount(5)); // (23 - 1) / 5
        assertEquals(2, all.size());
        assertArrayEquals(new int[] {0, 5}, all.get(0).starts());
        assertArrayEquals(new int[] {10, 15}, all.get(1).starts());
        List<LmBatch> odd = Batches.of(stream(23)).sequential(3, 5);
        assertEquals(1, odd.get(1).batchSize());
    }

    @Test
    void badArgumentsNameTheLimits() {
        Batches b = Batches.of(stream(10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.sample(2, 10, 1L));
        assertTrue(e.getMessage().contains("[1, 9]") && e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.sample(0, 3, 1L));
        assertThrows(IllegalArgumentException.class, () -> b.windows(new int[] {7}, 3));
        assertThrows(IllegalArgumentException.class, () -> Batches.of(new int[] {1}));
    }

    @Test
    void ndArraysHaveTheBatchShapeAndTypes() {
        LmBatch b = Batches.of(stream(30)).sample(4, 6, 1L);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray inputs = b.inputArray(m);
            NDArray targets = b.targetArray(m);
            NDArray mask = b.maskArray(m);
            assertEquals(new Shape(4, 6), inputs.getShape());
            assertEquals(DataType.INT64, inputs.getDataType());
            assertEquals(DataType.INT64, targets.getDataType());
            assertEquals(DataType.FLOAT32, mask.getDataType());
            assertEquals(24f, mask.sum().getFloat());
            long[] flat = targets.toLongArray();
            assertEquals(b.targets()[2][5], flat[2 * 6 + 5]);
            NDArray i32 = Batches.toArray(m, b.inputs(), DataType.INT32);
            assertArrayEquals(b.inputs()[3], java.util.Arrays.copyOfRange(i32.toIntArray(), 18, 24));
            assertThrows(IllegalArgumentException.class, () -> Batches.toArray(m, b.inputs(), DataType.FLOAT32));
        }
    }
}
