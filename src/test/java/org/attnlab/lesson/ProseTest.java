package org.attnlab.lesson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.IllegalFormatException;
import java.util.Locale;
import java.util.MissingFormatArgumentException;
import org.junit.jupiter.api.Test;

class ProseTest {

    @Test
    void aValueThatRoundsToZeroPrintsWithoutASign() {
        assertEquals("-0.00", String.format(Locale.ROOT, "%.2f", -0.001), "what String.format prints");
        assertEquals("0.00", Prose.format("%.2f", -0.001));
        assertEquals("0.00", Prose.format("%.2f", -0.0));
        assertEquals("0.0", Prose.format("%.1f", -0.04f));
        assertEquals("loss 0.00 nats", Prose.format("loss %+.2f nats", -0.004), "a change that rounds to nothing");
        assertEquals("loss 0.00 nats", Prose.format("loss %+.2f nats", 0.004));
        assertEquals("  0.00|", Prose.format("%6.2f|", -0.001), "the width is kept");
        assertEquals("0%", Prose.format("%.0f%%", -0.3));
        assertEquals("0.000000e+00", Prose.format("%e", -0.0));
    }

    @Test
    void everyOtherValuePrintsAsStringFormatPrintsIt() {
        assertEquals("-0.01", Prose.format("%.2f", -0.006), "rounds away from zero: keeps its sign");
        assertEquals("+0.50 / -1.25", Prose.format("%+.2f / %+.2f", 0.5, -1.25));
        assertEquals("-1.00e-05", Prose.format("%.2e", -1e-5), "scientific notation shows a tiny value's digits");
        assertEquals("NaN and -Infinity", Prose.format("%.2f and %.1f", Double.NaN, Double.NEGATIVE_INFINITY));
        assertEquals("L1.H3: 42% of 7, seed 42", Prose.format("L%d.H%d: %.0f%% of %s, seed %d", 1, 3, 42.0, "7", 42L));
        assertEquals(String.format("%2$s %1$s %<s", "a", "b"), Prose.format("%2$s %1$s %<s", "a", "b"));
        assertEquals("x\n", Prose.format("x%n"));
        assertEquals("1,234.5", Prose.format("%,.1f", 1234.5));
        assertEquals(String.format(Locale.ROOT, "%.3f (x%.3f)", 8.301, 1.0102), Prose.format("%.3f (x%.3f)", 8.301, 1.0102));
    }

    @Test
    void aBadFormatFailsAsStringFormatFails() {
        assertThrows(MissingFormatArgumentException.class, () -> Prose.format("%.2f and %.2f", 1.0));
        assertThrows(IllegalFormatException.class, () -> Prose.format("%d", 1.5));
        assertThrows(IllegalFormatException.class, () -> Prose.format("50%!"));
    }
}
