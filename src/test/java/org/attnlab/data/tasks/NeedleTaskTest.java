package org.attnlab.data.tasks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeedleTaskTest {

    @Test
    void handWorkedLayout() {
        NeedleTask task = new NeedleTask(8, 4, 6, 2, 0);
        TaskBatch b = task.sampleAtDepth(1, 12, 0.4, Split.TRAIN, 5L);
        Example e = b.example(0);
        Vocabulary v = task.vocabulary();
        assertEquals(5, task.haystackFillers(12));
        assertArrayEquals(new int[] {3}, e.positions(NeedleTask.NEEDLE_KEY)); // after round(0.4 * 5) = 2 fillers
        assertArrayEquals(new int[] {4, 5}, e.positions(NeedleTask.NEEDLE_VALUES));
        assertArrayEquals(new int[] {10}, e.positions(NeedleTask.QUERY_KEY));
        assertArrayEquals(new int[] {10, 11}, e.gradedPositions());
        String[] tok = v.render(e.inputs()).split(" ");
        assertEquals("<s>", tok[0]);
        assertTrue(tok[1].startsWith("f") && tok[2].startsWith("f") && tok[6].startsWith("f") && tok[8].startsWith("f"));
        assertEquals("?", tok[9]);
        assertEquals(tok[3], tok[10]);
        assertEquals(e.inputs()[4], e.targets()[10]);
        assertEquals(e.inputs()[5], e.targets()[11]);
    }

    @Test
    void answersAreTheNeedleValuesAtAnyDepthWithDistractors() {
        NeedleTask task = new NeedleTask(20, 10, 30, 3, 2);
        for (double depth : new double[] {0, 0.25, 0.5, 1}) {
            TaskBatch b = task.sampleAtDepth(8, 64, depth, Split.TEST, 2L);
            assertEquals(64, b.length());
            for (int r = 0; r < 8; r++) {
                Example e = b.example(r);
                int key = e.inputs()[e.positions(NeedleTask.NEEDLE_KEY)[0]];
                assertEquals(key, e.inputs()[e.positions(NeedleTask.QUERY_KEY)[0]]);
                int[] values = e.positions(NeedleTask.NEEDLE_VALUES);
                int[] answers = e.positions(NeedleTask.ANSWERS);
                for (int m = 0; m < 3; m++) {
                    assertEquals(e.inputs()[values[m]], e.targets()[answers[m]]);
                }
                for (int d : e.positions(NeedleTask.DISTRACTOR_KEYS)) {
                    assertNotEquals(key, e.inputs()[d], "distractors use other keys");
                }
                int keyCount = 0;
                for (int t = 0; t < e.positions(NeedleTask.QUERY_KEY)[0]; t++) {
                    keyCount += e.inputs()[t] == key ? 1 : 0;
                }
                assertEquals(1, keyCount, "the needle key appears once in the haystack");
                assertEquals(3, e.gradedPositions().length);
            }
        }
        TaskBatch uniform = task.sample(4, 64, Split.TRAIN, 1L);
        assertEquals(12, uniform.gradedCount());
    }

    @Test
    void tooShortOrBadDepthFails() {
        NeedleTask task = new NeedleTask(8, 4, 6, 2, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> task.sample(1, 8, Split.TRAIN, 1L));
        assertTrue(e.getMessage().contains("10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> task.sampleAtDepth(1, 20, 1.5, Split.TRAIN, 1L));
        assertThrows(IllegalArgumentException.class, () -> new NeedleTask(8, 1, 6, 2, 1));
    }
}
