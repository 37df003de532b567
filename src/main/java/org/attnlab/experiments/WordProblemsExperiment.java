package org.attnlab.experiments;

import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.WordProblemTask;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;

/**
 * A5 (and S5) word problems (PaTH paper): read group elements {@code g_1..g_L}, predict the running product
 * {@code s_t = g_1 .. g_t} at every position. A fixed rotation by position (RoPE) cannot carry a state that
 * depends on the order of the inputs through one layer; PaTH's data-dependent product of Householder
 * transforms can, so the paper finds PaTH solves A5 (&gt;90% accuracy) with fewer layers than RoPE or FoX.
 *
 * <p>Every (group, variant, layers) model is trained at one length and tested on sequences twice as long:
 * {@code by_length} holds the accuracy of the state after {@code t} elements for every {@code t} (inside the
 * training length and beyond it), {@code summary} the accuracy pooled over the training length, the
 * final-state accuracy at the training length and at the test length.
 */
public final class WordProblemsExperiment implements Experiment {

    /** Table: accuracy of the state after t elements: {@code group, model, variant, layers, length, accuracy}. */
    public static final String BY_LENGTH = "by_length";
    /** Table: one row per model: accuracy at the training length, final-state accuracy at 1x and 2x length. */
    public static final String SUMMARY = "summary";
    /** Figure: training loss per run. */
    public static final String TRAINING_LOSS = "training_loss";

    /** Figure: one group's accuracy of the state after t elements, per model: {@code accuracy_by_length_A5}. */
    public static String accuracyByLengthFigure(Group group) {
        return "accuracy_by_length_" + group.name();
    }

    /** The groups whose word problems are composed; the enum name is what tables show. */
    public enum Group {
        /** The alternating group on 5 elements, from the generators (123), (124), (125) and inverses. */
        A5,
        /** The symmetric group on 5 elements, uniform. */
        S5;

        /** The task of this group. */
        public WordProblemTask task() {
            return this == A5 ? WordProblemTask.a5() : WordProblemTask.s5();
        }

        /** The group called {@code name} ({@code A5}, {@code S5}, case ignored); others fail listing these. */
        public static Group named(String name) {
            for (Group g : values()) {
                if (g.name().equalsIgnoreCase(name)) {
                    return g;
                }
            }
            throw new IllegalArgumentException("Unknown group '" + name + "'; allowed: A5, S5");
        }
    }

    /**
     * Sizes of one preset; build with {@link #builder()}.
     *
     * @param groups      the groups composed
     * @param variants    the attention variants compared
     * @param layers      the depths trained, ascending
     * @param trainLength training sequence length (tested also at twice it)
     */
    record Size(List<Group> groups, List<Variant> variants, List<Integer> layers, int dModel, int heads,
                int trainLength, int steps, int batchSize, double lr, int testBatches) {

        static Builder builder() {
            return new Builder();
        }

        /** Named setters for {@link Size}; every field is required. */
        static final class Builder {
            private List<Group> groups = List.of();
            private List<Variant> variants = List.of();
            private List<Integer> layers = List.of();
            private int dModel;
            private int heads;
            private int trainLength;
            private int steps;
            private int batchSize;
            private double lr;
            private int testBatches;

            Builder groups(Group... v) {
                groups = List.of(v);
                return this;
            }

            Builder variants(Variant... v) {
                variants = List.of(v);
                return this;
            }

            Builder layers(Integer... v) {
                layers = List.of(v);
                return this;
            }

            Builder dModel(int v) {
                dModel = v;
                return this;
            }

            Builder heads(int v) {
                heads = v;
                return this;
            }

            Builder trainLength(int v) {
                trainLength = v;
                return this;
            }

            Builder steps(int v) {
                steps = v;
                return this;
            }

            Builder batchSize(int v) {
                batchSize = v;
                return this;
            }

            Builder lr(double v) {
                lr = v;
                return this;
            }

            Builder testBatches(int v) {
                testBatches = v;
                return this;
            }

            Size build() {
                if (groups.isEmpty() || variants.isEmpty() || layers.isEmpty()) {
                    throw new IllegalArgumentException("word-problems size: name at least one group, variant and "
                            + "depth; got groups " + groups + ", variants " + variants + ", layers " + layers);
                }
                SizeChecks.positive("word-problems size", "dModel", dModel, "heads", heads, "trainLength",
                        trainLength, "steps", steps, "batchSize", batchSize, "testBatches", testBatches);
                SizeChecks.positiveRate("word-problems size", lr);
                return new Size(groups, variants, layers, dModel, heads, trainLength, steps, batchSize, lr,
                        testBatches);
            }
        }
    }

    static Size size(Preset preset) {
        return preset.pick(
                Size.builder().groups(Group.A5).variants(Variant.PATH, Variant.ROPE).layers(1).dModel(16).heads(2)
                        .trainLength(6).steps(6).batchSize(8).lr(3e-3).testBatches(1).build(),
                Size.builder().groups(Group.A5).variants(Variant.PATH, Variant.ROPE).layers(1, 2).dModel(64).heads(2)
                        .trainLength(8).steps(2500).batchSize(64).lr(3e-3).testBatches(4).build(),
                Size.builder().groups(Group.A5).variants(Variant.PATH, Variant.ROPE)
                        .layers(1, 2, 3, 4).dModel(128).heads(4).trainLength(32).steps(1500).batchSize(512).lr(2e-3)
                        .testBatches(16).build());
    }

    private final Size sizeOverride;

    /** The experiment at the sizes of the run's preset. */
    public WordProblemsExperiment() {
        this(null);
    }

    /** The experiment at fixed sizes whatever the preset (for probes and tests; null: the preset's). */
    WordProblemsExperiment(Size size) {
        this.sizeOverride = size;
    }

    @Override
    public String name() {
        return "word-problems";
    }

    @Override
    public String title() {
        return "A5/S5 word problems: state-tracking accuracy by length and depth, PaTH vs RoPE";
    }

    @Override
    public String description() {
        return "PaTH paper: compose permutations (A5 from the generators (123),(124),(125) and inverses; S5 "
                + "uniform) and predict the running product at every position. The paper finds PaTH solves A5 "
                + "(>90%) with fewer layers than RoPE or FoX. Each model trains at one length and is tested on "
                + "sequences twice as long. smoke: A5, 1 layer, length 6; quick: A5, PaTH and RoPE, 1 and 2 layers, "
                + "d 64, length 8 (test 16), 2500 steps; full: A5, PaTH and RoPE, 1-4 layers, d 128, "
                + "length 32 (test 64), 1500 steps of 512.";
    }

    /** One model of the grid: a group's task, a variant, a depth. */
    private record Cell(Group group, Variant variant, int layers) {
        String model() {
            return variant.displayName() + " L" + layers;
        }
    }

    /** What is measured on one trained model: accuracy by position, and test metrics at 1x and 2x the length. */
    private record Measured(double[] byPosition, Map<String, Double> atTrain, Map<String, Double> atTest) {
    }

    @Override
    public ExperimentResult run(Settings settings, ProgressListener progress) {
        RunClock clock = new RunClock();
        Size s = sizeOverride != null ? sizeOverride : size(settings.preset());
        MetricsLog log = new MetricsLog();
        ExperimentResult result = new ExperimentResult(this, settings, log);
        int testLength = 2 * s.trainLength();

        StringColumn lGroup = StringColumn.create("group");
        StringColumn lModel = StringColumn.create("model");
        StringColumn lVariant = StringColumn.create("variant");
        IntColumn lLayers = IntColumn.create("layers");
        IntColumn lLength = IntColumn.create("length");
        DoubleColumn lAcc = DoubleColumn.create("accuracy");

        StringColumn sGroup = StringColumn.create("group");
        StringColumn sVariant = StringColumn.create("variant");
        IntColumn sLayers = IntColumn.create("layers");
        DoubleColumn sAcc = DoubleColumn.create(ACCURACY_COLUMN);
        DoubleColumn sFinal = DoubleColumn.create(FINAL_COLUMN);
        DoubleColumn sFinalLong = DoubleColumn.create("final-state accuracy (2x length)");
        DoubleColumn sSeconds = DoubleColumn.create("train_seconds");

        List<Cell> cells = new java.util.ArrayList<>();
        for (Group group : s.groups()) {
            for (Variant variant : s.variants()) {
                for (int layers : s.layers()) {
                    cells.add(new Cell(group, variant, layers));
                }
            }
        }
        // the cells train at once (settings.parallelRuns()); their rows come back in this order
        List<TaskModelRun.Trained<Measured>> runs = ParallelRuns.map(settings.parallelRuns(), cells, c -> {
            TaskModelRun.Spec spec = TaskModelRun.Spec.builder(c.group().name() + " " + c.model(),
                            c.variant().kind(), c.group().task())
                    .layers(c.layers()).dModel(s.dModel()).heads(s.heads()).trainLength(s.trainLength())
                    .batchSize(s.batchSize()).steps(s.steps()).lr(s.lr()).evalEvery(Math.max(1, s.steps() / 5))
                    .build();
            return TaskModelRun.trainAndMeasure(spec, testLength, settings, progress, run -> new Measured(
                    run.accuracyByPosition(Split.TEST, testLength, s.batchSize(), s.testBatches()),
                    run.evaluate(Split.TEST, s.trainLength(), s.batchSize(), s.testBatches()),
                    run.evaluate(Split.TEST, testLength, s.batchSize(), s.testBatches())));
        });
        for (int i = 0; i < cells.size(); i++) {
            Cell c = cells.get(i);
            TaskModelRun.Trained<Measured> run = runs.get(i);
            run.addTo(result, log);
            double[] byPos = run.value().byPosition();
            for (int t = 1; t < byPos.length; t++) {   // input t holds g_t (0 is <bos>, not graded)
                lGroup.append(c.group().name());
                lModel.append(c.model());
                lVariant.append(c.variant().displayName());
                lLayers.append(c.layers());
                lLength.append(t);
                lAcc.append(byPos[t]);
            }
            sGroup.append(c.group().name());
            sVariant.append(c.variant().displayName());
            sLayers.append(c.layers());
            sAcc.append(run.value().atTrain().get("accuracy"));
            sFinal.append(run.value().atTrain().get("final_accuracy"));
            sFinalLong.append(run.value().atTest().get("final_accuracy"));
            sSeconds.append(run.seconds());
        }
        Table byLength = Table.create(BY_LENGTH, lGroup, lModel, lVariant, lLayers, lLength, lAcc);
        Table summary = Table.create(SUMMARY, sGroup, sVariant, sLayers, sAcc, sFinal, sFinalLong, sSeconds);
        finish(result, s, byLength, summary, log);
        result.note("Time: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
    }

    /** The tables, figures and notes made from the raw tables of a run (also of a saved run, see {@link SavedRuns}). */
    static void finish(ExperimentResult result, Size s, Table byLength, Table summary, MetricsLog log) {
        result.table(BY_LENGTH, byLength);
        result.table(SUMMARY, summary);

        for (Group group : s.groups()) {
            Table g = byLength.where(byLength.stringColumn("group").isEqualTo(group.name()));
            result.figure(accuracyByLengthFigure(group), Plots.accuracyByLength(g, "length", "accuracy", "model")
                    .markX(s.trainLength(), "train length")
                    .title(group + ": accuracy of the state after t elements (trained at length " + s.trainLength()
                            + ")"));
        }
        result.figure(TRAINING_LOSS, FlipFlopExperiment.lossFigure(log, "training loss (all states)")
                .title("Training loss"));

        for (Group group : s.groups()) {
            for (Variant variant : s.variants()) {
                result.note(group.name() + " " + variant.displayName() + ": "
                        + solvedAt(summary, group, variant, s.layers()) + "; "
                        + describe(summary, group, variant));
            }
            if (s.variants().contains(Variant.PATH) && s.variants().contains(Variant.ROPE)) {
                result.note(group.name() + ", PaTH with fewer layers than RoPE: " + depthVerdict(summary, group)
                        + ".");
            }
        }
        result.note(String.format("Scale: %s, %d sequences per step, lr %.0e (the paper trains to convergence, with "
                + "more layers and longer sequences).", scale(s), s.batchSize(), s.lr()));
    }

    /** A saved run's result: its {@value #BY_LENGTH} and {@value #SUMMARY} tables and metrics, read back. */
    static ExperimentResult rebuild(Experiment experiment, Settings settings, SavedRuns.Tables saved) {
        MetricsLog log = saved.metrics();
        ExperimentResult result = new ExperimentResult(experiment, settings, log);
        finish(result, size(settings.preset()), saved.table(BY_LENGTH, ColumnType.STRING, ColumnType.STRING,
                        ColumnType.STRING, ColumnType.INTEGER, ColumnType.INTEGER, ColumnType.DOUBLE),
                saved.table(SUMMARY, ColumnType.STRING, ColumnType.STRING, ColumnType.INTEGER, ColumnType.DOUBLE,
                        ColumnType.DOUBLE, ColumnType.DOUBLE, ColumnType.DOUBLE), log);
        return result;
    }

    /** The scale a preset trains at, for findings tables. */
    public static String scale(Preset preset) {
        return scale(size(preset));
    }

    static String scale(Size s) {
        return String.format("depth %s, d %d, %d heads, train length %d, test length %d, %d steps",
                s.layers().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining("/")), s.dModel(),
                s.heads(), s.trainLength(), 2 * s.trainLength(), s.steps());
    }

    /**
     * The accuracy a model must exceed to count as solving a word problem (90%, the paper's threshold), read on the
     * <em>final state</em> at the training length: the word problem asks for the product of the whole word, and a
     * per-position mean is raised by the short prefixes that are easy.
     */
    public static final double SOLVED = 0.9;

    /**
     * Whether {@code variant} solved {@code group} in a result, and with how few layers, judged on the final-state
     * accuracy at the training length (the per-position mean beside it): e.g. {@code solved (final-state accuracy
     * > 90% at the training length) with 2 layers (95.1%; per-position 98.0%)} or {@code not solved with up to 2
     * layers (best final-state 64.0%, per-position 91.2%)}.
     */
    public static String verdict(ExperimentResult result, Group group, Variant variant) {
        Table summary = result.table(SUMMARY);
        return solvedAt(summary, group, variant, layersOf(summary, group, variant));
    }

    /** {@link #verdict(ExperimentResult, Group, Variant)} by names: {@code verdict(words, "A5", "PaTH")}. */
    public static String verdict(ExperimentResult result, String group, String variant) {
        return verdict(result, Group.named(group), Variant.named(variant));
    }

    /** The fewest layers with which {@code variant} solved {@code group} ({@link #SOLVED}), or empty. */
    public static java.util.OptionalInt solvedWith(ExperimentResult result, Group group, Variant variant) {
        return solvedWith(result.table(SUMMARY), group, variant);
    }

    static java.util.OptionalInt solvedWith(Table summary, Group group, Variant variant) {
        for (int n : layersOf(summary, group, variant)) {
            if (finalAccuracy(summary, group, variant, n) > SOLVED) {
                return java.util.OptionalInt.of(n);
            }
        }
        return java.util.OptionalInt.empty();
    }

    /**
     * The paper's depth claim (PaTH solves {@code group} with fewer layers than RoPE), read from a run:
     * {@code shows at this scale} when PaTH solves it with fewer layers than RoPE (or RoPE not at all), else
     * {@code does not show at this scale}, with the reason.
     */
    public static String depthVerdict(ExperimentResult result, Group group) {
        return depthVerdict(result.table(SUMMARY), group);
    }

    /** {@link #depthVerdict(ExperimentResult, Group)} by name: {@code depthVerdict(words, "A5")}. */
    public static String depthVerdict(ExperimentResult result, String group) {
        return depthVerdict(result, Group.named(group));
    }

    static String depthVerdict(Table summary, Group group) {
        java.util.OptionalInt path = solvedWith(summary, group, Variant.PATH);
        java.util.OptionalInt rope = solvedWith(summary, group, Variant.ROPE);
        List<Integer> depths = layersOf(summary, group, Variant.PATH);
        int max = depths.get(depths.size() - 1);
        if (path.isEmpty()) {
            return String.format("does not show at this scale: PaTH does not solve %s with up to %d layer%s (best "
                    + "final-state accuracy %.1f%%, threshold %.0f%%)", group, max, max == 1 ? "" : "s",
                    100 * bestFinal(summary, group, Variant.PATH), 100 * SOLVED);
        }
        if (rope.isPresent() && rope.getAsInt() <= path.getAsInt()) {
            return String.format("does not show at this scale: RoPE solves %s with %d layer%s, PaTH with %d", group,
                    rope.getAsInt(), rope.getAsInt() == 1 ? "" : "s", path.getAsInt());
        }
        return String.format("shows at this scale: PaTH solves %s with %d layer%s, RoPE %s", group, path.getAsInt(),
                path.getAsInt() == 1 ? "" : "s", rope.isPresent() ? "needs " + rope.getAsInt()
                        : String.format("not with up to %d (best final-state accuracy %.1f%%)", max,
                                100 * bestFinal(summary, group, Variant.ROPE)));
    }

    private static double bestFinal(Table summary, Group group, Variant variant) {
        return layersOf(summary, group, variant).stream()
                .mapToDouble(n -> finalAccuracy(summary, group, variant, n)).max().orElse(Double.NaN);
    }

    private static List<Integer> layersOf(Table summary, Group group, Variant variant) {
        List<Integer> layers = new java.util.ArrayList<>();
        for (int i = 0; i < summary.rowCount(); i++) {
            if (isModel(summary, i, group, variant)) {
                layers.add(summary.intColumn("layers").get(i));
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("No " + group + " " + variant + " models in this result");
        }
        java.util.Collections.sort(layers);
        return layers;
    }

    /** Final-state and per-position accuracy at the training length per depth: {@code L1 5.0% (per-position 31.0%)}. */
    static String describe(Table summary, Group group, Variant variant) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < summary.rowCount(); i++) {
            if (isModel(summary, i, group, variant)) {
                sb.append(sb.length() == 0 ? "" : ", ").append(String.format("L%d final state %.1f%% (per-position "
                                + "%.1f%%)", summary.intColumn("layers").get(i),
                        100 * summary.doubleColumn(FINAL_COLUMN).get(i),
                        100 * summary.doubleColumn(ACCURACY_COLUMN).get(i)));
            }
        }
        return sb.toString();
    }

    private static boolean isModel(Table summary, int row, Group group, Variant variant) {
        return summary.stringColumn("group").get(row).equals(group.name())
                && summary.stringColumn("variant").get(row).equals(variant.displayName());
    }

    static final String ACCURACY_COLUMN = "per-position accuracy (train length)";
    static final String FINAL_COLUMN = "final-state accuracy (train length)";

    /** "solved (final-state accuracy > 90% ...) with 2 layers (..)" or "not solved with up to N layers (..)". */
    static String solvedAt(Table summary, Group group, Variant variant, List<Integer> layers) {
        for (int n : layers) {
            double fin = finalAccuracy(summary, group, variant, n);
            if (fin > SOLVED) {
                return String.format("solved (final-state accuracy > %.0f%% at the training length) with %d layer%s "
                        + "(%.1f%%; per-position %.1f%%)", 100 * SOLVED, n, n == 1 ? "" : "s", 100 * fin,
                        100 * accuracy(summary, group, variant, n));
            }
        }
        int max = layers.get(layers.size() - 1);
        int best = layers.stream().max(java.util.Comparator.comparingDouble(n -> finalAccuracy(summary, group,
                variant, n))).orElseThrow();
        return String.format("not solved with up to %d layer%s (best final-state accuracy %.1f%% with %d; "
                        + "per-position %.1f%%)", max, max == 1 ? "" : "s", 100 * finalAccuracy(summary, group, variant,
                best), best, 100 * accuracy(summary, group, variant, best));
    }

    /** Final-state accuracy (0..1) at the training length of one model in a word-problems result. */
    public static double finalAccuracy(ExperimentResult result, Group group, Variant variant, int layers) {
        return finalAccuracy(result.table(SUMMARY), group, variant, layers);
    }

    static double finalAccuracy(Table summary, Group group, Variant variant, int layers) {
        for (int i = 0; i < summary.rowCount(); i++) {
            if (isModel(summary, i, group, variant) && summary.intColumn("layers").get(i) == layers) {
                return summary.doubleColumn(FINAL_COLUMN).get(i);
            }
        }
        throw new IllegalArgumentException("No summary row for " + group + " " + variant + " with " + layers
                + " layers");
    }

    /**
     * Per-position accuracy (0..1) at the training length of the {@code group} (A5, S5) model with {@code variant}
     * attention and {@code layers} layers in a word-problems result.
     */
    public static double accuracy(ExperimentResult result, Group group, Variant variant, int layers) {
        return accuracy(result.table(SUMMARY), group, variant, layers);
    }

    /** {@link #accuracy(ExperimentResult, Group, Variant, int)} by names: {@code accuracy(words, "A5", "PaTH", 2)}. */
    public static double accuracy(ExperimentResult result, String group, String variant, int layers) {
        return accuracy(result, Group.named(group), Variant.named(variant), layers);
    }

    /** Per-position accuracy at the training length of one model in a {@value #SUMMARY} table. */
    static double accuracy(Table summary, Group group, Variant variant, int layers) {
        for (int i = 0; i < summary.rowCount(); i++) {
            if (isModel(summary, i, group, variant) && summary.intColumn("layers").get(i) == layers) {
                return summary.doubleColumn(ACCURACY_COLUMN).get(i);
            }
        }
        throw new IllegalArgumentException("No summary row for " + group + " " + variant + " with " + layers
                + " layers");
    }
}
