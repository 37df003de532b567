package org.attnlab.data;

import org.attnlab.data.tasks.FlipFlopTask;
import org.attnlab.data.tasks.Split;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchSourceTest {

    @Test
    void stepKIsReproducibleAndStepsDiffer() {
        BatchSource text = BatchSource.of(Batches.of(BatchesTest.stream(100)), 4, 8, 42L);
        assertTrue(Arrays.deepEquals(text.batch(7).inputs(), text.batch(7).inputs()));
        assertFalse(Arrays.deepEquals(text.batch(7).inputs(), text.batch(8).inputs()));
        BatchSource flip = BatchSource.of(FlipFlopTask.standard(), 4, 16, Split.TRAIN, 42L);
        assertTrue(Arrays.deepEquals(flip.batch(3).targets(), flip.batch(3).targets()));
        assertFalse(Arrays.deepEquals(flip.batch(3).inputs(), flip.batch(4).inputs()));
    }

    @Test
    void badArgumentsFailWhenTheSourceIsMade() {
        assertThrows(IllegalArgumentException.class, () -> BatchSource.of(Batches.of(BatchesTest.stream(10)), 4, 20, 1L));
        assertThrows(IllegalArgumentException.class, () -> BatchSource.of(FlipFlopTask.standard(), 4, 15, Split.TRAIN, 1L));
        assertThrows(IllegalArgumentException.class, () -> BatchSource.of(FlipFlopTask.standard(), 4, 16, Split.TEST, 1L));
    }
}
