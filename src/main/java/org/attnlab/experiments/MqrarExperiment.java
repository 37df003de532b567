package org.attnlab.experiments;

import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.data.tasks.MqrarTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.viz.Plots;
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
                Size.builder().variants(Variant.PATH, Variant.FOX, Variant.ROPE).maxN(4).dModel(256).heads(2)
                        .keys(32).values(64).assignments(368).steps(20000).batchSize(32).lr(1e-3).testBatches(16)
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
                + "N 1-3, PaTH and FoX, 4 keys, 16 values, 16 assignments, d 64, 300 steps; full: N 1-4, PaTH, FoX "
                + "and RoPE, 32 keys, 368 assignments (length 800), d 256, 20000 steps.";
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
        for (int n = 1; n <= s.maxN(); n++) {
            MqrarTask task = new MqrarTask(n, s.keys(), s.values(), s.keys());
            for (Variant v : s.variants()) {
                TaskModelRun.Spec spec = TaskModelRun.Spec.builder(v.displayName() + " N=" + n, v.kind(), task)
                        .layers(LAYERS).dModel(s.dModel()).heads(s.heads()).trainLength(s.assignments())
                        .batchSize(s.batchSize()).steps(s.steps()).lr(s.lr()).evalEvery(Math.max(1, s.steps() / 5))
                        .build();
                try (TaskModelRun run = TaskModelRun.train(spec, s.assignments(), settings, log, progress)) {
                    if (run.divergenceNote() != null) {
                        result.note(run.divergenceNote());
                    }
                    Map<String, Double> m = run.evaluate(Split.TEST, s.assignments(), s.batchSize(), s.testBatches());
                    variant.append(v.displayName());
                    nCol.append(n);
                    acc.append(m.get("accuracy"));
                    chance.append(1.0 / s.values());
                    seconds.append(run.result().seconds());
                }
            }
        }
        Table accuracy = Table.create(ACCURACY, variant, nCol, acc, chance, seconds);
        result.table(ACCURACY, accuracy);
        result.table(SUMMARY, summary(accuracy, s));

        Table forPlot = accuracy.copy();
        forPlot.addColumns(accuracy.intColumn("n").asStringColumn().setName("MQRAR-N"));
        result.figure(ACCURACY_BARS, Plots.bars(forPlot, "MQRAR-N", "accuracy", "variant")
                .title("MQRAR-N: query accuracy by N (chance " + String.format("%.1f%%", 100.0 / s.values()) + ")"));
        Table curves = log.table().where(log.table().stringColumn(MetricsLog.METRIC).isEqualTo("train_loss"));
        result.figure(TRAINING_LOSS, Plots.lines(curves, MetricsLog.STEP, MetricsLog.VALUE, MetricsLog.RUN).logY()
                .title("Training loss"));

        for (Variant v : s.variants()) {
            result.note(v.displayName() + ": " + describe(accuracy, v));
        }
        result.note(String.format("Scale: %s, %d sequences per step, lr %.0e (paper: d 256, 2 heads, 32 keys, "
                + "length 768).", scale(s), s.batchSize(), s.lr()));
        result.note("Time: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
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
