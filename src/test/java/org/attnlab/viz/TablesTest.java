package org.attnlab.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class TablesTest {

    @Test
    void decimalsFollowTheColumnsLargestMagnitude() {
        assertEquals(4, Tables.decimalsForMagnitude(0.98765));
        assertEquals(3, Tables.decimalsForMagnitude(2.345));
        assertEquals(1, Tables.decimalsForMagnitude(123.4));
        assertEquals(0, Tables.decimalsForMagnitude(12345.6));
        assertEquals(6, Tables.decimalsForMagnitude(1e-5));
    }

    @Test
    void valuesRoundToTheColumnsDecimalsAndTinyOnesGoScientific() {
        assertEquals("0.9123", Tables.format(0.912345, 4));
        assertEquals("1235", Tables.format(1234.5, 0));
        assertEquals("1.20e-05", Tables.format(0.000012, 4));
        assertEquals("0.0000", Tables.format(0.0, 4));
        assertEquals("0.00", Tables.format(-0.0, 2), "a negative zero (0 times a negative number) has no sign");
        assertEquals("-1.00e-05", Tables.format(-0.00001, 2), "a tiny negative value keeps its digits and sign");
        assertEquals("NaN", Tables.format(Double.NaN, 2));
        assertEquals("\u221e", Tables.format(Double.POSITIVE_INFINITY, 2));
    }

    @Test
    void htmlTableRoundsDoublesKeepsIntsAndEscapesText() {
        Table t = Table.create("results <quick>", StringColumn.create("variant", "soft<max>", "PaTH"),
                IntColumn.create("steps", 1000, 2000), DoubleColumn.create("loss", 2.3456789, 0.1234567),
                DoubleColumn.create("acc", 0.987654, 0.5));
        String html = Tables.html(t);
        assertTrue(html.contains(">2.346<") && html.contains(">0.123<"), html);   // loss column: max 2.3 -> 3 decimals
        assertTrue(html.contains(">0.9877<") && html.contains(">0.5000<"), html); // acc column: max 0.99 -> 4 decimals
        assertTrue(html.contains(">1000<") && html.contains(">2000<"));
        assertTrue(html.contains("soft&lt;max&gt;") && html.contains("results &lt;quick&gt;"));
        assertTrue(html.contains("2 rows \u00d7 4 columns"));
    }

    @Test
    void aMissingNumberReadsAsADashAndMissingTextStaysEmpty() {
        tech.tablesaw.api.LongColumn step = tech.tablesaw.api.LongColumn.create("step50");
        step.append(10L);
        step.appendMissing();
        Table t = Table.create("timing", StringColumn.create("series", "head", ""), step,
                DoubleColumn.create("paper", Double.NaN, 0.5));
        String html = Tables.html(t);
        assertTrue(html.contains(">10<") && !html.contains(">10.00<"), "a long column of steps stays whole: " + html);
        assertEquals(2, html.split(">\u2014<", -1).length - 1, "NaN and a missing step read as a dash: " + html);
        String[] lines = Tables.plain(t).split("\n");
        assertEquals("head        10       \u2014", lines[3]);
        assertEquals("             \u2014  0.5000", lines[4]);
    }

    @Test
    void aViewWithFixedDecimalsRoundsEveryDoubleColumnAndKeepsTheRawValues() {
        Table t = Table.create("variants", StringColumn.create("variant", "standard", "mlp"),
                tech.tablesaw.api.LongColumn.create("params", 16384, 16320),
                DoubleColumn.create("loss - standard", -0.0001, -0.0048731), DoubleColumn.create("seed spread", 0.0287311, 0.0287311),
                DoubleColumn.create("input dependence", 0.0204, 3.1e-8));
        assertTrue(Tables.plain(t).contains("-0.004873"), "per column: the largest magnitude gives 6 decimals");
        String plain = Tables.view(t, 3).mimeBundle().get("text/plain");
        String[] lines = plain.split("\n");
        assertEquals("standard   16384            0.000        0.029             0.020", lines[3]);
        assertEquals("mlp        16320           -0.005        0.029             0.000", lines[4],
                "3 decimals, as the prose prints them: below the last decimal reads as zero, without a sign");
        assertTrue(Tables.view(t, 3).mimeBundle().get("text/html").contains(">-0.005<"));
        assertEquals(-0.0048731, t.doubleColumn("loss - standard").getDouble(1), 0, "the table keeps its raw values");
        assertThrows(IllegalArgumentException.class, () -> Tables.view(t, -1));
    }

    @Test
    void seedsAreNamedAsTheReaderKnowsThemAndTheNumbersStayInTheOriginal() {
        long derived = org.attnlab.Seeds.derive(42, "second seed");
        Table t = Table.create("runs", tech.tablesaw.api.LongColumn.create("seed", new long[] {42, derived}),
                DoubleColumn.create("loss", 1.5, 1.25));
        Table named = Tables.seedsNamed(t, 42);
        assertEquals(List.of("seed 42", "seed B"), named.stringColumn("seed").asList());
        assertEquals(List.of("seed", "loss"), named.columnNames());
        assertEquals(derived, t.longColumn("seed").getLong(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tables.seedsNamed(Table.create("no seeds", DoubleColumn.create("loss", 1.0)), 42));
        assertTrue(e.getMessage().contains("no seed column"), e.getMessage());
    }

    @Test
    void longTablesShowHeadAndTail() {
        IntColumn i = IntColumn.create("i");
        for (int k = 0; k < 100; k++) {
            i.append(k);
        }
        String html = Tables.html(Table.create("long", i));
        assertTrue(html.contains(">29<") && html.contains(">95<") && html.contains(">99<"));
        assertFalse(html.contains(">30<") || html.contains(">94<"));
        assertTrue(html.contains("65 more rows"));
    }

    @Test
    void viewIsDisplayable() {
        Map<String, String> b = Tables.view(Table.create("t", IntColumn.create("x", 1, 2))).mimeBundle();
        assertTrue(b.get("text/html").startsWith("<table class=\"attnlab-table\""));
        assertTrue(b.get("text/plain").contains("x"));
    }

    @Test
    void plainTextRoundsLikeTheHtmlAndAlignsColumns() {
        Table t = Table.create("scores", tech.tablesaw.api.StringColumn.create("head", "L0H0", "L1H1"),
                tech.tablesaw.api.DoubleColumn.create("score", 0.99999994, 0.123456789));
        String plain = Tables.plain(t);
        String[] lines = plain.split("\n");
        assertEquals("scores (2 rows \u00d7 2 columns)", lines[0]);
        assertEquals("head   score", lines[1]);
        assertEquals("-".repeat(lines[1].length()), lines[2]);
        assertEquals("L0H0  1.0000", lines[3]);
        assertEquals("L1H1  0.1235", lines[4]);
        assertFalse(plain.contains("0.99999994"));
        assertEquals(plain, Tables.view(t).mimeBundle().get("text/plain"));
    }

    @Test
    void plainTextOfALongTableShowsHeadEllipsisAndTail() {
        Table t = Table.create("t", IntColumn.create("x", java.util.stream.IntStream.range(0, 100).toArray()));
        java.util.List<String> lines = java.util.Arrays.stream(Tables.plain(t).split("\n")).map(String::strip).toList();
        assertEquals(3 + 30 + 1 + 5, lines.size());
        assertEquals(java.util.List.of("29", "\u2026", "95"), lines.subList(32, 35));
        assertEquals("99", lines.get(lines.size() - 1));
    }
}
