package org.attnlab.experiments;

import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.data.tasks.MqrarTask;
import org.attnlab.data.tasks.Split;
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
 * MQRAR-N, multi-query repeated associative recall (PaTH paper): keys are assigned values again and again; each
 * query asks for the N-th last value of a key. N = 1 is plain associative recall; larger N asks the model to
 * count back through a key's history, a state-tracking problem. Paper (2 layers, d 256, 2 heads, 32 pairs,
 * length 768): PaTH succeeds for N &lt; 4, FoX does not.
 *
 * <p>Tables: {@code accuracy} (variant, n, accuracy, chance) and {@code summary} (one row per N, one column per
 * variant, beside the paper's claim). Figure: accuracy by N per variant.
 */
public final class MqrarExperiment implements Experiment {

    /** Table: one row per (variant, N): {@code variant, n, accuracy, chance, train_seconds}. */
    public static final String ACCURACY = "accuracy";
    /** Table: one row per N, one column per variant, beside the paper's claim. */
    public static final String SUMMARY = "summary";
    /** Figure: query accuracy by N per variant (bars). */
    public static final String ACCURACY_BARS = "accuracy_by_n";
    /** Figure: training loss per run. */
    public static final String TRAINING_LOSS = "training_loss";

    /**
     * A model succeeds at MQRAR-N when its query accuracy is at least this (90%). It must succeed at N = 1 (plain
     * associative recall, which any two-layer softmax model can learn) before its accuracy at larger N says
     * anything about counting back through a key's history.
     */
    public static final double SUCCESS = 0.9;

    /** The paper's models have two layers. */
    static final int LAYERS = 2;

    /**
     * Sizes of one preset; build with {@link #builder()}.
     *
     * @param variants    the attention variants compared
     * @param maxN        N runs 1..maxN
     * @param keys        K distinct keys (all of them are queried)
     * @param values      V distinct values (chance accuracy 1/V)
     * @param assignments A key-value pairs before the queries
     */
    record Size(List<Variant> variants, int maxN, int dModel, int heads, int keys, int values, int assignments,
                int steps, int batchSize, double lr, int testBatches) {

        static Builder builder() {
            return new Builder();
        }

        /** Named setters for {@link Size}; every field is required. */
        static final class Builder {
            private List<Variant> variants = List.of();
            private int maxN;
            private int dModel;
            private int heads;
            private int keys;
            private int values;
            private int assignments;
            private int steps;
            private int batchSize;
            private double lr;
            private int testBatches;

            Builder variants(Variant... v) {
                variants = List.of(v);
                return this;
            }

            Builder maxN(int v) {
                maxN = v;
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

            Builder keys(int v) {
                keys = v;
                return this;
            }

            Builder values(int v) {
                values = v;
                return this;
            }

            Builder assignments(int v) {
                assignments = v;
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
                if (variants.isEmpty()) {
                    throw new IllegalArgumentException("mqrar size: name at least one variant");
                }
                SizeChecks.positive("mqrar size", "maxN", maxN, "dModel", dModel, "heads", heads, "keys", keys,
                        "values", values, "assignments", assignments, "steps", steps, "batchSize", batchSize,
                        "testBatches", testBatches);
                SizeChecks.positiveRate("mqrar size", lr);
                return new Size(variants, maxN, dModel, heads, keys, values, assignments, steps, batchSize, lr,
                        testBatches);
            }
        }
    }

    static Size size(Preset preset) {
        return preset.pick(
                Size.builder().variants(Variant.PATH, Variant.FOX).maxN(2).dModel(16).heads(2).keys(2).values(4)
                        .assignments(4).steps(6).batchSize(8).lr(3e-3).testBatches(1).build(),
                Size.builder().variants(Variant.PATH, Variant.FOX).maxN(3).dModel(64).heads(2).keys(4).values(16)
                        .assignments(16).steps(300).batchSize(32).lr(3e-3).testBatches(4).build(),
                Size.builder().variants(Variant.PATH, Variant.FOX).maxN(4).dModel(256).heads(2)
                        .keys(16).values(64).assignments(96).steps(1200).batchSize(64).lr(1e-3).testBatches(16)
                        .build());
    }

    private final Size sizeOverride;

    /** The experiment at the sizes of the run's preset. */
    public MqrarExperiment() {
        this(null);
    }

    /** The experiment at fixed sizes whatever the preset (for probes and tests; null: the preset's). */
    MqrarExperiment(Size size) {
        this.sizeOverride = size;
    }

    @Override
    public String name() {
        return "mqrar";
    }

    @Override
    public String title() {
        return "MQRAR-N: recall the N-th last value of a key, PaTH vs FoX (2 layers)";
    }

    @Override
    public String description() {
        return "PaTH paper: multi-query repeated associative recall. Keys are assigned values again and again; "
                + "each query asks for a key's N-th last value. The paper (2 layers, d 256, 2 heads, 32 keys, "
                + "length 768) finds PaTH succeeds for N < 4 and FoX does not. smoke: N 1-2, 2 keys, d 16; quick: "
                + "N 1-3, PaTH and FoX, 4 keys, 16 values, 16 assignments, d 64, 300 steps; full: N 1-4, PaTH and FoX, "
                + "16 keys, 64 values, 96 assignments (length 224), d 256, 1200 steps of 64.";
    }

    @Override
    public ExperimentResult run(Settings settings, ProgressListener progress) {
        RunClock clock = new RunClock();
        Size s = sizeOverride != null ? sizeOverride : size(settings.preset());
        MetricsLog log = new MetricsLog();
        ExperimentResult result = new ExperimentResult(this, settings, log);

        StringColumn variant = StringColumn.create("variant");
        IntColumn nCol = IntColumn.create("n");
        DoubleColumn acc = DoubleColumn.create("accuracy");
        DoubleColumn chance = DoubleColumn.create("chance");
        DoubleColumn seconds = DoubleColumn.create("train_seconds");
        List<TaskModelRun.Spec> specs = new java.util.ArrayList<>();
        List<Integer> ns = new java.util.ArrayList<>();
        List<Variant> vs = new java.util.ArrayList<>();
        for (int n = 1; n <= s.maxN(); n++) {
            MqrarTask task = new MqrarTask(n, s.keys(), s.values(), s.keys());
            for (Variant v : s.variants()) {
                specs.add(TaskModelRun.Spec.builder(v.displayName() + " N=" + n, v.kind(), task)
                        .layers(LAYERS).dModel(s.dModel()).heads(s.heads()).trainLength(s.assignments())
                        .batchSize(s.batchSize()).steps(s.steps()).lr(s.lr()).evalEvery(Math.max(1, s.steps() / 5))
                        .build());
                ns.add(n);
                vs.add(v);
            }
        }
        // the runs train at once (settings.parallelRuns()); their rows come back in this order
        List<TaskModelRun.Trained<Double>> runs = ParallelRuns.map(settings.parallelRuns(), specs, spec ->
                TaskModelRun.trainAndMeasure(spec, s.assignments(), settings, progress, run ->
                        run.evaluate(Split.TEST, s.assignments(), s.batchSize(), s.testBatches()).get("accuracy")));
        for (int i = 0; i < specs.size(); i++) {
            TaskModelRun.Trained<Double> run = runs.get(i);
            run.addTo(result, log);
            variant.append(vs.get(i).displayName());
            nCol.append(ns.get(i));
            acc.append(run.value());
            chance.append(1.0 / s.values());
            seconds.append(run.seconds());
        }
        Table accuracy = Table.create(ACCURACY, variant, nCol, acc, chance, seconds);
        finish(result, s, accuracy, log);
        result.note("Time: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
    }

    /** The tables, figures and notes made from the raw tables of a run (also of a saved run, see {@link SavedRuns}). */
    static void finish(ExperimentResult result, Size s, Table accuracy, MetricsLog log) {
        result.table(ACCURACY, accuracy);
        result.table(SUMMARY, summary(accuracy, s));

        Table forPlot = accuracy.copy();
        forPlot.addColumns(accuracy.intColumn("n").asStringColumn().setName("MQRAR-N"));
        result.figure(ACCURACY_BARS, Plots.bars(forPlot, "MQRAR-N", "accuracy", "variant").labels("%.2f")
                .title("MQRAR-N: query accuracy by N (chance " + String.format("%.1f%%", 100.0 / s.values()) + ")"));
        result.figure(TRAINING_LOSS, FlipFlopExperiment.lossFigure(log, "training loss (answers)")
                .title("Training loss"));

        for (Variant v : s.variants()) {
            result.note(v.displayName() + ": " + describe(accuracy, v));
        }
        if (s.variants().contains(Variant.PATH)) {
            result.note("PaTH succeeds for N < 4 (paper): " + pathVerdict(accuracy) + ".");
        }
        if (s.variants().contains(Variant.FOX)) {
            result.note("FoX does not (paper): " + foxVerdict(accuracy) + ".");
        }
        result.note(String.format("Scale: %s, %d sequences per step, lr %.0e (paper: d 256, 2 heads, 32 keys, "
                + "length 768).", scale(s), s.batchSize(), s.lr()));
    }

    /** A saved run's result: its {@value #ACCURACY} table and metrics, read back. */
    static ExperimentResult rebuild(Experiment experiment, Settings settings, SavedRuns.Tables saved) {
        MetricsLog log = saved.metrics();
        ExperimentResult result = new ExperimentResult(experiment, settings, log);
        finish(result, size(settings.preset()), saved.table(ACCURACY, ColumnType.STRING, ColumnType.INTEGER,
                ColumnType.DOUBLE, ColumnType.DOUBLE, ColumnType.DOUBLE), log);
        return result;
    }

    /** The scale a preset trains at, for findings tables. */
    public static String scale(Preset preset) {
        return scale(size(preset));
    }

    static String scale(Size s) {
        return String.format("2 layers, d %d, %d heads, %d keys, %d values, length %d, %d steps", s.dModel(), s.heads(),
                s.keys(), s.values(), 2 * s.assignments() + 2 * s.keys(), s.steps());
    }

    /** {@code variant}'s accuracy at every N of a result: {@code N=1 98%, N=2 41%, N=3 12%}. */
    public static String describe(ExperimentResult result, Variant variant) {
        return describe(result.table(ACCURACY), variant);
    }

    /** {@link #describe(ExperimentResult, Variant)} for a variant by display name ({@code "PaTH"}). */
    public static String describe(ExperimentResult result, String variant) {
        return describe(result, Variant.named(variant));
    }

    static String describe(Table accuracy, Variant variant) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < accuracy.rowCount(); i++) {
            if (accuracy.stringColumn("variant").get(i).equals(variant.displayName())) {
                sb.append(sb.length() == 0 ? "" : ", ").append(String.format("N=%d %.0f%%",
                        accuracy.intColumn("n").get(i), 100 * accuracy.doubleColumn("accuracy").get(i)));
            }
        }
        return sb.toString();
    }

    /**
     * The paper's PaTH claim (success for every N &lt; 4) read from a run, over the N it ran up to 3: {@code shows at
     * this scale} when PaTH reaches {@link #SUCCESS} at each, else {@code does not show at this scale} naming the N
     * where it falls short.
     */
    public static String pathVerdict(ExperimentResult result) {
        return pathVerdict(result.table(ACCURACY));
    }

    static String pathVerdict(Table accuracy) {
        int top = Math.min(3, maxN(accuracy));
        List<String> below = new java.util.ArrayList<>();
        for (int n = 1; n <= top; n++) {
            double a = accuracyOf(accuracy, Variant.PATH, n);
            if (a < SUCCESS) {
                below.add(String.format("N=%d %.0f%%", n, 100 * a));
            }
        }
        String range = top == 1 ? "N=1" : "N=1.." + top;
        return below.isEmpty()
                ? String.format("shows at this scale: PaTH reaches %.0f%% at every %s", 100 * SUCCESS, range)
                : String.format("does not show at this scale: PaTH is below %.0f%% at %s", 100 * SUCCESS,
                        String.join(", ", below));
    }

    /**
     * The paper's FoX claim (FoX fails at some N &lt; 4) read from a run: {@code not tested at this scale} when FoX
     * does not even learn N = 1 (below {@link #SUCCESS}: a baseline that cannot recall says nothing about counting
     * back); {@code shows at this scale} when it learns N = 1 and falls below it at a larger N; else {@code does not
     * show at this scale}.
     */
    public static String foxVerdict(ExperimentResult result) {
        return foxVerdict(result.table(ACCURACY));
    }

    static String foxVerdict(Table accuracy) {
        double one = accuracyOf(accuracy, Variant.FOX, 1);
        if (one < SUCCESS) {
            return String.format("not tested at this scale: FoX does not learn N=1, plain recall (%.0f%%, below "
                    + "%.0f%%), so its accuracy at larger N says nothing about counting back", 100 * one, 100 * SUCCESS);
        }
        int top = Math.min(3, maxN(accuracy));
        for (int n = 2; n <= top; n++) {
            double a = accuracyOf(accuracy, Variant.FOX, n);
            if (a < SUCCESS) {
                return String.format("shows at this scale: FoX learns N=1 (%.0f%%) and falls to %.0f%% at N=%d", 100 * one,
                        100 * a, n);
            }
        }
        return top < 2 ? "not tested at this scale: only N=1 was run"
                : String.format("does not show at this scale: FoX reaches %.0f%% at every N=1..%d", 100 * SUCCESS, top);
    }

    private static int maxN(Table accuracy) {
        return (int) accuracy.intColumn("n").max();
    }

    /** One row per N: each variant's accuracy (%) beside the paper's claim. */
    static Table summary(Table accuracy, Size s) {
        IntColumn n = IntColumn.create("N");
        Table out = Table.create(SUMMARY, n);
        for (Variant v : s.variants()) {
            out.addColumns(DoubleColumn.create(v.displayName() + " accuracy % (here)"));
        }
        StringColumn paper = StringColumn.create("paper (2 layers, d 256, length 768)");
        out.addColumns(paper);
        for (int k = 1; k <= s.maxN(); k++) {
            n.append(k);
            for (Variant v : s.variants()) {
                out.doubleColumn(v.displayName() + " accuracy % (here)").append(100 * accuracyOf(accuracy, v, k));
            }
            paper.append(k < 4 ? "PaTH succeeds, FoX does not" : "PaTH no longer succeeds (success only for N < 4)");
        }
        return out;
    }

    /** The query accuracy (0..1) of {@code variant} at {@code n} in an mqrar result (its {@value #ACCURACY} table). */
    public static double accuracy(ExperimentResult result, Variant variant, int n) {
        return accuracyOf(result.table(ACCURACY), variant, n);
    }

    /** {@link #accuracy(ExperimentResult, Variant, int)} for a variant by display name ({@code "FoX"}). */
    public static double accuracy(ExperimentResult result, String variant, int n) {
        return accuracy(result, Variant.named(variant), n);
    }

    /** The accuracy of {@code variant} at {@code n} in an {@value #ACCURACY} table. */
    static double accuracyOf(Table accuracy, Variant variant, int n) {
        for (int i = 0; i < accuracy.rowCount(); i++) {
            if (accuracy.stringColumn("variant").get(i).equals(variant.displayName())
                    && accuracy.intColumn("n").get(i) == n) {
                return accuracy.doubleColumn("accuracy").get(i);
            }
        }
        throw new IllegalArgumentException("No accuracy for variant '" + variant + "' at N=" + n);
    }
}
