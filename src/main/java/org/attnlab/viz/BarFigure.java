package org.attnlab.viz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.BarTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Grouped bars: one group of bars per category (e.g. an attention variant), one bar color per series
 * (e.g. a metric or a seed). Made by {@link Plots#bars}.
 */
public final class BarFigure extends Figure {

    private final List<String> categories;
    private final List<String> seriesNames;
    private final double[][] values; // [series][category]; NaN = no bar
    private final String xTitle;
    private final String yTitle;
    private String labelFormat; // null: no value labels
    private double[][] errors; // [series][category] half-widths of error bars; null or NaN: none

    /** A bar figure from values {@code [series][category]}, for data that is not in a table. */
    public static BarFigure of(String title, List<String> categories, List<String> seriesNames, double[][] values,
                               String xTitle, String yTitle) {
        return new BarFigure(title, categories, seriesNames, values, xTitle, yTitle);
    }

    BarFigure(String title, List<String> categories, List<String> seriesNames, double[][] values, String xTitle,
            String yTitle) {
        super(title, 720, 420);
        if (categories.isEmpty() || seriesNames.isEmpty()) {
            throw new IllegalArgumentException("a bar figure needs at least one category and one series, got "
                    + categories.size() + " categories and " + seriesNames.size() + " series");
        }
        if (values.length != seriesNames.size()) {
            throw new IllegalArgumentException(values.length + " value rows for " + seriesNames.size() + " series");
        }
        for (double[] row : values) {
            if (row.length != categories.size()) {
                throw new IllegalArgumentException("a value row has " + row.length + " entries for "
                        + categories.size() + " categories");
            }
        }
        this.categories = List.copyOf(categories);
        this.seriesNames = List.copyOf(seriesNames);
        this.values = values;
        this.xTitle = xTitle;
        this.yTitle = yTitle;
    }

    @Override
    public BarFigure title(String newTitle) {
        super.title(newTitle);
        return this;
    }

    @Override
    public BarFigure size(int newWidth, int newHeight) {
        super.size(newWidth, newHeight);
        return this;
    }

    /**
     * Writes each bar's value above it with {@code format} (e.g. {@code "%.1f"}), so that a bar of height 0 is
     * still seen as a 0 rather than missed.
     */
    public BarFigure labels(String format) {
        String.format(java.util.Locale.ROOT, format, 0.0); // fails at once on a bad format
        this.labelFormat = format;
        return this;
    }

    /**
     * Error bars: {@code halfWidths[series][category]} is drawn as a whisker from {@code value - w} to
     * {@code value + w} (NaN: no whisker), e.g. the standard deviation of repeated draws.
     */
    public BarFigure errors(double[][] halfWidths) {
        if (halfWidths == null || halfWidths.length != seriesNames.size()) {
            throw new IllegalArgumentException((halfWidths == null ? "no" : String.valueOf(halfWidths.length))
                    + " error rows for " + seriesNames.size() + " series");
        }
        for (double[] row : halfWidths) {
            if (row.length != categories.size()) {
                throw new IllegalArgumentException("an error row has " + row.length + " entries for "
                        + categories.size() + " categories");
            }
            for (double w : row) {
                if (w < 0) {
                    throw new IllegalArgumentException("error bar half-widths must be >= 0 (or NaN for none), got " + w);
                }
            }
        }
        this.errors = new double[halfWidths.length][];
        for (int i = 0; i < halfWidths.length; i++) {
            this.errors[i] = halfWidths[i].clone();
        }
        return this;
    }

    private double error(int s, int c) {
        return errors == null || !Double.isFinite(errors[s][c]) ? Double.NaN : errors[s][c];
    }

    private String label(double v) {
        return Double.isFinite(v) ? String.format(java.util.Locale.ROOT, labelFormat, v) : "";
    }

    public List<String> categories() {
        return categories;
    }

    @Override
    public int traceCount() {
        return seriesNames.size();
    }

    @Override
    public tech.tablesaw.plotly.components.Figure plotly() {
        Layout layout = Layout.builder().title(forJsplot(title)).width(width).height(height).barMode(Layout.BarMode.GROUP)
                .showLegend(seriesNames.size() > 1).xAxis(Axis.builder().title(forJsplot(xTitle)).build())
                .yAxis(Axis.builder().title(forJsplot(yTitle)).build()).build();
        Trace[] traces = new Trace[seriesNames.size()];
        for (int s = 0; s < traces.length; s++) {
            traces[s] = BarTrace.builder(categories.toArray(), values[s]).name(seriesNames.get(s)).build();
        }
        return new tech.tablesaw.plotly.components.Figure(layout, traces);
    }

    @Override
    protected Map<String, Object> layoutPatch() {
        Map<String, Object> m = baseLayoutPatch();
        m.put("margin", Map.of("l", 70, "r", 20, "t", 50, "b", 70));
        // automargin keeps long, rotated labels off the axis title
        m.put("xaxis", Map.of("type", "category", "title", Map.of("text", plotlyText(xTitle)), "automargin", true));
        m.put("yaxis", Map.of("title", Map.of("text", plotlyText(yTitle))));
        return m;
    }

    @Override
    protected List<Map<String, Object>> tracePatches() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int s = 0; s < seriesNames.size(); s++) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("name", plotlyText(seriesNames.get(s)));
            p.put("x", plotlyText(categories)); // exact labels, escaped as in heatmaps: ticks and hover show them literally
            p.put("y", values[s]);
            if (errors != null) {
                List<Double> e = new ArrayList<>();
                for (int c = 0; c < categories.size(); c++) {
                    e.add(error(s, c));                          // NaN is written as null: no whisker
                }
                // no caps: plotly draws a capped zero-length whisker where a half-width is null
                p.put("error_y", Map.of("type", "data", "array", e, "visible", true, "color", "#333", "thickness", 2,
                        "width", 0));
            }
            if (labelFormat != null) {
                List<String> text = new ArrayList<>();
                for (double v : values[s]) {
                    text.add(label(v));
                }
                p.put("text", text);
                p.put("textposition", "outside");
                p.put("cliponaxis", false);
            }
            out.add(p);
        }
        return out;
    }

    @Override
    public String svg() {
        double left = 70, right = seriesNames.size() > 1 ? 20 + legendWidth() : 20, top = 50, bottom = 70;
        double pw = width - left - right, ph = height - top - bottom;
        double lo = 0, hi = 0;
        for (int s = 0; s < values.length; s++) {
            for (int c = 0; c < values[s].length; c++) {
                double v = values[s][c];
                if (Double.isFinite(v)) {
                    double e = Double.isFinite(error(s, c)) ? error(s, c) : 0;
                    lo = Math.min(lo, v - e);
                    hi = Math.max(hi, v + e);
                }
            }
        }
        if (hi == lo) {
            hi = lo + 1;
        }
        double pad = (hi - lo) * 0.05;
        hi += hi > 0 ? pad : 0;
        lo -= lo < 0 ? pad : 0;
        final double flo = lo, fhi = hi;
        java.util.function.DoubleUnaryOperator sy = v -> top + ph - (v - flo) / (fhi - flo) * ph;

        StringBuilder sb = new StringBuilder();
        Svg.open(sb, width, height, title);
        for (double t : Svg.linearTicks(lo, hi, 5)) {
            double py = sy.applyAsDouble(t);
            Svg.line(sb, left, py, left + pw, py, t == 0 ? "#444" : "#eee", 1);
            Svg.text(sb, left - 6, py + 4, "end", Svg.label(t), "fill=\"#444\"");
        }
        int nc = categories.size(), ns = seriesNames.size();
        double slot = pw / nc, groupW = slot * 0.8, barW = groupW / ns;
        for (int c = 0; c < nc; c++) {
            double gx = left + c * slot + (slot - groupW) / 2;
            for (int s = 0; s < ns; s++) {
                double v = values[s][c];
                if (!Double.isFinite(v)) {
                    continue;
                }
                double y0 = sy.applyAsDouble(Math.max(v, 0)), y1 = sy.applyAsDouble(Math.min(v, 0));
                sb.append("<rect class=\"bar\" x=\"").append(Svg.f(gx + s * barW)).append("\" y=\"").append(Svg.f(y0))
                        .append("\" width=\"").append(Svg.f(barW)).append("\" height=\"").append(Svg.f(y1 - y0))
                        .append("\" fill=\"").append(Svg.COLORWAY.get(s % Svg.COLORWAY.size())).append("\"><title>")
                        .append(Svg.esc(categories.get(c) + ", " + seriesNames.get(s) + ": " + Svg.label(v)))
                        .append("</title></rect>");
                double e = error(s, c);
                if (Double.isFinite(e) && e > 0) {
                    double cx = gx + s * barW + barW / 2, ya = sy.applyAsDouble(v - e), yb = sy.applyAsDouble(v + e);
                    Svg.line(sb, cx, ya, cx, yb, "#333", 1.5);
                    Svg.line(sb, cx - barW / 6, ya, cx + barW / 6, ya, "#333", 1.5);
                    Svg.line(sb, cx - barW / 6, yb, cx + barW / 6, yb, "#333", 1.5);
                }
                if (labelFormat != null) {
                    Svg.text(sb, gx + s * barW + barW / 2, y0 - 3, "middle", label(v), "fill=\"#444\" font-size=\"10\"");
                }
            }
            Svg.text(sb, left + c * slot + slot / 2, top + ph + 16, "middle", categories.get(c), "fill=\"#444\"");
        }
        Svg.text(sb, left + pw / 2, height - 14, "middle", xTitle, "fill=\"#444\" font-size=\"13\"");
        Svg.text(sb, 16, top + ph / 2, "middle", yTitle,
                "fill=\"#444\" font-size=\"13\" transform=\"rotate(-90 16 " + Svg.f(top + ph / 2) + ")\"");
        if (ns > 1) {
            double lx = width - legendWidth() + 4;
            for (int s = 0; s < ns; s++) {
                double ly = top + 10 + s * 19;
                sb.append("<rect x=\"").append(Svg.f(lx)).append("\" y=\"").append(Svg.f(ly - 10)).append("\" width=\"14\" height=\"12\" fill=\"")
                        .append(Svg.COLORWAY.get(s % Svg.COLORWAY.size())).append("\"/>");
                Svg.legendText(sb, lx + 20, ly, seriesNames.get(s), width - lx - 20 - 4);
            }
        }
        sb.append("</svg>");
        return sb.toString();
    }

    private double legendWidth() {
        return Svg.legendWidth(seriesNames, 30, width);
    }
}
