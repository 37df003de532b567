package org.attnlab.experiments;

import org.attnlab.Settings;
import org.attnlab.train.MetricsLog;
import org.attnlab.viz.Figure;
import org.attnlab.viz.Report;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an experiment produced: named Tablesaw tables (long format where it fits), figures, the training
 * metrics of every run, and short notes (e.g. "published: 0.0001% / here: 0.4%"). {@link #writeTo} saves each
 * table as CSV and an {@code index.html} report with every figure, readable from disk with no network.
 */
public final class ExperimentResult {

    private final Experiment experiment;
    private final Settings settings;
    private final Map<String, Table> tables = new LinkedHashMap<>();
    private final Map<String, Figure> figures = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final MetricsLog metrics;
    private double seconds;

    public ExperimentResult(Experiment experiment, Settings settings, MetricsLog metrics) {
        this.experiment = experiment;
        this.settings = settings;
        this.metrics = metrics == null ? new MetricsLog() : metrics;
    }

    /** Adds a table under {@code name} (also its CSV file name); the table's own name is set to it. */
    public ExperimentResult table(String name, Table table) {
        tables.put(name, table.setName(name));
        return this;
    }

    /**
     * Adds a figure under {@code name} (a constant of the experiment class, e.g.
     * {@code FlipFlopExperiment.ERROR_BARS}); figures keep the order they were added in. A name used twice fails.
     */
    public ExperimentResult figure(String name, Figure figure) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A figure needs a name; figures so far: " + figures.keySet());
        }
        if (figures.containsKey(name)) {
            throw new IllegalArgumentException("Figure '" + name + "' is already in " + experiment.name()
                    + "; figures: " + figures.keySet());
        }
        figures.put(name, figure);
        return this;
    }

    public ExperimentResult note(String note) {
        notes.add(note);
        return this;
    }

    public ExperimentResult seconds(double s) {
        this.seconds = s;
        return this;
    }

    /** The table called {@code name}; fails naming the tables there are. */
    public Table table(String name) {
        Table t = tables.get(name);
        if (t == null) {
            throw new IllegalArgumentException("No table '" + name + "' in " + experiment.name() + "; tables: "
                    + tables.keySet());
        }
        return t;
    }

    /** The figure called {@code name}; fails naming the figures there are. */
    public Figure figure(String name) {
        Figure f = figures.get(name);
        if (f == null) {
            throw new IllegalArgumentException("No figure '" + name + "' in " + experiment.name() + "; figures: "
                    + figures.keySet());
        }
        return f;
    }

    public Map<String, Table> tables() {
        return Collections.unmodifiableMap(tables);
    }

    /** The figures by name, in the order they were added. */
    public Map<String, Figure> namedFigures() {
        return Collections.unmodifiableMap(figures);
    }

    /** The figures in the order they were added (look one up by name with {@link #figure(String)}). */
    public List<Figure> figures() {
        return List.copyOf(figures.values());
    }

    public List<String> notes() {
        return Collections.unmodifiableList(notes);
    }

    /** Training metrics of every run (run, step, metric, value). */
    public MetricsLog metrics() {
        return metrics;
    }

    public Experiment experiment() {
        return experiment;
    }

    public Settings settings() {
        return settings;
    }

    /** Wall-clock seconds the run took. */
    public double seconds() {
        return seconds;
    }

    /** The HTML report: description, settings, notes, figures, then tables. */
    public Report report() {
        Report r = Report.create(experiment.title())
                .text(experiment.description())
                .text(String.format("Settings: %s. Took %.0f s.", settings, seconds));
        if (!notes.isEmpty()) {
            r.heading("Notes");
            notes.forEach(r::text);
        }
        if (!figures.isEmpty()) {
            r.heading("Figures");
            figures.values().forEach(r::figure);
        }
        r.heading("Tables");
        tables.values().forEach(r::table);
        return r;
    }

    /**
     * Writes {@code NAME.csv} per table, {@code metrics.csv} and {@code index.html} into {@code dir} (created if
     * needed) and returns the report's path.
     */
    public Path writeTo(Path dir) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, Table> e : tables.entrySet()) {
                e.getValue().write().csv(dir.resolve(e.getKey() + ".csv").toFile());
            }
            if (metrics.size() > 0) {
                metrics.writeCsv(dir.resolve("metrics.csv"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write results to " + dir, e);
        }
        return report().write(dir);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(experiment.title()).append(" (").append(settings).append(")\n");
        notes.forEach(n -> sb.append("  ").append(n).append('\n'));
        tables.values().forEach(t -> sb.append(t.printAll()).append('\n'));
        return sb.toString();
    }
}
