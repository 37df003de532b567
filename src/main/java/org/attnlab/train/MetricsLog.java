package org.attnlab.train;

import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Metrics of one or more runs in long format: one row per (run, step, metric, value). Rows are kept in plain
 * lists while training (appending is cheap) and turned into a Tablesaw {@link Table} on demand, e.g.
 * {@code log.table().where(log.table().stringColumn("metric").isEqualTo("eval_loss"))}.
 *
 * <p>Metric names written by {@link Trainer}: {@code train_loss}, {@code lr}, {@code grad_norm} (every step),
 * {@code tokens_per_s} (every {@code logEvery} steps), {@code eval_loss}, {@code eval_accuracy},
 * {@code eval_<batch metric>} and whatever an {@link EvalHook} returns (at each evaluation).
 */
public final class MetricsLog {

    public static final String RUN = "run";
    public static final String STEP = "step";
    public static final String METRIC = "metric";
    public static final String VALUE = "value";

    private final List<String> runs = new ArrayList<>();
    private final List<Long> steps = new ArrayList<>();
    private final List<String> metrics = new ArrayList<>();
    private final List<Double> values = new ArrayList<>();

    /** Appends one row. */
    public MetricsLog add(String run, long step, String metric, double value) {
        runs.add(Objects.requireNonNull(run, "run"));
        steps.add(step);
        metrics.add(Objects.requireNonNull(metric, "metric"));
        values.add(value);
        return this;
    }

    /** Appends one row per entry of {@code metricValues}, all at {@code step}. */
    public MetricsLog addAll(String run, long step, Map<String, Double> metricValues) {
        metricValues.forEach((k, v) -> add(run, step, k, v));
        return this;
    }

    /** Appends all rows of {@code other} (e.g. to put several runs in one table). */
    public MetricsLog addAll(MetricsLog other) {
        runs.addAll(other.runs);
        steps.addAll(other.steps);
        metrics.addAll(other.metrics);
        values.addAll(other.values);
        return this;
    }

    /** Number of rows. */
    public int size() {
        return values.size();
    }

    /** The metric names present, in first-seen order. */
    public Set<String> metricNames() {
        return new LinkedHashSet<>(metrics);
    }

    /** The steps at which {@code metric} was logged (all runs), in log order. */
    public long[] steps(String metric) {
        return rowsOf(metric).stream().mapToLong(steps::get).toArray();
    }

    /** The values of {@code metric} (all runs), in log order. */
    public double[] values(String metric) {
        return rowsOf(metric).stream().mapToDouble(values::get).toArray();
    }

    /** The values of {@code metric} logged by one run, in log order. */
    public double[] values(String run, String metric) {
        return rowsOf(metric).stream().filter(i -> runs.get(i).equals(run)).mapToDouble(values::get).toArray();
    }

    /** The last value logged for {@code metric}, if any. */
    public OptionalDouble last(String metric) {
        for (int i = values.size() - 1; i >= 0; i--) {
            if (metrics.get(i).equals(metric)) {
                return OptionalDouble.of(values.get(i));
            }
        }
        return OptionalDouble.empty();
    }

    /** Drops the rows of {@code run} with step &gt; {@code step} (used when a run resumes from a checkpoint). */
    public void truncateAfter(String run, long step) {
        for (int i = values.size() - 1; i >= 0; i--) {
            if (runs.get(i).equals(run) && steps.get(i) > step) {
                runs.remove(i);
                steps.remove(i);
                metrics.remove(i);
                values.remove(i);
            }
        }
    }

    private List<Integer> rowsOf(String metric) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < metrics.size(); i++) {
            if (metrics.get(i).equals(metric)) {
                rows.add(i);
            }
        }
        return rows;
    }

    /** The rows as a Tablesaw table with columns run (string), step (long), metric (string), value (double). */
    public Table table() {
        StringColumn run = StringColumn.create(RUN, runs);
        LongColumn step = LongColumn.create(STEP, steps.stream().mapToLong(Long::longValue).toArray());
        StringColumn metric = StringColumn.create(METRIC, metrics);
        DoubleColumn value = DoubleColumn.create(VALUE, values.stream().mapToDouble(Double::doubleValue).toArray());
        return Table.create("metrics", run, step, metric, value);
    }

    /** Writes the table as CSV (header {@code run,step,metric,value}), creating parent folders. */
    public void writeCsv(Path file) {
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            table().write().csv(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write metrics to " + file, e);
        }
    }

    /** Reads a CSV written by {@link #writeCsv}; fails naming the file if the columns are not run,step,metric,value. */
    public static MetricsLog readCsv(Path file) {
        Table t;
        try {
            t = Table.read().usingOptions(CsvReadOptions.builder(file.toFile())
                    .columnTypes(new ColumnType[] {ColumnType.STRING, ColumnType.LONG, ColumnType.STRING,
                        ColumnType.DOUBLE}));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("could not read metrics CSV " + file + ": " + e.getMessage(), e);
        }
        if (!t.columnNames().equals(List.of(RUN, STEP, METRIC, VALUE))) {
            throw new IllegalArgumentException("metrics CSV " + file + " has columns " + t.columnNames()
                    + "; expected [run, step, metric, value]");
        }
        return fromTable(t);
    }

    /** A log holding the rows of a long-format table with columns run, step, metric, value. */
    public static MetricsLog fromTable(Table t) {
        MetricsLog log = new MetricsLog();
        for (Row r : t) {
            double v = r.isMissing(VALUE) ? Double.NaN : r.getDouble(VALUE);
            log.add(r.getString(RUN), r.getLong(STEP), r.getString(METRIC), v);
        }
        return log;
    }
}
