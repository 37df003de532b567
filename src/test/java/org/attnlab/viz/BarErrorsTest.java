package org.attnlab.viz;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Error bars: a whisker where a half-width is given, none where it is NaN, in both the plotly and the static figure. */
class BarErrorsTest {

    private static BarFigure bars() {
        Table t = Table.create("t", StringColumn.create("group", "a", "b"), DoubleColumn.create("accuracy", 0.5, 0.8));
        return Plots.bars(t, "group", "accuracy", null);
    }

    @Test
    void errorsGoIntoThePlotlyTraceWithNullForNone() {
        BarFigure f = bars().errors(new double[][] {{Double.NaN, 0.1}});
        @SuppressWarnings("unchecked")
        Map<String, Object> e = (Map<String, Object>) f.tracePatches().get(0).get("error_y");
        assertEquals("data", e.get("type"));
        assertEquals(Arrays.asList(Double.NaN, 0.1), e.get("array"));
        assertTrue(Json.write(e.get("array")).contains("null"), "NaN is written as null: no whisker");
        assertFalse(bars().tracePatches().get(0).containsKey("error_y"));
    }

    @Test
    void theStaticFigureDrawsOneWhiskerPerGivenError() {
        int plain = count(bars().svg(), "stroke=\"#333\"");
        int one = count(bars().errors(new double[][] {{Double.NaN, 0.1}}).svg(), "stroke=\"#333\"");
        int two = count(bars().errors(new double[][] {{0.05, 0.1}}).svg(), "stroke=\"#333\"");
        assertEquals(3, one - plain, "a whisker is a vertical line and two caps");
        assertEquals(6, two - plain);
    }

    @Test
    void badShapesAndNegativeWidthsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bars().errors(new double[][] {{0.1}}));
        assertTrue(e.getMessage().contains("1 entries for 2 categories"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bars().errors(new double[][] {{0.1, -0.2}}));
        assertTrue(e.getMessage().contains("-0.2"), e.getMessage());
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
