package org.attnlab.experiments;

import org.attnlab.Settings;
import org.attnlab.data.DataFiles;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * No waiting in class: a notebook loads the results of a previous run with the same settings instead of training
 * again. {@code ./lab experiment flip-flop --preset quick} writes {@code build/results/flip-flop/} (see
 * {@link ResultsFolder}); {@link #loadOrRun} reads it back when its {@value ResultsFolder#MANIFEST} names the same
 * experiment, preset and seed and every table the experiment needs is there, and otherwise runs the experiment.
 * The tables, figures and verdicts are rebuilt from the saved raw tables by the same code a fresh run uses.
 *
 * <p>Only experiments that can rebuild themselves are loaded ({@link #canLoad}): design principles, flip-flop,
 * word problems, MQRAR, parity with chain of thought, sinks, retrieval heads, function vectors, grammar heads.
 */
public final class SavedRuns {

    private SavedRuns() {
    }

    /** The saved tables of one results folder, read with the column types the caller names. */
    public static final class Tables {
        private final Path folder;

        Tables(Path folder) {
            this.folder = folder;
        }

        /** Table {@code name} from {@code NAME.csv}, its columns read as {@code types} (in file order). */
        Table table(String name, ColumnType... types) {
            Path file = folder.resolve(name + ".csv");
            try {
                return Table.read().usingOptions(CsvReadOptions.builder(file.toFile()).columnTypes(types)).setName(name);
            } catch (RuntimeException e) {
                throw new IllegalStateException("Saved table " + file + " cannot be read as " + List.of(types) + ": "
                        + e.getMessage(), e);
            }
        }

        /** The training metrics ({@code metrics.csv}); empty when the run logged none. */
        MetricsLog metrics() {
            Path file = folder.resolve("metrics.csv");
            return Files.isRegularFile(file) ? MetricsLog.readCsv(file) : new MetricsLog();
        }
    }

    /** How an experiment rebuilds its result from saved tables. */
    interface Rebuild {
        ExperimentResult from(Experiment experiment, Settings settings, Tables saved);
    }

    /** The raw tables each loadable experiment needs, and how it rebuilds itself. */
    private static final Map<String, List<String>> NEEDS = Map.of(
            "design-principles", List.of(DesignPrinciplesExperiment.RESULTS, DesignPrinciplesExperiment.RUNS,
                    DesignPrinciplesExperiment.DIAGNOSTICS),
            "flip-flop", List.of(FlipFlopExperiment.ERRORS, FlipFlopExperiment.TIMING),
            "word-problems", List.of(WordProblemsExperiment.BY_LENGTH, WordProblemsExperiment.SUMMARY),
            "mqrar", List.of(MqrarExperiment.ACCURACY),
            "parity-cot", List.of(ParityCotExperiment.SUMMARY, ParityCotExperiment.ACCURACY_BY_LENGTH,
                    ParityCotExperiment.ATTENTION, ParityCotExperiment.ABLATION),
            "function-vectors", List.of(FunctionVectorsExperiment.ACCURACY, FunctionVectorsExperiment.INDIRECT_EFFECTS,
                    FunctionVectorsExperiment.TOP_HEADS, FunctionVectorsExperiment.ZERO_SHOT),
            "grammar-heads", GrammarHeadsExperiment.SAVED_TABLES,
            "sinks", SinksExperiment.rawTables(),
            "retrieval-heads", List.of(RetrievalHeadsExperiment.HEAD_SCORES, RetrievalHeadsExperiment.ABLATION,
                    RetrievalHeadsExperiment.DUO, RetrievalHeadsExperiment.EXAMPLE,
                    RetrievalHeadsExperiment.EXAMPLE_PATTERNS));

    private static final Map<String, Rebuild> REBUILD = Map.of(
            "design-principles", DesignPrinciplesExperiment::rebuild,
            "flip-flop", FlipFlopExperiment::rebuild,
            "word-problems", WordProblemsExperiment::rebuild,
            "mqrar", MqrarExperiment::rebuild,
            "parity-cot", ParityCotExperiment::rebuild,
            "function-vectors", FunctionVectorsExperiment::rebuild,
            "grammar-heads", GrammarHeadsExperiment::rebuild,
            "sinks", SinksExperiment::rebuild,
            "retrieval-heads", RetrievalHeadsExperiment::rebuild);

    /** Whether {@code experiment} can be loaded from a saved run. */
    public static boolean canLoad(Experiment experiment) {
        return REBUILD.containsKey(experiment.name());
    }

    /** The folder {@code ./lab experiment NAME} writes by default: {@code build/results/NAME} in the repository. */
    public static Path defaultFolder(Experiment experiment) {
        return DataFiles.repoRoot().resolve("build").resolve("results").resolve(experiment.name());
    }

    /**
     * Why {@code folder} does not hold a complete run of {@code experiment} at {@code settings}' preset and seed,
     * or empty when it does.
     */
    public static Optional<String> whyNot(Experiment experiment, Settings settings, Path folder) {
        if (!canLoad(experiment)) {
            return Optional.of(experiment.name() + " cannot be loaded from a saved run (only " + REBUILD.keySet()
                    + ")");
        }
        Path manifest = folder.resolve(ResultsFolder.MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return Optional.of("no complete run in " + folder + " (no " + ResultsFolder.MANIFEST + ")");
        }
        String text;
        try {
            text = Files.readString(manifest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.of(manifest + " cannot be read: " + e);
        }
        String name = field(text, "experiment");
        String preset = field(text, "preset");
        String seed = field(text, "seed");
        if (!experiment.name().equals(name) || !settings.preset().label().equals(preset)
                || !String.valueOf(settings.seed()).equals(seed)) {
            return Optional.of(String.format("%s holds experiment %s, preset %s, seed %s; this run wants %s, preset "
                    + "%s, seed %d", folder, name, preset, seed, experiment.name(), settings.preset().label(),
                    settings.seed()));
        }
        for (String table : NEEDS.get(experiment.name())) {
            if (!Files.isRegularFile(folder.resolve(table + ".csv"))) {
                return Optional.of(folder + " lacks " + table + ".csv");
            }
        }
        return Optional.empty();
    }

    /**
     * The saved result of {@code experiment} in {@code folder} if it holds a complete run with the same experiment,
     * preset and seed ({@link #whyNot} is empty); else empty.
     */
    public static Optional<ExperimentResult> load(Experiment experiment, Settings settings, Path folder) {
        if (whyNot(experiment, settings, folder).isPresent()) {
            return Optional.empty();
        }
        ExperimentResult r = REBUILD.get(experiment.name()).from(experiment, settings, new Tables(folder));
        r.note("Loaded from the saved run in " + folder + " (no training in this session).");
        return Optional.of(r);
    }

    /**
     * {@link #load} from {@link #defaultFolder}, else {@code experiment.run(settings, progress)} (also when the saved
     * tables cannot be read); prints one line saying which, and when it runs, why and the command that would have
     * saved the wait.
     */
    public static ExperimentResult loadOrRun(Experiment experiment, Settings settings, ProgressListener progress) {
        return loadOrRun(experiment, settings, progress, defaultFolder(experiment));
    }

    /** {@link #loadOrRun(Experiment, Settings, ProgressListener)} with the saved run looked for in {@code folder}. */
    public static ExperimentResult loadOrRun(Experiment experiment, Settings settings, ProgressListener progress,
                                             Path folder) {
        String why;
        try {
            Optional<ExperimentResult> saved = load(experiment, settings, folder);
            if (saved.isPresent()) {
                System.out.println(experiment.name() + ": loaded the saved run in " + folder);
                return saved.get();
            }
            why = whyNot(experiment, settings, folder).orElse("");
        } catch (RuntimeException e) {
            // e.g. a folder written by an older version whose tables have other columns
            why = "the saved run in " + folder + " cannot be read: " + e.getMessage();
        }
        System.out.println(experiment.name() + ": training (" + why
                + "; to load instead next time: ./lab experiment " + experiment.name() + " --preset "
                + settings.preset().label() + " --seed " + settings.seed() + ")");
        return experiment.run(settings, progress);
    }

    /** A top-level field of a run.json as text (null when absent or not JSON). */
    private static String field(String json, String key) {
        try {
            JsonElement v = JsonParser.parseString(json).getAsJsonObject().get(key);
            return v == null || v.isJsonNull() ? null : v.getAsString();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
