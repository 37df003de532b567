package org.attnlab.experiments;

import org.attnlab.Environment;
import org.attnlab.Settings;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A long experiment loaded from a previous run with the same settings, so that a class does not wait: the results
 * folder {@code ./lab experiment NAME --preset P --seed S} wrote (by default {@code build/results/NAME}) is read
 * back as an {@link ExperimentResult} when it is complete and was made by the same experiment, preset and seed;
 * otherwise the experiment runs.
 *
 * <p>What is read back: every table (with the column types it was written with, from {@value #COLUMNS}), the
 * training metrics ({@code metrics.csv}) and the notes ({@value #NOTES}). Figures are not: draw them again from the
 * tables with the experiment's static figure methods. A folder written before {@value #COLUMNS} existed counts as
 * incomplete.
 */
public final class SavedRuns {

    /** The notes of the run, one per row (column {@code note}). */
    static final String NOTES = "notes";
    /** Every table's column names and types, in order (columns {@code table, column, type}). */
    static final String COLUMNS = "columns";
    /** File names a table may not take: the folder's own files. */
    static final Set<String> RESERVED = Set.of(NOTES, COLUMNS, "metrics");

    private SavedRuns() {
    }

    /** Where {@code ./lab experiment NAME} writes by default: {@code build/results/NAME} under the repository root. */
    public static Path defaultFolder(Experiment experiment) {
        Path home = Environment.home();
        return (home == null ? Paths.get("").toAbsolutePath() : home).resolve("build").resolve("results")
                .resolve(experiment.name());
    }

    /**
     * The result saved in {@code dir}, when it holds a complete run of {@code experiment} at {@code settings}' preset
     * and seed; else empty, with the reason in {@code why} (if not null).
     */
    public static Optional<ExperimentResult> load(Experiment experiment, Settings settings, Path dir,
                                                  List<String> why) {
        List<String> reasons = why == null ? new ArrayList<>() : why;
        Path manifest = dir.resolve(ResultsFolder.MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            reasons.add("no saved run in " + dir + " (no " + ResultsFolder.MANIFEST + ")");
            return Optional.empty();
        }
        Map<String, String> m;
        try {
            m = manifestFields(Files.readString(manifest, StandardCharsets.UTF_8));
        } catch (IOException e) {
            reasons.add(manifest + " cannot be read: " + e);
            return Optional.empty();
        }
        String wanted = "experiment " + experiment.name() + ", preset " + settings.preset().label() + ", seed "
                + settings.seed();
        String found = "experiment " + m.get("experiment") + ", preset " + m.get("preset") + ", seed " + m.get("seed");
        if (!wanted.equals(found)) {
            reasons.add("the run saved in " + dir + " has other settings (" + found + "; wanted " + wanted + ")");
            return Optional.empty();
        }
        Path columns = dir.resolve(COLUMNS + ".csv");
        if (!Files.isRegularFile(columns)) {
            reasons.add("the run saved in " + dir + " has no " + COLUMNS + ".csv (written by an older version)");
            return Optional.empty();
        }
        try {
            Table cols = Table.read().usingOptions(CsvReadOptions.builder(columns.toFile())
                    .columnTypes(new ColumnType[] {ColumnType.STRING, ColumnType.STRING, ColumnType.STRING}));
            Map<String, List<ColumnType>> types = new LinkedHashMap<>();
            for (int r = 0; r < cols.rowCount(); r++) {
                types.computeIfAbsent(cols.stringColumn(0).get(r), k -> new ArrayList<>())
                        .add(ColumnType.valueOf(cols.stringColumn(2).get(r)));
            }
            ExperimentResult result = new ExperimentResult(experiment, settings,
                    Files.isRegularFile(dir.resolve("metrics.csv")) ? MetricsLog.readCsv(dir.resolve("metrics.csv"))
                            : new MetricsLog());
            for (Map.Entry<String, List<ColumnType>> e : types.entrySet()) {
                Path csv = dir.resolve(e.getKey() + ".csv");
                if (!Files.isRegularFile(csv)) {
                    reasons.add("the run saved in " + dir + " lacks " + csv.getFileName());
                    return Optional.empty();
                }
                Table t = Table.read().usingOptions(CsvReadOptions.builder(csv.toFile())
                        .columnTypes(e.getValue().toArray(ColumnType[]::new)));
                result.table(e.getKey(), t);
            }
            Path notes = dir.resolve(NOTES + ".csv");
            if (Files.isRegularFile(notes)) {
                Table n = Table.read().usingOptions(CsvReadOptions.builder(notes.toFile())
                        .columnTypes(new ColumnType[] {ColumnType.STRING}));
                n.stringColumn(0).forEach(result::note);
            }
            return Optional.of(result.seconds(0));
        } catch (RuntimeException e) {
            reasons.add("the run saved in " + dir + " cannot be read back: " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The run saved in {@link #defaultFolder} if it matches {@code settings} (a line says it was loaded and from
     * where), else a fresh run of {@code experiment} reporting to {@code progress} (a line says why).
     */
    public static ExperimentResult loadOrRun(Experiment experiment, Settings settings, ProgressListener progress) {
        return loadOrRun(experiment, settings, progress, defaultFolder(experiment));
    }

    /** As {@link #loadOrRun(Experiment, Settings, ProgressListener)}, from {@code dir}. */
    public static ExperimentResult loadOrRun(Experiment experiment, Settings settings, ProgressListener progress,
                                             Path dir) {
        List<String> why = new ArrayList<>();
        Optional<ExperimentResult> saved = load(experiment, settings, dir, why);
        if (saved.isPresent()) {
            System.out.println("Loaded the saved run from " + dir + " (same experiment, preset and seed); delete "
                    + "that folder to train here instead.");
            return saved.get();
        }
        System.out.println("Training here: " + String.join("; ", why) + ". To skip the wait next time, run "
                + "./lab experiment " + experiment.name() + " --preset " + settings.preset().label() + " --seed "
                + settings.seed() + " first.");
        return experiment.run(settings, progress);
    }

    /** Writes {@value #NOTES}.csv and {@value #COLUMNS}.csv of {@code result} into {@code dir}. */
    static void writeNotesAndColumns(ExperimentResult result, Path dir) throws IOException {
        Table cols = Table.create(COLUMNS, StringColumn.create("table"), StringColumn.create("column"),
                StringColumn.create("type"));
        for (Map.Entry<String, Table> e : result.tables().entrySet()) {
            for (var c : e.getValue().columns()) {
                cols.stringColumn(0).append(e.getKey());
                cols.stringColumn(1).append(c.name());
                cols.stringColumn(2).append(c.type().name());
            }
        }
        Table notes = Table.create(NOTES, StringColumn.create("note", result.notes()));
        try {
            cols.write().csv(dir.resolve(COLUMNS + ".csv").toFile());
            notes.write().csv(dir.resolve(NOTES + ".csv").toFile());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|[-0-9]+)");

    /** The top-level string and integer fields of the flat JSON {@link ResultsFolder} writes. */
    static Map<String, String> manifestFields(String json) {
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher mt = FIELD.matcher(json);
        while (mt.find()) {
            fields.put(mt.group(1), mt.group(3) != null ? mt.group(3) : mt.group(2));
        }
        return fields;
    }
}
