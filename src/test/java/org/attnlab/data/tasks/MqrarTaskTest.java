package org.attnlab.data.tasks;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MqrarTaskTest {

    @Test
    void handWorkedSecondLast() {
        MqrarTask task = new MqrarTask(2, 2, 8, 1);
        Vocabulary v = task.vocabulary();
        int[] seq = v.encode("k0 v3 k1 v0 k0 v5 k1 v2 ?");
        assertEquals(1, MqrarTask.nthLastValuePosition(seq, 8, task.keyId(0), 2)); // v3 at index 1
        assertEquals(5, MqrarTask.nthLastValuePosition(seq, 8, task.keyId(0), 1)); // v5 at index 5
        assertEquals(3, MqrarTask.nthLastValuePosition(seq, 8, task.keyId(1), 2)); // v0
    }

    @Test
    void everyQueryAsksForTheNthLastValue() {
        for (int n = 1; n <= 4; n++) {
            MqrarTask task = new MqrarTask(n, 6, 10, 4);
            int a = 6 * n + 5;
            TaskBatch b = task.sample(8, a, Split.TRAIN, 17L + n);
            assertEquals(task.inputLength(a), b.length());
            for (int r = 0; r < 8; r++) {
                int[] in = b.inputs()[r];
                Example e = b.example(r);
                assertEquals(task.separatorId(), in[2 * a], "separator after the assignments");
                int[] queries = e.positions(MqrarTask.QUERIES);
                assertEquals(4, queries.length);
                assertEquals(4, b.gradedCount() / 8);
                Set<Integer> keys = new HashSet<>();
                for (int q = 0; q < queries.length; q++) {
                    int key = in[queries[q]];
                    keys.add(key);
                    List<Integer> values = new ArrayList<>();
                    for (int p = 0; p < 2 * a; p += 2) {
                        if (in[p] == key) {
                            values.add(in[p + 1]);
                        }
                    }
                    assertTrue(values.size() >= n, "key assigned at least N times");
                    int expected = values.get(values.size() - n);
                    assertEquals(expected, b.targets()[r][queries[q]], "N=" + n + " row " + r + " query " + q);
                    assertTrue(b.lossMask()[r][queries[q]]);
                    assertEquals(expected, in[e.positions(MqrarTask.SOURCES)[q]]);
                }
                assertEquals(4, keys.size(), "queried keys are distinct");
            }
        }
    }

    @Test
    void tooFewAssignmentsFail() {
        MqrarTask task = new MqrarTask(3, 8, 8, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> task.sample(1, 23, Split.TRAIN, 1L));
        assertTrue(e.getMessage().contains("24") && e.getMessage().contains("23"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MqrarTask(1, 4, 8, 5));
    }
}
