package org.attnlab.lesson;

import java.util.IllegalFormatException;
import java.util.Locale;
import java.util.MissingFormatArgumentException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Numbers in a lesson's sentences. {@link #format} is {@code String.format} (in {@link Locale#ROOT}: a decimal point
 * whatever the machine's language) except that a value which rounds to zero at the precision asked for prints as
 * zero without a sign: {@code format("%.2f", -0.001)} is {@code "0.00"}, never {@code "-0.00"}, and
 * {@code format("%+.2f", -0.001)} is {@code "0.00"}, never {@code "-0.00"} or {@code "+0.00"} (a change that rounds
 * to nothing has no direction).
 *
 * <pre>{@code
 * System.out.println(Prose.format("ablating L0.H%d: loss %+.2f nats", head, rise));
 * }</pre>
 */
public final class Prose {

    /** A format specifier, as {@link java.util.Formatter} reads one. */
    private static final Pattern SPEC =
            Pattern.compile("%(\\d+\\$)?([-#+ 0,(<]*)?(\\d+)?(\\.\\d+)?([tT])?([a-zA-Z%])");

    private Prose() {
    }

    /**
     * {@code String.format(Locale.ROOT, format, args)}, with a floating-point value that rounds to zero at its
     * specifier's precision ({@code %f}, {@code %e}, {@code %g}) printed as an unsigned zero. Bad formats and missing
     * arguments fail as {@code String.format} fails.
     */
    public static String format(String format, Object... args) {
        StringBuilder out = new StringBuilder();
        Matcher m = SPEC.matcher(format);
        int at = 0;
        int next = 0;       // the next ordinary argument
        int last = -1;      // the argument of the previous specifier (for the '<' flag)
        while (m.find()) {
            literal(out, format, at, m.start(), args);
            at = m.end();
            String conversion = m.group(6);
            if (conversion.equals("%") || conversion.equals("n")) {
                out.append(String.format(Locale.ROOT, m.group()));
                continue;
            }
            String flags = m.group(2) == null ? "" : m.group(2);
            int index;
            if (flags.contains("<")) {
                index = last;
            } else if (m.group(1) != null) {
                index = Integer.parseInt(m.group(1).substring(0, m.group(1).length() - 1)) - 1;
            } else {
                index = next++;
            }
            if (index < 0 || index >= args.length) {
                throw new MissingFormatArgumentException(m.group());
            }
            last = index;
            Object arg = args[index];
            String spec = "%" + flags.replace("<", "") + (m.group(3) == null ? "" : m.group(3))
                    + (m.group(4) == null ? "" : m.group(4)) + (m.group(5) == null ? "" : m.group(5)) + conversion;
            if (roundsToZero(spec, conversion, arg)) {
                arg = 0.0;
                spec = spec.replace("+", "");
            }
            out.append(String.format(Locale.ROOT, spec, arg));
        }
        literal(out, format, at, format.length(), args);
        return out.toString();
    }

    /** Appends {@code format[from, to)}, text between specifiers; a '%' there starts no specifier: it fails. */
    private static void literal(StringBuilder out, String format, int from, int to, Object[] args) {
        if (format.substring(from, to).indexOf('%') >= 0) {
            throw badFormat(format, args);
        }
        out.append(format, from, to);
    }

    /** Whether {@code arg} is a float or double printed by {@code spec} as zero (e.g. -0.001 at %.2f, or -0.0). */
    private static boolean roundsToZero(String spec, String conversion, Object arg) {
        if (!(arg instanceof Double || arg instanceof Float) || !"fFeEgG".contains(conversion)) {
            return false;
        }
        double v = ((Number) arg).doubleValue();
        if (v == 0) {
            return true; // also -0.0
        }
        if (!Double.isFinite(v) || !(conversion.equals("f") || conversion.equals("F"))) {
            return false; // %e and %g print a tiny value's digits, not zero
        }
        String digits = String.format(Locale.ROOT, spec.replace("+", "").replace("(", ""), Math.abs(v));
        return digits.chars().noneMatch(c -> c >= '1' && c <= '9');
    }

    private static IllegalFormatException badFormat(String format, Object[] args) {
        try {
            String.format(Locale.ROOT, format, args);
        } catch (IllegalFormatException e) {
            return e;
        }
        return new java.util.UnknownFormatConversionException(format);
    }
}
