package org.attnlab.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class CostTest {

    @Test
    void bytesCountEveryArrayTheComputationLeavesOpen() {
        try (NDManager m = NDManager.newBaseManager()) {
            // the [L, 8] input, its transpose (a view, counted at full size) and the [L, L] product, in float32
            Cost.Measurement c = Cost.of(m, 16, (sub, len) -> {
                var x = sub.ones(new Shape(len, 8), DataType.FLOAT32);
                return x.matMul(x.transpose());
            }, 1);
            assertEquals(4L * (8 * 16 + 8 * 16 + 16 * 16), c.bytes());
            assertTrue(c.millis() >= 0);
        }
    }

    @Test
    void sweepIsALongTableInOrderAndManagersAreClosed() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Cost.Computation> ops = new LinkedHashMap<>();
            ops.put("b", (sub, len) -> sub.ones(new Shape(len)));
            ops.put("a", (sub, len) -> sub.ones(new Shape(len, len)));
            Table t = Cost.sweep(m, new int[] {4, 8}, ops, 3);
            assertEquals(4, t.rowCount());
            assertEquals("b", t.stringColumn("op").get(0));
            assertEquals("a", t.stringColumn("op").get(3));
            assertEquals(8 * 8 * 4 / (1024.0 * 1024.0), t.doubleColumn("MB").get(3), 1e-12);
            assertEquals(0, m.getManagedArrays().size());
            assertThrows(IllegalArgumentException.class, () -> Cost.sweep(m, new int[0], ops, 1));
        }
    }
}
