package org.attnlab.viz;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * The figures of this subject, from Tablesaw tables (long form: one row per point) or arrays. Each
 * returns a {@link Figure} that renders in a notebook, in a {@link Report}, and as a static SVG.
 *
 * <pre>{@code
 * Plots.lines(metrics, "step", "loss", "run").logY()          // training curves
 * Plots.bars(results, "variant", "value", "metric")           // grouped bars
 * Plots.heatmap(weights, tokens)                              // one attention pattern
 * Plots.heatmaps(headWeights, tokens, 4)                      // a grid of heads
 * Plots.headGrid(scores, "induction score")                   // layer x head
 * Plots.accuracyByLength(acc, "length", "accuracy", "variant").markX(64, "train")
 * }</pre>
 */
public final class Plots {

    private Plots() {
    }

    /** Lines of {@code y} against {@code x}, one per distinct value of {@code group} (null: a single line). */
    public static LineFigure lines(Table table, String x, String y, String group) {
        NumericColumn<?> xc = numeric(table, x);
        NumericColumn<?> yc = numeric(table, y);
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        Column<?> gc = group == null ? null : column(table, group);
        for (int i = 0; i < table.rowCount(); i++) {
            String key = gc == null ? y : gc.getString(i);
            points.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {xc.getDouble(i), yc.getDouble(i)});
        }
        List<LineFigure.Series> series = new ArrayList<>();
        points.forEach((name, pts) -> {
            pts.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] xs = new double[pts.size()];
            double[] ys = new double[pts.size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = pts.get(i)[0];
                ys[i] = pts.get(i)[1];
            }
            series.add(new LineFigure.Series(name, xs, ys));
        });
        if (series.isEmpty()) {
            throw new IllegalArgumentException("table '" + table.name() + "' has no rows to plot");
        }
        LineFigure figure = new LineFigure(y + " vs " + x, series, x, y);
        // an integer x column (layer, head, step, length) is ticked at whole numbers only
        String type = xc.type().name();
        return type.equals("INTEGER") || type.equals("LONG") || type.equals("SHORT") ? figure.integerX() : figure;
    }

    /** A single line of {@code y} against {@code x}. */
    public static LineFigure lines(Table table, String x, String y) {
        return lines(table, x, y, null);
    }

    /** Lines from arrays: one series per entry of {@code ys}, sharing {@code x}. */
    public static LineFigure lines(String title, String xTitle, double[] x, String yTitle, Map<String, double[]> ys) {
        List<LineFigure.Series> series = new ArrayList<>();
        ys.forEach((name, y) -> series.add(new LineFigure.Series(name, x, y)));
        return new LineFigure(title, series, xTitle, yTitle);
    }

    /**
     * Accuracy against sequence length, one line with markers per {@code group}; y axis fixed to [0, 1].
     * Mark the training length with {@link LineFigure#markX}.
     */
    public static LineFigure accuracyByLength(Table table, String length, String accuracy, String group) {
        return lines(table, length, accuracy, group).markers().yRange(0, 1.02).title(accuracy + " by " + length);
    }

    /**
     * Grouped bars: for each distinct {@code category} (x axis) one bar per distinct {@code group},
     * of height {@code value}. Missing combinations have no bar; repeated ones are averaged.
     */
    public static BarFigure bars(Table table, String category, String value, String group) {
        Column<?> cc = column(table, category);
        NumericColumn<?> vc = numeric(table, value);
        Column<?> gc = group == null ? null : column(table, group);
        List<String> cats = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        Map<String, double[]> sums = new LinkedHashMap<>(); // "group\0cat" -> {sum, count}
        for (int i = 0; i < table.rowCount(); i++) {
            String c = cc.getString(i);
            String g = gc == null ? value : gc.getString(i);
            if (!cats.contains(c)) {
                cats.add(c);
            }
            if (!groups.contains(g)) {
                groups.add(g);
            }
            double v = vc.getDouble(i);
            if (Double.isFinite(v)) {
                double[] acc = sums.computeIfAbsent(g + "\0" + c, k -> new double[2]);
                acc[0] += v;
                acc[1] += 1;
            }
        }
        double[][] values = new double[groups.size()][cats.size()];
        for (int g = 0; g < groups.size(); g++) {
            for (int c = 0; c < cats.size(); c++) {
                double[] acc = sums.get(groups.get(g) + "\0" + cats.get(c));
                values[g][c] = acc == null ? Double.NaN : acc[0] / acc[1];
            }
        }
        return new BarFigure(value + " by " + category, cats, groups, values, category, value);
    }

    /** Grouped bars from a wide table: one bar per listed numeric column, in each {@code category}. */
    public static BarFigure barsWide(Table table, String category, String... valueColumns) {
        if (valueColumns.length == 0) {
            throw new IllegalArgumentException("barsWide needs at least one value column; table has " + table.columnNames());
        }
        Column<?> cc = column(table, category);
        List<String> cats = new ArrayList<>();
        for (int i = 0; i < table.rowCount(); i++) {
            cats.add(cc.getString(i));
        }
        double[][] values = new double[valueColumns.length][];
        for (int s = 0; s < valueColumns.length; s++) {
            values[s] = numeric(table, valueColumns[s]).asDoubleArray();
        }
        return new BarFigure(String.join(", ", valueColumns) + " by " + category, cats, List.of(valueColumns), values,
                category, "");
    }

    /** One attention pattern: {@code weights[query][key]}, the same tokens on both axes. */
    public static HeatmapFigure heatmap(float[][] weights, List<String> tokens) {
        return heatmap(toDouble(weights), tokens, tokens);
    }

    /** One attention pattern from an array {@code [L, L]} (leading axes of size 1, e.g. {@code [1, 1, L, L]}, are dropped). */
    public static HeatmapFigure heatmap(NDArray weights, List<String> tokens) {
        return heatmap(matrix(weights), tokens);
    }

    /** A grid of patterns from an array {@code [P, L, L]} (e.g. the heads of one layer), one panel per name. */
    public static HeatmapFigure heatmaps(NDArray weights, List<String> panelNames, List<String> tokens, int columns) {
        long[] s = squeezeLeading(weights, 3);
        float[] flat = weights.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        int p = (int) s[0], rows = (int) s[1], cols = (int) s[2];
        float[][][] w = new float[p][rows][cols];
        for (int k = 0; k < p; k++) {
            for (int i = 0; i < rows; i++) {
                System.arraycopy(flat, (k * rows + i) * cols, w[k][i], 0, cols);
            }
        }
        return heatmaps(w, panelNames, tokens, columns);
    }

    /** A 2-d array ({@code [rows, cols]}, leading axes of size 1 dropped) as {@code float[rows][cols]}. */
    public static float[][] matrix(NDArray a) {
        long[] s = squeezeLeading(a, 2);
        float[] flat = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        int rows = (int) s[0], cols = (int) s[1];
        float[][] m = new float[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, m[i], 0, cols);
        }
        return m;
    }

    /** The last {@code keep} axes of {@code a}'s shape; every axis before them must have size 1. */
    private static long[] squeezeLeading(NDArray a, int keep) {
        long[] dims = a.getShape().getShape();
        if (dims.length < keep) {
            throw new IllegalArgumentException("expected an array with " + keep + " axes; got shape " + a.getShape());
        }
        for (int i = 0; i < dims.length - keep; i++) {
            if (dims[i] != 1) {
                throw new IllegalArgumentException("expected " + keep + " axes after leading axes of size 1; got shape "
                        + a.getShape() + " (select one batch/head first, e.g. weights.get(0, head))");
            }
        }
        return java.util.Arrays.copyOfRange(dims, dims.length - keep, dims.length);
    }

    /** One attention pattern with separate query (rows) and key (columns) tokens. */
    public static HeatmapFigure heatmap(double[][] weights, List<String> queryTokens, List<String> keyTokens) {
        return new HeatmapFigure("attention pattern",
                List.of(new HeatmapFigure.Panel("", weights, queryTokens, keyTokens)), 1, "query", "key", "weight", true);
    }

    /** A grid of heads: {@code weights[head][query][key]}, {@code columns} panels per row, one color scale. */
    public static HeatmapFigure heatmaps(float[][][] weights, List<String> tokens, int columns) {
        List<String> names = new ArrayList<>();
        for (int h = 0; h < weights.length; h++) {
            names.add("head " + h);
        }
        return heatmaps(weights, names, tokens, columns);
    }

    /** A grid of attention patterns with a name per panel (e.g. "L1 H3"). */
    public static HeatmapFigure heatmaps(float[][][] weights, List<String> panelNames, List<String> tokens, int columns) {
        if (weights.length != panelNames.size()) {
            throw new IllegalArgumentException(weights.length + " weight matrices but " + panelNames.size() + " panel names");
        }
        List<HeatmapFigure.Panel> panels = new ArrayList<>();
        for (int h = 0; h < weights.length; h++) {
            panels.add(new HeatmapFigure.Panel(panelNames.get(h), toDouble(weights[h]), tokens, tokens));
        }
        return new HeatmapFigure("attention patterns", panels, columns, "query", "key", "weight", true);
    }

    /**
     * Any grid of numbers {@code z[row][col]} with named axes and a named colour bar, e.g. a patching result
     * (layer x position, "recovered fraction") or a score over training (head x step).
     */
    public static HeatmapFigure grid(String title, double[][] z, List<String> rowLabels, String rowName,
                                     List<String> colLabels, String colName, String valueName) {
        return new HeatmapFigure(title, List.of(new HeatmapFigure.Panel("", z, rowLabels, colLabels)), 1, rowName,
                colName, valueName, false);
    }

    /** Head scores {@code scores[layer][head]}: rows are layers (L0 at the top), columns heads; values in cells. */
    public static HeatmapFigure headGrid(double[][] scores, String scoreName) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("headGrid needs at least one layer");
        }
        List<String> layers = new ArrayList<>();
        List<String> heads = new ArrayList<>();
        for (int l = 0; l < scores.length; l++) {
            layers.add("L" + l);
        }
        for (int h = 0; h < scores[0].length; h++) {
            heads.add("H" + h);
        }
        HeatmapFigure f = new HeatmapFigure(scoreName + " per head", List.of(new HeatmapFigure.Panel("", scores, layers, heads)),
                1, "layer", "head", scoreName, false);
        return scores.length * scores[0].length <= 256 ? f.showValues() : f;
    }

    /** Head scores from a long table with integer {@code layer} and {@code head} columns. */
    public static HeatmapFigure headGrid(Table table, String layer, String head, String score) {
        NumericColumn<?> lc = numeric(table, layer);
        NumericColumn<?> hc = numeric(table, head);
        NumericColumn<?> sc = numeric(table, score);
        if (table.rowCount() == 0 || lc.min() < 0 || hc.min() < 0) {
            throw new IllegalArgumentException("headGrid needs rows with layer and head indices >= 0; table '"
                    + table.name() + "' has " + table.rowCount() + " rows");
        }
        int nl = (int) lc.max() + 1, nh = (int) hc.max() + 1;
        double[][] grid = new double[nl][nh];
        for (double[] row : grid) {
            java.util.Arrays.fill(row, Double.NaN);
        }
        for (int i = 0; i < table.rowCount(); i++) {
            grid[(int) lc.getDouble(i)][(int) hc.getDouble(i)] = sc.getDouble(i);
        }
        return headGrid(grid, score);
    }

    static double[][] toDouble(float[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = a[i][j];
            }
        }
        return out;
    }

    private static Column<?> column(Table table, String name) {
        if (!table.containsColumn(name)) {
            throw new IllegalArgumentException("table '" + table.name() + "' has no column '" + name + "'; columns: "
                    + table.columnNames());
        }
        return table.column(name);
    }

    private static NumericColumn<?> numeric(Table table, String name) {
        Column<?> c = column(table, name);
        if (!(c instanceof NumericColumn<?> n)) {
            throw new IllegalArgumentException("column '" + name + "' of table '" + table.name() + "' is "
                    + c.type().name() + ", not numeric");
        }
        return n;
    }
}
