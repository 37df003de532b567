package org.attnlab.viz;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.HeatmapTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * One or more heatmap panels sharing one color scale: an attention pattern (rows = query tokens,
 * columns = key tokens, row 0 at the top), a grid of heads, or a layer x head score grid. Hovering a
 * cell shows its row, column and value. Made by {@link Plots#heatmap}, {@link Plots#heatmaps} and
 * {@link Plots#headGrid}.
 */
public final class HeatmapFigure extends Figure {

    /** One panel: z[row][col] with a label per row and per column. */
    public record Panel(String title, double[][] z, List<String> rowLabels, List<String> colLabels) {
        public Panel {
            if (z.length != rowLabels.size()) {
                throw new IllegalArgumentException("panel '" + title + "' has " + z.length + " rows but "
                        + rowLabels.size() + " row labels");
            }
            for (int r = 0; r < z.length; r++) {
                if (z[r].length != colLabels.size()) {
                    throw new IllegalArgumentException("panel '" + title + "' row " + r + " has " + z[r].length
                            + " values but there are " + colLabels.size() + " column labels");
                }
            }
        }
    }

    private final List<Panel> panels;
    private final int columns;
    private final String rowName;
    private final String colName;
    private String valueName;
    private final boolean tokenAxes; // token labels: x labels rotated, one label per cell
    private double zMin;
    private double zMax;
    private boolean showValues;
    private boolean sized;

    HeatmapFigure(String title, List<Panel> panels, int columns, String rowName, String colName, String valueName,
            boolean tokenAxes) {
        super(title, 400, 400);
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a heatmap figure needs at least one panel");
        }
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        }
        this.panels = List.copyOf(panels);
        this.columns = Math.min(columns, panels.size());
        this.rowName = rowName;
        this.colName = colName;
        this.valueName = valueName;
        this.tokenAxes = tokenAxes;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Panel p : panels) {
            for (double[] row : p.z()) {
                for (double v : row) {
                    if (Double.isFinite(v)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        if (lo > hi) {
            lo = 0;
            hi = 1;
        }
        this.zMin = lo;
        this.zMax = hi > lo ? hi : lo + 1;
        this.sized = false; // super(...) went through our size() override
        autoSize();
    }

    /** Names what the colours show (the colour bar's title and the hover label), e.g. "score" instead of "weight". */
    public HeatmapFigure valueName(String name) {
        this.valueName = java.util.Objects.requireNonNull(name, "name");
        autoSize(); // the colour bar's title takes room at the right
        return this;
    }

    /** Fixes the color range (values outside are clamped to the end colors). */
    public HeatmapFigure range(double min, double max) {
        if (!(max > min)) {
            throw new IllegalArgumentException("color range needs min < max, got [" + min + ", " + max + "]");
        }
        this.zMin = min;
        this.zMax = max;
        autoSize(); // the colour bar's tick labels take room at the right
        return this;
    }

    /** Writes each cell's value in the cell (for small grids such as layer x head scores). */
    public HeatmapFigure showValues() {
        this.showValues = true;
        return this;
    }

    @Override
    public HeatmapFigure title(String newTitle) {
        super.title(newTitle);
        autoSize(); // the title's height is part of the automatic size
        return this;
    }

    @Override
    public HeatmapFigure size(int newWidth, int newHeight) {
        super.size(newWidth, newHeight);
        sized = true;
        return this;
    }

    public List<Panel> panels() {
        return panels;
    }

    public double zMin() {
        return zMin;
    }

    public double zMax() {
        return zMax;
    }

    @Override
    public int traceCount() {
        return panels.size();
    }

    private int rows() {
        return (panels.size() + columns - 1) / columns;
    }

    // ---- geometry shared by the SVG and the plotly layout (pixels) ----

    /** Tick label size: about three quarters of a cell, between 7 and 12 px. */
    private double labelFont() {
        int n = 1;
        for (Panel p : panels) {
            n = Math.max(n, Math.max(p.rowLabels().size(), p.colLabels().size()));
        }
        // the panel size without margins is not known before the font is: estimate it from the figure size
        double panel = Math.min((width - 180.0) / columns, (height - 140.0) / rows());
        return Math.max(7, Math.min(12, 0.75 * panel / n));
    }

    /** The smallest tick label a class can read from the back; a non-token axis shows fewer labels, never smaller ones. */
    static final double MIN_READABLE_FONT = 10;

    /**
     * Label size of the row axis ({@code rowsSide}) or the column axis: token axes as {@link #labelFont()} (every
     * token labelled); other axes (heads, layers, steps) about three quarters of a row or column, between
     * {@value #MIN_READABLE_FONT} and 12 px, every {@link #rowStep()}-th / {@link #colStep()}-th labelled when they
     * are thinner than that.
     */
    private double axisFont(boolean rowsSide) {
        if (tokenAxes) {
            return labelFont();
        }
        int n = 1;
        for (Panel p : panels) {
            n = Math.max(n, (rowsSide ? p.rowLabels() : p.colLabels()).size());
        }
        double panel = rowsSide ? (height - 140.0) / rows() : (width - 180.0) / columns;
        return Math.max(MIN_READABLE_FONT, Math.min(12, 0.75 * panel / n));
    }

    private double rowFont() {
        return axisFont(true);
    }

    private double colFont() {
        return axisFont(false);
    }

    /** Every how many rows a label is drawn: 1 (all) unless rows are thinner than a label line. */
    int rowStep() {
        if (tokenAxes) {
            return 1;
        }
        double[] b = box(0);
        int n = panels.get(0).rowLabels().size();
        return Math.max(1, (int) Math.ceil(rowFont() * 1.2 / ((b[3] - b[1]) / n) - 1e-9));
    }

    /** Every how many columns a label is drawn: 1 (all) unless the widest label is wider than a column. */
    int colStep() {
        if (tokenAxes) {
            return 1;
        }
        double[] b = box(0);
        int n = panels.get(0).colLabels().size();
        double widest = 0;
        for (Panel p : panels) {
            for (String s : p.colLabels()) {
                widest = Math.max(widest, Svg.textWidth(s, colFont()));
            }
        }
        return Math.max(1, (int) Math.ceil((widest + 6) / ((b[2] - b[0]) / n) - 1e-9));
    }

    /** The labels drawn on an axis: every {@code step}-th of {@code labels} (made unique for plotly). */
    private static List<String> everyNth(List<String> labels, int step) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < labels.size(); i += step) {
            out.add(labels.get(i));
        }
        return out;
    }

    private double maxLabelWidth(boolean rowsSide) {
        double w = 0;
        double font = rowsSide ? rowFont() : colFont();
        for (Panel p : panels) {
            for (String s : rowsSide ? p.rowLabels() : p.colLabels()) {
                w = Math.max(w, Svg.textWidth(s, font));
            }
        }
        // a token axis is cut at 120 px (a long token must not eat the map); names of rows (a relation and its
        // baseline, "determiner (2: 0.60)") get the room they need, or the axis title is drawn over them
        return Math.min(w, tokenAxes ? 120 : 220);
    }

    private double marginLeft() {
        return maxLabelWidth(true) + 14 + (rowName.isEmpty() ? 0 : 20);
    }

    private double marginBottom() {
        double labels = tokenAxes ? maxLabelWidth(false) : colFont();
        return labels + 14 + (colName.isEmpty() ? 0 : 22);
    }

    private double marginTop() {
        return (title.isEmpty() ? 16 : 46) + (panels.size() > 1 ? 20 : 0);
    }

    /** The colour bar's ticks: nice values over the colour range, the same in plotly and the static image. */
    private double[] colorTicks() {
        return Svg.linearTicks(zMin, zMax, 5);
    }

    /** The widest colour-bar tick label at 11 px. */
    private double colorTickWidth() {
        double w = 0;
        for (double t : colorTicks()) {
            w = Math.max(w, Svg.textWidth(Svg.label(t), 11));
        }
        return w;
    }

    /** Where the colour bar's title starts, from the plot's right edge: past the bar and its tick labels. */
    private double colorTitleOffset() {
        return 10 + 14 + 4 + colorTickWidth() + 6;
    }

    /**
     * The right margin: the gap, the colour bar, its tick labels and its title (rotated, so one line high), at least
     * 86 px; wide tick labels (0.1588) widen it instead of running into the title.
     */
    private double marginRight() {
        double title = valueName.isEmpty() ? 0 : colorTitleLines().size() * (colorTitleFont() + 3) + 6;
        return Math.max(86, colorTitleOffset() + title);
    }

    /** The colour bar's height: the plot's. */
    private double colorBarHeight() {
        return height - marginTop() - marginBottom();
    }

    /** The colour bar's title size: 12 px, smaller (to 9 px) when it is longer than the bar. */
    private double colorTitleFont() {
        return Svg.fitFont(valueName, colorBarHeight(), 12, 9);
    }

    /** The colour bar's title, in two lines when even 9 px is longer than the bar. */
    private List<String> colorTitleLines() {
        return Svg.fitLines(valueName, colorBarHeight(), 12, 9);
    }

    private static final double GAP_X = 14;

    private double gapY() {
        return panels.size() > 1 ? 26 : 0;
    }

    private void autoSize() {
        if (sized) {
            return;
        }
        int n = 1;
        for (Panel p : panels) {
            n = Math.max(n, Math.max(p.rowLabels().size(), p.colLabels().size()));
        }
        double cell = Math.max(6, Math.min(tokenAxes ? 26 : 40, (panels.size() > 1 ? 200.0 : 380.0) / n));
        double panel = cell * n;
        // margins depend on the font, which depends on size: two rounds settle it
        for (int i = 0; i < 2; i++) {
            width = (int) Math.ceil(marginLeft() + columns * panel + (columns - 1) * GAP_X + marginRight());
            height = (int) Math.ceil(marginTop() + rows() * panel + (rows() - 1) * gapY() + marginBottom());
            width = Math.max(width, 320);
            height = Math.max(height, 240);
        }
    }

    /** Panel k's box in pixels: {x0, y0, x1, y1} with y growing down. */
    private double[] box(int k) {
        double l = marginLeft(), t = marginTop();
        double pw = (width - l - marginRight() - (columns - 1) * GAP_X) / columns;
        double ph = (height - t - marginBottom() - (rows() - 1) * gapY()) / rows();
        int r = k / columns, c = k % columns;
        double x0 = l + c * (pw + GAP_X), y0 = t + r * (ph + gapY());
        return new double[] {x0, y0, x0 + pw, y0 + ph};
    }

    /** Labels made unique for plotly's category axes by appending zero-width spaces to repeats. */
    static List<String> uniqueLabels(List<String> labels) {
        Map<String, Integer> seen = new HashMap<>();
        List<String> out = new ArrayList<>(labels.size());
        for (String s : labels) {
            String base = s.isEmpty() ? "\u2205" : s;
            int k = seen.merge(base, 1, Integer::sum) - 1;
            out.add(base + "\u200b".repeat(k));
        }
        return out;
    }

    // ---- plotly ----

    @Override
    public tech.tablesaw.plotly.components.Figure plotly() {
        Layout layout = Layout.builder().title(forJsplot(title)).width(width).height(height).showLegend(false).build();
        Trace[] traces = new Trace[panels.size()];
        for (int k = 0; k < traces.length; k++) {
            Panel p = panels.get(k);
            // labels go in through our patch (JSON-escaped); jsplot gets positions and the values
            Object[] xs = new Object[p.colLabels().size()];
            Object[] ys = new Object[p.rowLabels().size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = i;
            }
            for (int i = 0; i < ys.length; i++) {
                ys[i] = i;
            }
            traces[k] = HeatmapTrace.builder(xs, ys, fourDigits(p.z())).xAxis(axisRef("x", k)).yAxis(axisRef("y", k)).build();
        }
        return new tech.tablesaw.plotly.components.Figure(layout, traces);
    }

    /** z to 4 significant digits (what hover shows): float weights widened to double print 17 digits. */
    static double[][] fourDigits(double[][] z) {
        double[][] out = new double[z.length][];
        for (int r = 0; r < z.length; r++) {
            out[r] = new double[z[r].length];
            for (int c = 0; c < z[r].length; c++) {
                double v = z[r][c];
                out[r][c] = Double.isFinite(v) && v != 0 ? Double.parseDouble(String.format(Locale.ROOT, "%.4g", v)) : v;
            }
        }
        return out;
    }

    private static String axisRef(String letter, int k) {
        return k == 0 ? letter : letter + (k + 1);
    }

    private static String axisKey(String letter, int k) {
        return letter + "axis" + (k == 0 ? "" : String.valueOf(k + 1));
    }

    @Override
    protected Map<String, Object> layoutPatch() {
        Map<String, Object> m = baseLayoutPatch();
        double l = marginLeft(), t = marginTop(), b = marginBottom();
        double plotW = width - l - marginRight(), plotH = height - t - b;
        m.put("margin", Map.of("l", l, "r", marginRight(), "t", t, "b", b, "pad", 0));
        Map<String, Object> colorbar = new LinkedHashMap<>();
        colorbar.put("thickness", 14);
        colorbar.put("len", 1);
        colorbar.put("x", 1 + 10 / plotW);
        colorbar.put("xpad", 0);
        // our ticks, so that their width is known: the title is placed past them (plotly's own colour-bar title can
        // sit on tick labels such as 0.1588)
        List<Double> tickVals = new ArrayList<>();
        List<String> tickText = new ArrayList<>();
        for (double tv : colorTicks()) {
            tickVals.add(tv);
            tickText.add(Svg.label(tv));
        }
        colorbar.put("tickmode", "array");
        colorbar.put("tickvals", tickVals);
        colorbar.put("ticktext", tickText);
        colorbar.put("tickfont", Map.of("size", 11));
        m.put("coloraxis", Map.of("colorscale", Svg.viridisScale(), "cmin", zMin, "cmax", zMax, "colorbar", colorbar));
        List<Object> annotations = new ArrayList<>();
        if (!valueName.isEmpty()) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("text", String.join("<br>", plotlyText(colorTitleLines())));
            a.put("textangle", 90);
            a.put("showarrow", false);
            a.put("xref", "paper");
            a.put("yref", "paper");
            a.put("x", 1 + colorTitleOffset() / plotW);
            a.put("y", 0.5);
            a.put("xanchor", "left");
            a.put("yanchor", "middle");
            a.put("font", Map.of("size", colorTitleFont(), "color", "#444"));
            annotations.add(a);
        }
        double rowFont = rowFont(), colFont = colFont();
        int rowStep = rowStep(), colStep = colStep();
        for (int k = 0; k < panels.size(); k++) {
            double[] bx = box(k);
            boolean leftCol = k % columns == 0;
            boolean bottomRow = k / columns == rows() - 1 || k + columns >= panels.size();
            Map<String, Object> xa = new LinkedHashMap<>();
            xa.put("domain", List.of((bx[0] - l) / plotW, (bx[2] - l) / plotW));
            xa.put("anchor", axisRef("y", k));
            xa.put("type", "category");
            xa.put("tickmode", "array"); // every label, never thinned out
            xa.put("tickvals", plotlyText(everyNth(uniqueLabels(panels.get(k).colLabels()), colStep)));
            xa.put("showticklabels", bottomRow);
            xa.put("tickfont", Map.of("size", colFont));
            xa.put("tickangle", tokenAxes ? -90 : 0);
            xa.put("showgrid", false);
            xa.put("zeroline", false);
            xa.put("ticks", "");
            xa.put("automargin", false);
            xa.put("title", Map.of("text", bottomRow ? plotlyText(colName) : ""));
            Map<String, Object> ya = new LinkedHashMap<>();
            ya.put("domain", List.of(1 - (bx[3] - t) / plotH, 1 - (bx[1] - t) / plotH));
            ya.put("anchor", axisRef("x", k));
            ya.put("type", "category");
            ya.put("tickmode", "array");
            ya.put("tickvals", plotlyText(everyNth(uniqueLabels(panels.get(k).rowLabels()), rowStep)));
            ya.put("autorange", "reversed");
            ya.put("showticklabels", leftCol);
            ya.put("tickfont", Map.of("size", rowFont));
            ya.put("showgrid", false);
            ya.put("zeroline", false);
            ya.put("ticks", "");
            ya.put("automargin", false);
            ya.put("title", Map.of("text", leftCol ? plotlyText(rowName) : ""));
            m.put(axisKey("x", k), xa);
            m.put(axisKey("y", k), ya);
            if (panels.size() > 1) {
                annotations.add(Map.of("text", plotlyText(panels.get(k).title()), "showarrow", false, "xref", "paper", "yref", "paper",
                        "x", ((bx[0] + bx[2]) / 2 - l) / plotW, "y", 1 - (bx[1] - t) / plotH, "xanchor", "center",
                        "yanchor", "bottom", "font", Map.of("size", 12)));
            }
        }
        m.put("annotations", annotations);
        return m;
    }

    @Override
    protected List<Map<String, Object>> tracePatches() {
        List<Map<String, Object>> out = new ArrayList<>();
        String hover = (rowName.isEmpty() ? "" : rowName + " ") + "%{y} \u2192 " + (colName.isEmpty() ? "" : colName + " ")
                + "%{x}<br>" + (valueName.isEmpty() ? "value" : valueName) + " %{z:.4g}<extra>%{fullData.name}</extra>";
        for (Panel p : panels) {
            Map<String, Object> tp = new LinkedHashMap<>();
            // categories escaped (plotly shows "&lt;s&gt;" as "<s>"), so tick labels and hover text stay literal
            tp.put("x", plotlyText(uniqueLabels(p.colLabels())));
            tp.put("y", plotlyText(uniqueLabels(p.rowLabels())));
            tp.put("name", plotlyText(p.title()));
            tp.put("coloraxis", "coloraxis");
            tp.put("hovertemplate", hover);
            tp.put("xgap", 0);
            tp.put("ygap", 0);
            if (showValues) {
                tp.put("texttemplate", "%{z:.2f}");
                tp.put("textfont", Map.of("size", 11));
            }
            out.add(tp);
        }
        return out;
    }

    // ---- static SVG ----

    /** Above this many cells in all panels, the static image draws cells as a PNG, not one rect each. */
    static final int MAX_SVG_CELLS = 2048;

    private int cellCount() {
        int n = 0;
        for (Panel p : panels) {
            n += p.rowLabels().size() * p.colLabels().size();
        }
        return n;
    }

    /** z as a PNG with one viridis pixel per cell, base64. */
    private String cellsPng(double[][] z) {
        int nr = z.length, nc = z.length == 0 ? 0 : z[0].length;
        BufferedImage img = new BufferedImage(Math.max(1, nc), Math.max(1, nr), BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < nr; r++) {
            for (int c = 0; c < nc; c++) {
                img.setRGB(c, r, Integer.parseInt(Svg.viridis((z[r][c] - zMin) / (zMax - zMin)).substring(1), 16));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    @Override
    public String svg() {
        StringBuilder sb = new StringBuilder();
        Svg.open(sb, width, height, title);
        double rowFont = rowFont(), colFont = colFont();
        int rowStep = rowStep(), colStep = colStep();
        double l = marginLeft(), t = marginTop(), b = marginBottom();
        boolean raster = cellCount() > MAX_SVG_CELLS;
        for (int k = 0; k < panels.size(); k++) {
            Panel p = panels.get(k);
            double[] bx = box(k);
            int nr = p.rowLabels().size(), nc = p.colLabels().size();
            double cw = (bx[2] - bx[0]) / nc, ch = (bx[3] - bx[1]) / nr;
            sb.append("<g class=\"panel\" shape-rendering=\"crispEdges\">");
            if (panels.size() > 1) {
                Svg.text(sb, (bx[0] + bx[2]) / 2, bx[1] - 6, "middle", p.title(), "fill=\"#444\"");
            }
            if (raster) {
                // one pixel per cell, stretched: keeps big maps (many heads x long sequences) small
                sb.append("<image class=\"cells\" x=\"").append(Svg.f(bx[0])).append("\" y=\"").append(Svg.f(bx[1]))
                        .append("\" width=\"").append(Svg.f(bx[2] - bx[0])).append("\" height=\"").append(Svg.f(bx[3] - bx[1]))
                        .append("\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,")
                        .append(cellsPng(p.z())).append("\"/>");
            }
            for (int r = 0; r < nr && !raster; r++) {
                for (int c = 0; c < nc; c++) {
                    double v = p.z()[r][c];
                    sb.append("<rect class=\"cell\" x=\"").append(Svg.f(bx[0] + c * cw)).append("\" y=\"")
                            .append(Svg.f(bx[1] + r * ch)).append("\" width=\"").append(Svg.f(cw + 0.3))
                            .append("\" height=\"").append(Svg.f(ch + 0.3)).append("\" fill=\"")
                            .append(Svg.viridis((v - zMin) / (zMax - zMin))).append("\"><title>")
                            .append(Svg.esc(p.rowLabels().get(r) + " \u2192 " + p.colLabels().get(c) + ": " + Svg.label(v)))
                            .append("</title></rect>");
                    if (showValues && Double.isFinite(v)) {
                        double tnorm = (v - zMin) / (zMax - zMin);
                        Svg.text(sb, bx[0] + (c + 0.5) * cw, bx[1] + (r + 0.5) * ch + 4, "middle",
                                String.format(java.util.Locale.ROOT, "%.2f", v),
                                "font-size=\"11\" fill=\"" + (tnorm > 0.6 ? "#000" : "#fff") + "\"");
                    }
                }
            }
            if (k % columns == 0) {
                for (int r = 0; r < nr; r += rowStep) {
                    Svg.text(sb, bx[0] - 4, bx[1] + (r + 0.5) * ch + rowFont * 0.35, "end", p.rowLabels().get(r),
                            "font-size=\"" + Svg.f(rowFont) + "\" fill=\"#444\"");
                }
            }
            if (k / columns == rows() - 1 || k + columns >= panels.size()) {
                for (int c = 0; c < nc; c += colStep) {
                    double x = bx[0] + (c + 0.5) * cw, y = bx[3] + 4;
                    if (tokenAxes) {
                        Svg.text(sb, x + colFont * 0.35, y, "end", p.colLabels().get(c), "font-size=\"" + Svg.f(colFont)
                                + "\" fill=\"#444\" transform=\"rotate(-90 " + Svg.f(x + colFont * 0.35) + " " + Svg.f(y) + ")\"");
                    } else {
                        Svg.text(sb, x, y + colFont, "middle", p.colLabels().get(c), "font-size=\"" + Svg.f(colFont) + "\" fill=\"#444\"");
                    }
                }
            }
            sb.append("</g>");
        }
        if (!colName.isEmpty()) {
            Svg.text(sb, (l + width - marginRight()) / 2, height - 8, "middle", colName, "fill=\"#444\" font-size=\"13\"");
        }
        if (!rowName.isEmpty()) {
            double cy = (t + height - b) / 2;
            Svg.text(sb, 14, cy, "middle", rowName, "fill=\"#444\" font-size=\"13\" transform=\"rotate(-90 14 " + Svg.f(cy) + ")\"");
        }
        // color bar: 32 steps, ticks at nice values
        double bx0 = width - marginRight() + 10, by0 = t, bh = height - t - b;
        int steps = 32;
        for (int i = 0; i < steps; i++) {
            double f0 = (double) i / steps;
            sb.append("<rect x=\"").append(Svg.f(bx0)).append("\" y=\"").append(Svg.f(by0 + bh * (1 - f0 - 1.0 / steps)))
                    .append("\" width=\"14\" height=\"").append(Svg.f(bh / steps + 0.3)).append("\" fill=\"")
                    .append(Svg.viridis(f0 + 0.5 / steps)).append("\"/>");
        }
        for (double tv : colorTicks()) {
            double y = by0 + bh * (1 - (tv - zMin) / (zMax - zMin));
            Svg.text(sb, bx0 + 18, y + 4, "start", Svg.label(tv), "font-size=\"11\" fill=\"#444\"");
        }
        if (!valueName.isEmpty()) {
            double tfont = colorTitleFont();
            List<String> lines = colorTitleLines();
            double cy = by0 + bh / 2;
            for (int i = 0; i < lines.size(); i++) {
                // rotated 90 degrees: the glyphs rise to the right of their baseline x, and a next line sits to the
                // left (as plotly lays out a rotated <br>), so the first line is the rightmost
                double cx = width - marginRight() + colorTitleOffset() + (lines.size() - 1 - i) * (tfont + 3);
                Svg.text(sb, cx, cy, "middle", lines.get(i), "font-size=\"" + Svg.f(tfont) + "\" fill=\"#444\" transform=\"rotate(90 "
                        + Svg.f(cx) + " " + Svg.f(cy) + ")\"");
            }
        }
        sb.append("</svg>");
        return sb.toString();
    }
}
