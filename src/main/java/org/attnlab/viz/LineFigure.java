package org.attnlab.viz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Lines, one per series: training curves (step vs loss, one line per run; {@link #logY()} for losses
 * spanning decades) and accuracy-by-length curves (markers, y fixed to [0, 1], optional marker of the
 * training length). Made by {@link Plots#lines} and {@link Plots#accuracyByLength}.
 */
public final class LineFigure extends Figure {

    /** One line: its legend name and points (NaN y values are gaps). */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values but "
                        + y.length + " y values");
            }
        }
    }

    private final List<Series> series;
    private final String xTitle;
    private final String yTitle;
    private boolean logY;
    private boolean markers;
    private boolean integerX;
    private Double yMin;
    private Double yMax;
    private Double verticalMark;
    private String verticalMarkLabel;

    LineFigure(String title, List<Series> series, String xTitle, String yTitle) {
        super(title, 720, 420);
        if (series.isEmpty()) {
            throw new IllegalArgumentException("a line figure needs at least one series");
        }
        this.series = List.copyOf(series);
        this.xTitle = xTitle;
        this.yTitle = yTitle;
    }

    /** Log-scale y axis (values <= 0 are left out of the static image, as plotly.js does). */
    public LineFigure logY() {
        this.logY = true;
        return this;
    }

    /** Draws a marker at each point as well as the line. */
    public LineFigure markers() {
        this.markers = true;
        return this;
    }

    /**
     * Ticks on the x axis at whole numbers only: for an axis of layers, heads or counts, where a tick at 0.5 would
     * name a thing that does not exist. {@link Plots#lines} declares it for an integer x column.
     */
    public LineFigure integerX() {
        this.integerX = true;
        return this;
    }

    /** Whether the x axis is ticked at whole numbers only ({@link #integerX()}). */
    public boolean isIntegerX() {
        return integerX;
    }

    /** Fixes the y range (linear axis units) instead of fitting it to the data. */
    public LineFigure yRange(double min, double max) {
        if (!(max > min)) {
            throw new IllegalArgumentException("yRange needs min < max, got [" + min + ", " + max + "]");
        }
        this.yMin = min;
        this.yMax = max;
        return this;
    }

    /** A dashed vertical line at x (e.g. the longest training length), labelled. */
    public LineFigure markX(double x, String label) {
        this.verticalMark = x;
        this.verticalMarkLabel = label == null ? "" : label;
        return this;
    }

    @Override
    public LineFigure title(String newTitle) {
        super.title(newTitle);
        return this;
    }

    @Override
    public LineFigure size(int newWidth, int newHeight) {
        super.size(newWidth, newHeight);
        return this;
    }

    public List<Series> series() {
        return series;
    }

    @Override
    public int traceCount() {
        return series.size();
    }

    @Override
    public tech.tablesaw.plotly.components.Figure plotly() {
        Axis.AxisBuilder y = Axis.builder().title(forJsplot(yTitle));
        if (logY) {
            y.type(Axis.Type.LOG);
        }
        Layout layout = Layout.builder().title(forJsplot(title)).width(width).height(height).showLegend(series.size() > 1)
                .xAxis(Axis.builder().title(forJsplot(xTitle)).build()).yAxis(y.build()).build();
        Trace[] traces = new Trace[series.size()];
        for (int i = 0; i < traces.length; i++) {
            Series s = series.get(i);
            traces[i] = ScatterTrace.builder(s.x(), s.y()).name(s.name())
                    .mode(markers ? ScatterTrace.Mode.LINE_AND_MARKERS : ScatterTrace.Mode.LINE).build();
        }
        return new tech.tablesaw.plotly.components.Figure(layout, traces);
    }

    @Override
    protected Map<String, Object> layoutPatch() {
        Map<String, Object> m = baseLayoutPatch();
        m.put("margin", Map.of("l", 70, "r", 20, "t", 50, "b", 55));
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("title", Map.of("text", plotlyText(xTitle)));
        double[] range = xRange();
        if (integerX) { // plotly's own ticks go to 0.5 on a short axis: whole steps from 0, as the static image's
            x.put("tick0", 0);
            x.put("dtick", Svg.integerTickStep(range[0], range[1], 6));
        }
        if (verticalMark != null) { // plotly widens its autorange to fit the mark's label: the axis ends at the data
            double lo = range[0] == range[1] ? range[0] - 1 : range[0], hi = range[0] == range[1] ? range[1] + 1 : range[1];
            double pad = markers ? 0.02 * (hi - lo) : 0; // room for a marker at either end, as plotly's autorange leaves
            x.put("range", List.of(lo - pad, hi + pad));
        }
        m.put("xaxis", x);
        Map<String, Object> y = new LinkedHashMap<>();
        y.put("title", Map.of("text", plotlyText(yTitle)));
        if (yMin != null) {
            y.put("range", logY ? List.of(Math.log10(yMin), Math.log10(yMax)) : List.of(yMin, yMax));
        }
        if (logY) {
            y.put("dtick", "D2");     // ticks at 1, 2, 5 of each decade, not at every digit
            y.put("tickformat", "~g"); // each labelled in full (0.5, not a bare "5" beside the decade's "1")
        }
        m.put("yaxis", y);
        if (verticalMark != null) {
            m.put("shapes", List.of(Map.of("type", "line", "x0", verticalMark, "x1", verticalMark, "yref", "paper",
                    "y0", 0, "y1", 1, "line", Map.of("dash", "dash", "color", "#888", "width", 1.5))));
            m.put("annotations", List.of(Map.of("x", verticalMark, "yref", "paper", "y", 1, "text", plotlyText(verticalMarkLabel),
                    "showarrow", false, "xanchor", markOnRight() ? "right" : "left", "yanchor", "bottom",
                    "font", Map.of("color", "#666"))));
        }
        return m;
    }

    /** Whether the vertical mark stands in the right half of the x range: its label then reads leftwards. */
    private boolean markOnRight() {
        double[] range = xRange();
        return verticalMark != null && verticalMark > (range[0] + range[1]) / 2;
    }

    @Override
    protected List<Map<String, Object>> tracePatches() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Series s : series) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("name", plotlyText(s.name())); // exact text (jsplot HTML-escapes names; plotly reads tags)
            out.add(p);
        }
        return out;
    }

    /** The x values' range (finite points, and the vertical mark), {0, 1} when there is none. */
    private double[] xRange() {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double v : s.x()) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (verticalMark != null) {
            lo = Math.min(lo, verticalMark);
            hi = Math.max(hi, verticalMark);
        }
        return lo > hi ? new double[] {0, 1} : new double[] {lo, hi};
    }

    @Override
    public String svg() {
        double left = 70, right = series.size() > 1 ? 20 + legendWidth() : 20, top = 50, bottom = 55;
        double pw = width - left - right, ph = height - top - bottom;
        double xlo = Double.POSITIVE_INFINITY, xhi = Double.NEGATIVE_INFINITY;
        double ylo = Double.POSITIVE_INFINITY, yhi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                double xv = s.x()[i], yv = s.y()[i];
                if (!Double.isFinite(xv) || !Double.isFinite(yv) || (logY && yv <= 0)) {
                    continue;
                }
                xlo = Math.min(xlo, xv);
                xhi = Math.max(xhi, xv);
                ylo = Math.min(ylo, yv);
                yhi = Math.max(yhi, yv);
            }
        }
        if (verticalMark != null) {
            xlo = Math.min(xlo, verticalMark);
            xhi = Math.max(xhi, verticalMark);
        }
        if (xlo > xhi) { // no finite point at all
            xlo = 0;
            xhi = 1;
            ylo = logY ? 1 : 0;
            yhi = logY ? 10 : 1;
        }
        if (yMin != null) {
            ylo = yMin;
            yhi = yMax;
        }
        if (xhi == xlo) {
            xlo -= 1;
            xhi += 1;
        }
        if (yhi == ylo) {
            ylo = logY ? ylo / 2 : ylo - 1;
            yhi = logY ? yhi * 2 : yhi + 1;
        }
        if (yMin == null && !logY) { // a little headroom, as plotly autorange gives
            double pad = (yhi - ylo) * 0.05;
            ylo -= pad;
            yhi += pad;
        }
        final double fxlo = xlo, fxhi = xhi;
        final double fylo = logY ? Math.log10(ylo) : ylo, fyhi = logY ? Math.log10(yhi) : yhi;
        java.util.function.DoubleUnaryOperator sx = v -> left + (v - fxlo) / (fxhi - fxlo) * pw;
        java.util.function.DoubleUnaryOperator sy = v -> top + ph - ((logY ? Math.log10(v) : v) - fylo) / (fyhi - fylo) * ph;

        StringBuilder sb = new StringBuilder();
        Svg.open(sb, width, height, title);
        sb.append("<rect x=\"").append(Svg.f(left)).append("\" y=\"").append(Svg.f(top)).append("\" width=\"")
                .append(Svg.f(pw)).append("\" height=\"").append(Svg.f(ph)).append("\" fill=\"#fff\" stroke=\"#ccc\"/>");
        for (double t : integerX ? Svg.integerTicks(xlo, xhi, 6) : Svg.linearTicks(xlo, xhi, 6)) {
            double px = sx.applyAsDouble(t);
            Svg.line(sb, px, top, px, top + ph, "#eee", 1);
            Svg.text(sb, px, top + ph + 16, "middle", Svg.label(t), "fill=\"#444\"");
        }
        double[] yt = logY ? Svg.logTicks(ylo, yhi) : Svg.linearTicks(ylo, yhi, 5);
        for (double t : yt) {
            double py = sy.applyAsDouble(t);
            Svg.line(sb, left, py, left + pw, py, "#eee", 1);
            Svg.text(sb, left - 6, py + 4, "end", Svg.label(t), "fill=\"#444\"");
        }
        Svg.text(sb, left + pw / 2, height - 12, "middle", xTitle, "fill=\"#444\" font-size=\"13\"");
        Svg.text(sb, 16, top + ph / 2, "middle", yTitle,
                "fill=\"#444\" font-size=\"13\" transform=\"rotate(-90 16 " + Svg.f(top + ph / 2) + ")\"");
        if (verticalMark != null) {
            double px = sx.applyAsDouble(verticalMark);
            sb.append("<line x1=\"").append(Svg.f(px)).append("\" y1=\"").append(Svg.f(top)).append("\" x2=\"")
                    .append(Svg.f(px)).append("\" y2=\"").append(Svg.f(top + ph))
                    .append("\" stroke=\"#888\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\"/>");
            boolean leftwards = markOnRight();
            Svg.text(sb, leftwards ? px - 3 : px + 3, top - 4, leftwards ? "end" : "start", verticalMarkLabel, "fill=\"#666\"");
        }
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String color = Svg.COLORWAY.get(k % Svg.COLORWAY.size());
            StringBuilder path = new StringBuilder();
            boolean pen = false;
            for (int i = 0; i < s.x().length; i++) {
                double xv = s.x()[i], yv = s.y()[i];
                if (!Double.isFinite(xv) || !Double.isFinite(yv) || (logY && yv <= 0)) {
                    pen = false;
                    continue;
                }
                path.append(pen ? " L" : " M").append(Svg.f(sx.applyAsDouble(xv))).append(',')
                        .append(Svg.f(sy.applyAsDouble(yv)));
                pen = true;
                if (markers) {
                    sb.append("<circle cx=\"").append(Svg.f(sx.applyAsDouble(xv))).append("\" cy=\"")
                            .append(Svg.f(sy.applyAsDouble(yv))).append("\" r=\"3.5\" fill=\"").append(color).append("\"/>");
                }
            }
            sb.append("<path class=\"series\" d=\"").append(path.toString().trim()).append("\" fill=\"none\" stroke=\"")
                    .append(color).append("\" stroke-width=\"2\"><title>").append(Svg.esc(s.name())).append("</title></path>");
        }
        if (series.size() > 1) {
            double lx = width - legendWidth() + 4;
            for (int k = 0; k < series.size(); k++) {
                double ly = top + 10 + k * 19;
                String color = Svg.COLORWAY.get(k % Svg.COLORWAY.size());
                Svg.line(sb, lx, ly - 4, lx + 22, ly - 4, color, 2);
                Svg.legendText(sb, lx + 28, ly, series.get(k).name(), width - lx - 28 - 4);
            }
        }
        sb.append("</svg>");
        return sb.toString();
    }

    private double legendWidth() {
        List<String> names = new ArrayList<>();
        for (Series s : series) {
            names.add(s.name());
        }
        return Svg.legendWidth(names, 40, width);
    }
}
