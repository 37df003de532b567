package org.attnlab.experiments;

import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.attention.AttentionKind;
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

    static final Map<String, AttentionKind> KINDS = Map.of(
            "PaTH", AttentionKind.PATH, "FoX", AttentionKind.FOX, "RoPE", AttentionKind.STANDARD);

    /**
     * Sizes per preset.
     *
     * @param keys        K distinct keys (all of them are queried)
     * @param values      V distinct values (chance accuracy 1/V)
     * @param assignments A key-value pairs before the queries
     */
    record Size(List<String> variants, int maxN, int dModel, int heads, int keys, int values, int assignments,
                int steps, int batchSize, double lr, int testBatches) {
    }

    static Size size(Preset preset) {
        return preset.pick(
                new Size(List.of("PaTH", "FoX"), 2, 16, 2, 2, 4, 4, 6, 8, 3e-3, 1),
                new Size(List.of("PaTH", "FoX"), 3, 64, 2, 4, 16, 16, 300, 32, 3e-3, 4),
                new Size(List.of("PaTH", "FoX", "RoPE"), 4, 256, 2, 32, 64, 368, 20000, 32, 1e-3, 16));
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
            for (String v : s.variants()) {
                TaskModelRun.Spec spec = new TaskModelRun.Spec(v + " N=" + n, KINDS.get(v), 2, s.dModel(), s.heads(),
                        task, s.assignments(), s.batchSize(), s.steps(), s.lr(), Math.max(1, s.steps() / 5), 2.0);
                try (TaskModelRun run = TaskModelRun.train(spec, s.assignments(), settings, log, progress)) {
                    if (run.divergenceNote() != null) {
                        result.note(run.divergenceNote());
                    }
                    Map<String, Double> m = run.evaluate(Split.TEST, s.assignments(), s.batchSize(), s.testBatches());
                    variant.append(v);
                    nCol.append(n);
                    acc.append(m.get("accuracy"));
                    chance.append(1.0 / s.values());
                    seconds.append(run.result().seconds());
                }
            }
        }
        Table accuracy = Table.create("accuracy", variant, nCol, acc, chance, seconds);
        result.table("accuracy", accuracy);
        result.table("summary", summary(accuracy, s));

        Table forPlot = accuracy.copy();
        forPlot.addColumns(accuracy.intColumn("n").asStringColumn().setName("MQRAR-N"));
        result.figure(Plots.bars(forPlot, "MQRAR-N", "accuracy", "variant")
                .title("MQRAR-N: query accuracy by N (chance " + String.format("%.1f%%", 100.0 / s.values()) + ")"));
        Table curves = log.table().where(log.table().stringColumn(MetricsLog.METRIC).isEqualTo("train_loss"));
        result.figure(Plots.lines(curves, MetricsLog.STEP, MetricsLog.VALUE, MetricsLog.RUN).logY()
                .title("Training loss"));

        for (String v : s.variants()) {
            result.note(v + ": " + describe(accuracy, v));
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
    public static String describe(ExperimentResult result, String variant) {
        return describe(result.table("accuracy"), variant);
    }

    static String describe(Table accuracy, String variant) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < accuracy.rowCount(); i++) {
            if (accuracy.stringColumn("variant").get(i).equals(variant)) {
                sb.append(sb.length() == 0 ? "" : ", ").append(String.format("N=%d %.0f%%",
                        accuracy.intColumn("n").get(i), 100 * accuracy.doubleColumn("accuracy").get(i)));
            }
        }
        return sb.toString();
    }

    /** One row per N: each variant's accuracy (%) beside the paper's claim. */
    static Table summary(Table accuracy, Size s) {
        IntColumn n = IntColumn.create("N");
        Table out = Table.create("summary", n);
        for (String v : s.variants()) {
            out.addColumns(DoubleColumn.create(v + " accuracy % (here)"));
        }
        StringColumn paper = StringColumn.create("paper (2 layers, d 256, length 768)");
        out.addColumns(paper);
        for (int k = 1; k <= s.maxN(); k++) {
            n.append(k);
            for (String v : s.variants()) {
                out.doubleColumn(v + " accuracy % (here)").append(100 * accuracyOf(accuracy, v, k));
            }
            paper.append(k < 4 ? "PaTH succeeds, FoX does not" : "PaTH no longer succeeds (success only for N < 4)");
        }
        return out;
    }

    /** The query accuracy (0..1) of {@code variant} at {@code n} in an mqrar result (its {@code accuracy} table). */
    public static double accuracy(ExperimentResult result, String variant, int n) {
        return accuracyOf(result.table("accuracy"), variant, n);
    }

    /** The accuracy of {@code variant} at {@code n} in an {@code accuracy} table. */
    static double accuracyOf(Table accuracy, String variant, int n) {
        for (int i = 0; i < accuracy.rowCount(); i++) {
            if (accuracy.stringColumn("variant").get(i).equals(variant) && accuracy.intColumn("n").get(i) == n) {
                return accuracy.doubleColumn("accuracy").get(i);
            }
        }
        throw new IllegalArgumentException("No accuracy for variant '" + variant + "' at N=" + n);
    }
}
