package org.attnlab.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsLogTest {

    @Test
    void longTableAndCsvRoundTrip(@TempDir Path dir) throws Exception {
        MetricsLog log = new MetricsLog()
                .add("rope", 1, "train_loss", 2.5)
                .add("rope", 2, "train_loss", 2.25)
                .add("path", 1, "train_loss", 2.0)
                .addAll("path", 2, Map.of("eval_loss", 1.875));
        Table t = log.table();
        assertEquals(List.of("run", "step", "metric", "value"), t.columnNames());
        assertEquals(4, t.rowCount());
        assertEquals("path", t.stringColumn("run").get(2));
        assertEquals(2L, t.longColumn("step").get(3));

        Path csv = dir.resolve("out/metrics.csv");
        log.writeCsv(csv);
        assertTrue(Files.readString(csv).startsWith("run,step,metric,value"));
        MetricsLog back = MetricsLog.readCsv(csv);
        assertEquals(4, back.size());
        assertArrayEquals(new double[] {2.5, 2.25, 2.0}, back.values("train_loss"), 0.0);
        assertArrayEquals(new long[] {1, 2, 1}, back.steps("train_loss"));
        assertEquals(1.875, back.last("eval_loss").getAsDouble(), 0.0);
        assertEquals(List.of("train_loss", "eval_loss"), List.copyOf(back.metricNames()));
    }

    @Test
    void truncateDropsOnlyThatRunsLaterRows() {
        MetricsLog log = new MetricsLog().add("a", 1, "x", 1).add("a", 5, "x", 5).add("b", 5, "x", 7);
        log.truncateAfter("a", 3);
        assertArrayEquals(new double[] {1, 7}, log.values("x"), 0.0);
    }

    @Test
    void aForeignCsvIsRefused(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("other.csv");
        Files.writeString(csv, "a,b,c,d\nx,1,y,2.0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsLog.readCsv(csv));
        assertTrue(e.getMessage().contains("[a, b, c, d]"), e.getMessage());
    }
}
