package org.attnlab.viz;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Value labels on bars: a bar of height 0 is still labelled, in the interactive and the static figure. */
class BarLabelsTest {

    private static BarFigure bars() {
        Table t = Table.create("t", StringColumn.create("split", "a", "b"), DoubleColumn.create("error", 0.0, 12.345));
        return Plots.bars(t, "split", "error", null);
    }

    @Test
    void zeroHeightBarsCarryALabel() {
        BarFigure f = bars().labels("%.1f");
        Map<String, Object> trace = f.tracePatches().get(0);
        assertEquals(List.of("0.0", "12.3"), trace.get("text"));
        assertEquals("outside", trace.get("textposition"));
        String svg = f.svg();
        assertTrue(svg.contains(">0.0</text>"), "the static figure labels the zero bar");
        assertTrue(svg.contains(">12.3</text>"));
    }

    @Test
    void noLabelsUnlessAsked() {
        assertFalse(bars().tracePatches().get(0).containsKey("text"));
        assertFalse(bars().svg().contains(">0.0</text>"));
    }

    @Test
    void badFormatFailsAtOnce() {
        assertThrows(java.util.IllegalFormatException.class, () -> bars().labels("%d"));
    }
}
