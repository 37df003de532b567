package org.attnlab.probe;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The column names every probe table shares, in one place, and the long-table shape they make: one row per
 * (layer, head, [position,] metric) and a {@code value}. A head index of {@link #NONE} marks a row about a whole
 * component (an MLP, the embedding, a layer's residual stream); a layer of {@link #NONE} marks the embedding.
 *
 * <pre>{@code
 * Table t = HeadScores.measure(model, manager, tokens);
 * t.where(t.stringColumn(ProbeTable.METRIC).isEqualTo(HeadScores.PREFIX_MATCHING))
 * }</pre>
 */
public final class ProbeTable {

    public static final String STEP = "step";
    public static final String LAYER = "layer";
    public static final String HEAD = "head";
    public static final String POSITION = "position";
    /** What a row is about, in words: {@code L1.H0}, {@code L0.mlp}, {@code embed}. */
    public static final String COMPONENT = "component";
    /** Ablation mode: zero, mean, resample. */
    public static final String MODE = "mode";
    public static final String METRIC = "metric";
    public static final String VALUE = "value";

    /** The head (or layer) index of a row that is not about one head (or one layer). */
    public static final int NONE = -1;

    private ProbeTable() {
    }

    /** {@code layer, head, metric, value}. */
    public static Table heads(String name) {
        return Table.create(name, IntColumn.create(LAYER), IntColumn.create(HEAD), StringColumn.create(METRIC),
                DoubleColumn.create(VALUE));
    }

    /** {@code layer, position, metric, value}. */
    public static Table positions(String name) {
        return Table.create(name, IntColumn.create(LAYER), IntColumn.create(POSITION), StringColumn.create(METRIC),
                DoubleColumn.create(VALUE));
    }

    /** {@code component, layer, head, metric, value}. */
    public static Table components(String name) {
        return Table.create(name, StringColumn.create(COMPONENT), IntColumn.create(LAYER), IntColumn.create(HEAD),
                StringColumn.create(METRIC), DoubleColumn.create(VALUE));
    }

    /** {@code step, layer, head, metric, value}. */
    public static Table steps(String name) {
        return Table.create(name, LongColumn.create(STEP), IntColumn.create(LAYER), IntColumn.create(HEAD),
                StringColumn.create(METRIC), DoubleColumn.create(VALUE));
    }

    /** Appends {@code (layer, head, metric, value)} to a {@link #heads} table. */
    static void addHead(Table t, int layer, int head, String metric, double value) {
        t.intColumn(LAYER).append(layer);
        t.intColumn(HEAD).append(head);
        t.stringColumn(METRIC).append(metric);
        t.doubleColumn(VALUE).append(value);
    }

    /** Appends {@code (layer, position, metric, value)} to a {@link #positions} table. */
    static void addPosition(Table t, int layer, int position, String metric, double value) {
        t.intColumn(LAYER).append(layer);
        t.intColumn(POSITION).append(position);
        t.stringColumn(METRIC).append(metric);
        t.doubleColumn(VALUE).append(value);
    }

    /** Appends {@code (component, layer, head, metric, value)} to a {@link #components} table. */
    static void addComponent(Table t, String component, int layer, int head, String metric, double value) {
        t.stringColumn(COMPONENT).append(component);
        addHead(t, layer, head, metric, value);
    }

    /** The rows of {@code t} whose {@link #METRIC} is {@code metric}; fails naming the metrics there are. */
    public static Table only(Table t, String metric) {
        if (!t.containsColumn(METRIC)) {
            throw new IllegalArgumentException("table '" + t.name() + "' has no '" + METRIC + "' column; columns: "
                    + t.columnNames());
        }
        Table rows = t.where(t.stringColumn(METRIC).isEqualTo(metric));
        if (rows.rowCount() == 0 && t.rowCount() > 0) {
            throw new IllegalArgumentException("table '" + t.name() + "' has no metric '" + metric + "'; metrics: "
                    + t.stringColumn(METRIC).unique().asList());
        }
        return rows;
    }

    /** The value of the single row with this layer, head and metric; fails if there is none. */
    public static double value(Table t, int layer, int head, String metric) {
        Table rows = only(t, metric);
        for (int r = 0; r < rows.rowCount(); r++) {
            if (rows.intColumn(LAYER).getInt(r) == layer && rows.intColumn(HEAD).getInt(r) == head) {
                return rows.doubleColumn(VALUE).getDouble(r);
            }
        }
        throw new IllegalArgumentException("table '" + t.name() + "' has no row for layer " + layer + ", head " + head
                + ", metric '" + metric + "'");
    }

    /** The name of head {@code head} of layer {@code layer}: {@code L1.H0}. */
    public static String headName(int layer, int head) {
        return "L" + layer + ".H" + head;
    }
}
