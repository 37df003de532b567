package org.attnlab.viz;

import java.util.List;
import java.util.Map;

/** A minimal JSON writer for the plot patches and labels we hand to plotly.js (no parser needed). */
final class Json {

    private Json() {
    }

    /**
     * Writes {@code value} as JSON: null, String, Number (non-finite becomes null, which plotly shows
     * as a gap), Boolean, Map (keys as strings; insertion order kept for a LinkedHashMap, a SortedMap's order, else
     * sorted by key, so the output is the same in every JVM), List, Object[], double[],
     * double[][], String[].
     */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    /**
     * A map's entries in insertion order where it has one (LinkedHashMap) or its own order (SortedMap), else by key:
     * Map.of's order changes from one JVM to the next, which made the same report differ byte for byte.
     */
    private static Iterable<? extends Map.Entry<?, ?>> ordered(Map<?, ?> m) {
        if (m instanceof java.util.LinkedHashMap || m instanceof java.util.SortedMap) {
            return m.entrySet();
        }
        List<Map.Entry<?, ?>> entries = new java.util.ArrayList<>(m.entrySet());
        entries.sort(java.util.Comparator.comparing(e -> String.valueOf(e.getKey())));
        return entries;
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            sb.append(Double.isFinite(d) ? number(d) : "null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ordered(m)) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, l.get(i));
            }
            sb.append(']');
        } else if (v instanceof double[] a) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(Double.isFinite(a[i]) ? number(a[i]) : "null");
            }
            sb.append(']');
        } else if (v instanceof Object[] a) {
            write(sb, List.of(a));
        } else {
            throw new IllegalArgumentException("Json cannot write " + v.getClass().getName());
        }
    }

    /** Shortest round-trip text of a double, without a trailing ".0" on integers. */
    static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    /** A JSON string literal; also escapes '<' and '>' so that it is safe inside an HTML script element. */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '<' -> sb.append("\\u003c");
                case '>' -> sb.append("\\u003e");
                case '&' -> sb.append("\\u0026");
                case '\u2028' -> sb.append("\\u2028");
                case '\u2029' -> sb.append("\\u2029");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    static String string(String s) {
        StringBuilder sb = new StringBuilder();
        string(sb, s);
        return sb.toString();
    }
}
