package org.attnlab.data.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskBatchTest {

    /** Every task is deterministic by seed and gives rectangular batches of in-vocabulary ids. */
    @Test
    void allTasksAreSeededAndInVocabulary() {
        List<Object[]> cases = List.of(
                new Object[] {FlipFlopTask.standard(), 32},
                new Object[] {WordProblemTask.a5(), 12},
                new Object[] {WordProblemTask.s5(), 12},
                new Object[] {new MqrarTask(2, 4, 8, 3), 10},
                new Object[] {new RepeatedTokensTask(16), 8},
                new Object[] {ParityTask.withChainOfThought(), 6},
                new Object[] {ParityTask.withoutChainOfThought(), 6},
                new Object[] {new AgreementTask(), 9},
                new Object[] {new NeedleTask(10, 4, 10, 2, 1), 24},
                new Object[] {FunctionTask.all(), 3});
        for (Object[] c : cases) {
            Task task = (Task) c[0];
            int length = (Integer) c[1];
            for (Split split : task.splits()) {
                TaskBatch a = task.sample(5, length, split, 21L);
                TaskBatch b = task.sample(5, length, split, 21L);
                TaskBatch other = task.sample(5, length, split, 22L);
                assertTrue(Arrays.deepEquals(a.inputs(), b.inputs()) && Arrays.deepEquals(a.targets(), b.targets()),
                        task.name() + " is deterministic");
                assertTrue(!Arrays.deepEquals(a.inputs(), other.inputs()), task.name() + " depends on the seed");
                assertEquals(task.inputLength(length), a.length(), task.name());
                assertEquals(task.name(), a.task());
                assertTrue(a.gradedCount() > 0, task.name());
                int vocab = task.vocabulary().size();
                for (int r = 0; r < 5; r++) {
                    for (int t = 0; t < a.length(); t++) {
                        assertTrue(a.inputs()[r][t] >= 0 && a.inputs()[r][t] < vocab, task.name());
                        assertTrue(a.targets()[r][t] >= 0 && a.targets()[r][t] < vocab, task.name());
                    }
                }
            }
        }
    }

    @Test
    void ndArraysCarryTheMask() {
        TaskBatch b = ParityTask.withChainOfThought().sample(3, 4, Split.TRAIN, 1L);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray inputs = b.inputArray(m);
            NDArray targets = b.targetArray(m);
            NDArray mask = b.maskArray(m);
            assertEquals(new Shape(3, 9), inputs.getShape());
            assertEquals(DataType.INT64, targets.getDataType());
            assertEquals(DataType.FLOAT32, mask.getDataType());
            assertEquals(12f, mask.sum().getFloat());
            float[] row0 = Arrays.copyOfRange(mask.toFloatArray(), 0, 9);
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 1, 1, 1, 1}, row0);
        }
    }

    @Test
    void unequalLengthsWithoutAPadTokenFail() {
        Example shortOne = new Example(new int[] {1}, new int[] {2}, new boolean[] {true});
        Example longOne = new Example(new int[] {1, 2}, new int[] {2, 3}, new boolean[] {true, true});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaskBatch.of("t", Split.TRAIN, List.of(shortOne, longOne), -1));
        assertTrue(e.getMessage().contains("pad"), e.getMessage());
        TaskBatch padded = TaskBatch.of("t", Split.TRAIN, List.of(shortOne, longOne), 0);
        assertArrayEquals(new int[] {1, 0}, padded.inputs()[0]);
        assertArrayEquals(new boolean[] {true, false}, padded.lossMask()[0]);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> shortOne.positions("x"));
        assertTrue(missing.getMessage().contains("'x'"), missing.getMessage());
    }
}
