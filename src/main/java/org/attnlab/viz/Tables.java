package org.attnlab.viz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.attnlab.Seeds;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Tablesaw tables as readable HTML. Numbers are rounded per column: the column's largest magnitude
 * decides the decimals (about four significant digits, at most six decimals), integers stay whole,
 * and a value that would round to zero is shown in scientific notation instead. A missing number (NaN
 * in a double column, a missing integer) reads as a dash. Long tables show their head and tail.
 */
public final class Tables {

    /** Rows shown in full before a table is cut to head and tail. */
    public static final int MAX_ROWS = 40;
    private static final int HEAD = 30;
    private static final int TAIL = 5;

    private Tables() {
    }

    /**
     * A copy of {@code table} whose long {@code seed} column names each seed as a reader knows it: "seed 42" for the
     * seed they chose, "seed B" for a second seed derived from it ({@link Seeds#label}); for display only, since the
     * results' tables keep the numbers that reproduce a run.
     */
    public static Table seedsNamed(Table table, long chosen) {
        if (!table.containsColumn("seed")) {
            throw new IllegalArgumentException("table '" + table.name() + "' has no seed column; columns: "
                    + table.columnNames());
        }
        Table out = table.copy();
        StringColumn named = StringColumn.create("seed");
        for (long seed : table.longColumn("seed")) {
            named.append(Seeds.label(seed, chosen));
        }
        out.replaceColumn("seed", named);
        return out;
    }

    /** A displayable view of the table (its MIME bundle is HTML plus a plain-text rendering). */
    public static Displayable view(Table table) {
        return display(table, -1);
    }

    /**
     * A displayable view with {@code decimals} decimals in every floating-point column, for columns on one scale
     * (losses and their differences) that the prose around prints at that precision; the table keeps its raw values.
     * A value smaller than the last decimal reads as zero ({@code 0.000}), as in that prose.
     */
    public static Displayable view(Table table, int decimals) {
        if (decimals < 0 || decimals > 12) {
            throw new IllegalArgumentException("decimals must be 0..12, got " + decimals);
        }
        return display(table, decimals);
    }

    /** The view, with {@code decimals} in every floating-point column or, when -1, per column. */
    private static Displayable display(Table table, int decimals) {
        return new Displayable() {
            @Override
            public Map<String, String> mimeBundle() {
                Map<String, String> m = new LinkedHashMap<>();
                m.put("text/html", html(table, decimals));
                m.put("text/plain", plain(table, decimals));
                return m;
            }

            @Override
            public String toString() {
                return table.shape();
            }
        };
    }

    /** The table as an HTML {@code <table>} with a caption naming it and its shape. */
    public static String html(Table table) {
        return html(table, -1);
    }

    /** {@link #html(Table)} with {@code fixed} decimals in every floating-point column (-1: per column). */
    static String html(Table table, int fixed) {
        List<Column<?>> cols = table.columns();
        List<Integer> decimals = new ArrayList<>();
        for (Column<?> c : cols) {
            decimals.add(decimalsFor(c, fixed));
        }
        StringBuilder sb = new StringBuilder();
        sb.append("<table class=\"attnlab-table\" style=\"border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums\">");
        sb.append("<caption style=\"caption-side:top;text-align:left;font-weight:bold;padding:4px 0;white-space:nowrap\">")
                .append(Svg.esc(table.name() == null ? "" : table.name())).append(" <span style=\"font-weight:normal;color:#777\">(")
                .append(table.rowCount()).append(" rows \u00d7 ").append(table.columnCount()).append(" columns)</span></caption>");
        sb.append("<thead><tr>");
        for (Column<?> c : cols) {
            sb.append("<th style=\"padding:3px 10px;border-bottom:2px solid #888;text-align:")
                    .append(c instanceof NumericColumn ? "right" : "left").append("\">").append(Svg.esc(c.name())).append("</th>");
        }
        sb.append("</tr></thead><tbody>");
        int n = table.rowCount();
        boolean cut = n > MAX_ROWS;
        for (int r = 0; r < n; r++) {
            if (cut && r == HEAD) {
                sb.append("<tr><td colspan=\"").append(cols.size()).append("\" style=\"padding:3px 10px;color:#777;text-align:center\">\u2026 ")
                        .append(n - HEAD - TAIL).append(" more rows \u2026</td></tr>");
                r = n - TAIL;
            }
            sb.append("<tr>");
            for (int c = 0; c < cols.size(); c++) {
                Column<?> col = cols.get(c);
                boolean num = col instanceof NumericColumn;
                sb.append("<td style=\"padding:3px 10px;border-bottom:1px solid #e5e5e5;text-align:").append(num ? "right" : "left")
                        .append("\">").append(Svg.esc(cell(col, r, decimals.get(c), fixed >= 0))).append("</td>");
            }
            sb.append("</tr>");
        }
        sb.append("</tbody></table>");
        return sb.toString();
    }

    /**
     * The table as aligned plain text, rounded as in {@link #html}: a caption line with its name and shape, a header,
     * and rows (head and tail when long). Numbers are right-aligned, text left-aligned.
     */
    public static String plain(Table table) {
        return plain(table, -1);
    }

    /** {@link #plain(Table)} with {@code fixed} decimals in every floating-point column (-1: per column). */
    static String plain(Table table, int fixed) {
        List<Column<?>> cols = table.columns();
        int n = table.rowCount();
        boolean cut = n > MAX_ROWS;
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            if (cut && r == HEAD) {
                rows.add(-1);
                r = n - TAIL;
            }
            rows.add(r);
        }
        String[][] cells = new String[rows.size() + 1][cols.size()];
        int[] widths = new int[cols.size()];
        for (int c = 0; c < cols.size(); c++) {
            Column<?> col = cols.get(c);
            int decimals = decimalsFor(col, fixed);
            cells[0][c] = col.name();
            for (int i = 0; i < rows.size(); i++) {
                cells[i + 1][c] = rows.get(i) < 0 ? "\u2026" : cell(col, rows.get(i), decimals, fixed >= 0);
            }
            for (String[] row : cells) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(table.name() == null ? "" : table.name()).append(" (").append(n).append(" rows \u00d7 ")
                .append(cols.size()).append(" columns)\n");
        for (int i = 0; i < cells.length; i++) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols.size(); c++) {
                String v = cells[i][c];
                String pad = " ".repeat(widths[c] - v.length());
                line.append(c == 0 ? "" : "  ").append(cols.get(c) instanceof NumericColumn ? pad + v : v + pad);
            }
            String text = line.toString().stripTrailing();
            sb.append(text).append('\n');
            if (i == 0) {
                sb.append("-".repeat(text.length())).append('\n');
            }
        }
        return sb.toString();
    }

    /** Shown for a missing number: NaN in a double column ("no rise", "not quoted"), a missing integer. */
    static final String MISSING_NUMBER = "\u2014";

    /** How one cell reads: rounded numbers, a dash for a missing number, "" for missing text. */
    static String cell(Column<?> col, int row, int decimals) {
        return cell(col, row, decimals, false);
    }

    /** {@link #cell(Column, int, int)}; {@code fixedDecimals}: the caller chose the decimals, so small values round. */
    static String cell(Column<?> col, int row, int decimals, boolean fixedDecimals) {
        if (col.isMissing(row)) {
            return col instanceof NumericColumn ? MISSING_NUMBER : "";
        }
        if (col instanceof NumericColumn<?> n && decimals >= 0) {
            return fixedDecimals ? formatFixed(n.getDouble(row), decimals) : format(n.getDouble(row), decimals);
        }
        return col.getString(row);
    }

    /** Decimals for a floating-point column (-1: leave as is, e.g. integer or text columns). */
    static int decimalsFor(Column<?> col) {
        return decimalsFor(col, -1);
    }

    /** {@link #decimalsFor(Column)}, or {@code fixed} for a floating-point column when {@code fixed >= 0}. */
    static int decimalsFor(Column<?> col, int fixed) {
        String type = col.type().name();
        if (!(col instanceof NumericColumn<?> n) || !(type.equals("DOUBLE") || type.equals("FLOAT"))) {
            return -1;
        }
        if (fixed >= 0) {
            return fixed;
        }
        double maxAbs = 0;
        for (int i = 0; i < n.size(); i++) {
            double v = n.getDouble(i);
            if (Double.isFinite(v)) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
        }
        return decimalsForMagnitude(maxAbs);
    }

    /** About four significant digits for the largest value: 0.9876 -> 4, 2.345 -> 3, 123.4 -> 1, 12345 -> 0. */
    static int decimalsForMagnitude(double maxAbs) {
        if (maxAbs == 0) {
            return 2;
        }
        int exp = (int) Math.floor(Math.log10(maxAbs));
        return Math.max(0, Math.min(6, 3 - exp));
    }

    /** {@code v} with exactly {@code decimals} decimals, rounding small values to zero (shown without a sign). */
    static String formatFixed(double v, int decimals) {
        String s = format(v, decimals);
        if (s.contains("e")) {
            s = String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
        return Double.parseDouble(s) == 0 && s.startsWith("-") ? s.substring(1) : s;
    }

    /** {@code v} with {@code decimals} decimals; NaN and infinities by name; tiny non-zero values in %.2e. */
    static String format(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "\u221e" : "-\u221e";
        }
        if (v == 0) {
            v = 0.0; // -0.0 (e.g. 0 times a negative number) prints without a sign
        }
        String s = String.format(Locale.ROOT, "%." + decimals + "f", v);
        if (v != 0 && Double.parseDouble(s) == 0) {
            return String.format(Locale.ROOT, "%.2e", v);
        }
        return s;
    }
}
