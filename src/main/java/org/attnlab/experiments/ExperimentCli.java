package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.train.ProgressListener;

import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * {@code ./lab experiment NAME [--preset P] [--device D] [--seed S] [--parallel-runs N] [--out DIR]}: runs one
 * experiment from the
 * shell, prints its tables, and writes CSVs and an HTML report to {@code build/results/NAME/} (or {@code --out}).
 * {@code --list} prints the experiments. Unknown names and options are errors that say what is allowed (exit 2).
 */
public final class ExperimentCli {

    static final String USAGE = String.join("\n",
            "Usage: ./lab experiment NAME [--preset smoke|quick|full] [--device cpu|gpu] [--seed N]",
            "                            [--parallel-runs N] [--out DIR]",
            "       ./lab experiment --list",
            "",
            "Defaults come from ATTNLAB_PRESET, ATTNLAB_DEVICE, ATTNLAB_SEED (quick, GPU if present, 42);",
            "--parallel-runs (ATTNLAB_PARALLEL_RUNS) trains that many runs at once in threads (same numbers;",
            "default 1 on GPU, on CPU processors / ATTNLAB_THREADS);",
            "results go to build/results/NAME/ (CSV per table, metrics.csv, index.html).");

    private ExperimentCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line; returns the exit code: 0 ok, 1 the run failed (its message, e.g. a damaged corpus, and
     * the partial results removed), 2 bad usage (the message and the usage text; nothing has run).
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String name = null;
        String preset = null;
        String device = null;
        String seed = null;
        String parallel = null;
        String outDir = null;
        Settings settings;
        Experiment experiment;
        ResultsFolder folder;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--list" -> {
                        list(out);
                        return 0;
                    }
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    case "--preset" -> preset = value(args, ++i, a);
                    case "--device" -> device = value(args, ++i, a);
                    case "--seed" -> seed = value(args, ++i, a);
                    case "--parallel-runs" -> parallel = value(args, ++i, a);
                    case "--out" -> outDir = value(args, ++i, a);
                    default -> {
                        if (a.startsWith("-")) {
                            throw new IllegalArgumentException("Unknown option '" + a
                                    + "'; options: --preset, --device, --seed, --parallel-runs, --out, --list, "
                                    + "--help");
                        }
                        if (name != null) {
                            throw new IllegalArgumentException("One experiment at a time; got '" + name + "' and '"
                                    + a + "'");
                        }
                        name = a;
                    }
                }
            }
            if (name == null) {
                throw new IllegalArgumentException("Name an experiment; known: " + Experiments.names());
            }
            settings = settings(preset, device, seed, parallel); // option errors first, then the name
            experiment = Experiments.named(name);
            // --out before anything trains; relative to where the command was typed (lab passes attnlab.cwd)
            folder = ResultsFolder.prepare(outDir, Paths.get(System.getProperty("attnlab.cwd",
                    System.getProperty("user.dir"))), Paths.get("build", "results", experiment.name()));
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("lab experiment: " + e.getMessage());
            err.println();
            err.println(USAGE);
            return 2;
        }
        // From here on a failure is the run's, not the command line's: its message, exit 1, no usage text.
        try {
            out.println("==> " + experiment.title() + " (" + settings + ")");
            ExperimentResult result = experiment.run(settings, ProgressListener.auto());
            out.println();
            out.print(result);
            result.writeTo(folder.staging());
            Path dir = folder.commit(experiment.name(), settings);
            out.printf("%nResults: %s (report: %s) in %.0f s%n", dir, dir.resolve(org.attnlab.viz.Report.PAGE),
                    result.seconds());
            return 0;
        } catch (RuntimeException e) {
            folder.abandon();
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    || e instanceof java.io.UncheckedIOException) {
                err.println("lab experiment: " + experiment.name() + " failed: " + e.getMessage());
                return 1;
            }
            throw e; // a bug: keep its stack trace
        }
    }

    /** The run's settings: the environment's, overridden by any option given. */
    static Settings settings(String preset, String device, String seed, String parallel) {
        Settings s = Settings.current();
        Device d = device == null ? s.device() : Settings.parseDevice(device, Engine.getInstance().getGpuCount());
        int runs = parallel != null ? Settings.parseParallelRuns(parallel, "--parallel-runs")
                : Settings.explicitParallelRuns(System.getenv()).orElse(Settings.defaultParallelRuns(d,
                Settings.threads()));
        return new Settings(d,
                preset == null ? s.preset() : Preset.parse(preset),
                seed == null ? s.seed() : parseSeed(seed), runs);
    }

    private static long parseSeed(String seed) {
        return Settings.parseSeed(seed, "--seed");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static void list(PrintStream out) {
        int width = Experiments.all().stream().mapToInt(e -> e.name().length()).max().orElse(4);
        for (Experiment e : Experiments.all()) {
            out.printf("%-" + width + "s  %s%n", e.name(), e.title());
        }
    }
}
