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

    @Test
    void whiskersGoIntoBothFiguresAndBadOnesAreRefused() {
        BarFigure f = BarFigure.of("w", List.of("a", "b"), List.of("s"), new double[][] {{0.5, 0.8}}, "x", "y")
                .errors(new double[][] {{0.1, 0.0}});
        @SuppressWarnings("unchecked")
        Map<String, Object> errorY = (Map<String, Object>) f.tracePatches().get(0).get("error_y");
        assertEquals(List.of(0.1, 0.0), errorY.get("array"));
        String svg = f.svg();
        assertEquals(3, svg.split("stroke=\"#333\"", -1).length - 1, "one whisker (3 strokes) for the one non-zero error");
        assertFalse(bars().tracePatches().get(0).containsKey("error_y"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BarFigure.of("w", List.of("a"), List.of("s"), new double[][] {{1}}, "x", "y")
                        .errors(new double[][] {{-0.1}}));
        assertTrue(e.getMessage().contains("-0.1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bars().errors(new double[][] {{0.1}}));
    }
}
