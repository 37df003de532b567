package org.attnlab.experiments;

import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.attention.AttentionKind;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.WordProblemTask;
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

    static final Map<String, AttentionKind> KINDS = Map.of(
            "PaTH", AttentionKind.PATH, "RoPE", AttentionKind.STANDARD, "FoX", AttentionKind.FOX);

    /** Sizes per preset. */
    record Size(List<String> groups, List<String> variants, List<Integer> layers, int dModel, int heads,
                int trainLength, int steps, int batchSize, double lr, int testBatches) {
    }

    static Size size(Preset preset) {
        return preset.pick(
                new Size(List.of("A5"), List.of("PaTH", "RoPE"), List.of(1), 16, 2, 6, 6, 8, 3e-3, 1),
                new Size(List.of("A5"), List.of("PaTH", "RoPE"), List.of(1, 2), 64, 2, 8, 2500, 64, 3e-3, 4),
                new Size(List.of("A5", "S5"), List.of("PaTH", "RoPE", "FoX"), List.of(1, 2, 3, 4), 128, 4, 64, 10000,
                        64, 1e-3, 16));
    }

    static WordProblemTask task(String group) {
        return switch (group) {
            case "A5" -> WordProblemTask.a5();
            case "S5" -> WordProblemTask.s5();
            default -> throw new IllegalArgumentException("Unknown group '" + group + "'; allowed: A5, S5");
        };
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
                + "d 64, length 8 (test 16), 2500 steps; full: A5 and S5, PaTH, RoPE and FoX, 1-4 layers, d 128, "
                + "length 64, 10000 steps.";
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
        DoubleColumn sAcc = DoubleColumn.create("accuracy (train length)");
        DoubleColumn sFinal = DoubleColumn.create("final-state accuracy (train length)");
        DoubleColumn sFinalLong = DoubleColumn.create("final-state accuracy (2x length)");
        DoubleColumn sSeconds = DoubleColumn.create("train_seconds");

        for (String group : s.groups()) {
            WordProblemTask task = task(group);
            for (String variant : s.variants()) {
                for (int layers : s.layers()) {
                    String model = variant + " L" + layers;
                    TaskModelRun.Spec spec = new TaskModelRun.Spec(group + " " + model, KINDS.get(variant), layers,
                            s.dModel(), s.heads(), task, s.trainLength(), s.batchSize(), s.steps(), s.lr(),
                            Math.max(1, s.steps() / 5), 2.0);
                    try (TaskModelRun run = TaskModelRun.train(spec, testLength, settings, log, progress)) {
                        if (run.divergenceNote() != null) {
                            result.note(run.divergenceNote());
                        }
                        double[] byPos = run.accuracyByPosition(Split.TEST, testLength, s.batchSize(),
                                s.testBatches());
                        for (int t = 1; t < byPos.length; t++) {   // input t holds g_t (0 is <bos>, not graded)
                            lGroup.append(group);
                            lModel.append(model);
                            lVariant.append(variant);
                            lLayers.append(layers);
                            lLength.append(t);
                            lAcc.append(byPos[t]);
                        }
                        Map<String, Double> atTrain = run.evaluate(Split.TEST, s.trainLength(), s.batchSize(),
                                s.testBatches());
                        Map<String, Double> atTest = run.evaluate(Split.TEST, testLength, s.batchSize(),
                                s.testBatches());
                        sGroup.append(group);
                        sVariant.append(variant);
                        sLayers.append(layers);
                        sAcc.append(atTrain.get("accuracy"));
                        sFinal.append(atTrain.get("final_accuracy"));
                        sFinalLong.append(atTest.get("final_accuracy"));
                        sSeconds.append(run.result().seconds());
                    }
                }
            }
        }
        Table byLength = Table.create("by_length", lGroup, lModel, lVariant, lLayers, lLength, lAcc);
        Table summary = Table.create("summary", sGroup, sVariant, sLayers, sAcc, sFinal, sFinalLong, sSeconds);
        result.table("by_length", byLength);
        result.table("summary", summary);

        for (String group : s.groups()) {
            Table g = byLength.where(byLength.stringColumn("group").isEqualTo(group));
            result.figure(Plots.accuracyByLength(g, "length", "accuracy", "model")
                    .markX(s.trainLength(), "train length")
                    .title(group + ": accuracy of the state after t elements (trained at length " + s.trainLength()
                            + ")"));
        }
        Table curves = log.table().where(log.table().stringColumn(MetricsLog.METRIC).isEqualTo("train_loss"));
        result.figure(Plots.lines(curves, MetricsLog.STEP, MetricsLog.VALUE, MetricsLog.RUN).logY()
                .title("Training loss"));

        for (String group : s.groups()) {
            for (String variant : s.variants()) {
                result.note(group + " " + variant + ": " + solvedAt(summary, group, variant, s.layers()) + "; "
                        + describe(summary, group, variant));
            }
        }
        result.note(String.format("Scale: %s, %d sequences per step, lr %.0e (the paper trains to convergence, with "
                + "more layers and longer sequences).", scale(s), s.batchSize(), s.lr()));
        result.note("Time: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
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
     * Whether {@code variant} solved {@code group} in a result, and with how few layers: e.g. {@code solved (>90%
     * accuracy at the training length) with 2 layers (95.1%)} or {@code not solved with up to 2 layers (best 31.0%)}.
     */
    public static String verdict(ExperimentResult result, String group, String variant) {
        Table summary = result.table("summary");
        List<Integer> layers = new java.util.ArrayList<>();
        for (int i = 0; i < summary.rowCount(); i++) {
            if (isModel(summary, i, group, variant)) {
                layers.add(summary.intColumn("layers").get(i));
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("No " + group + " " + variant + " models in this result");
        }
        return solvedAt(summary, group, variant, layers);
    }

    /** Accuracy at the training length per depth: {@code L1 31%, L2 45%}. */
    static String describe(Table summary, String group, String variant) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < summary.rowCount(); i++) {
            if (isModel(summary, i, group, variant)) {
                double acc = summary.doubleColumn("accuracy (train length)").get(i);
                sb.append(sb.length() == 0 ? "" : ", ")
                        .append(String.format("L%d %.1f%%", summary.intColumn("layers").get(i), 100 * acc));
            }
        }
        return sb.toString();
    }

    private static boolean isModel(Table summary, int row, String group, String variant) {
        return summary.stringColumn("group").get(row).equals(group)
                && summary.stringColumn("variant").get(row).equals(variant);
    }

    /** "solved (>90% per-position accuracy at the training length) with 2 layers" or "not solved with up to N". */
    static String solvedAt(Table summary, String group, String variant, List<Integer> layers) {
        for (int n : layers) {
            double acc = accuracy(summary, group, variant, n);
            if (acc > 0.9) {
                return String.format("solved (>90%% accuracy at the training length) with %d layer%s (%.1f%%)", n,
                        n == 1 ? "" : "s", 100 * acc);
            }
        }
        int max = layers.get(layers.size() - 1);
        return String.format("not solved with up to %d layer%s (best %.1f%%)", max, max == 1 ? "" : "s",
                100 * layers.stream().mapToDouble(n -> accuracy(summary, group, variant, n)).max().orElse(0));
    }

    /**
     * Per-position accuracy (0..1) at the training length of the {@code group} (A5, S5) model with {@code variant}
     * attention and {@code layers} layers in a word-problems result.
     */
    public static double accuracy(ExperimentResult result, String group, String variant, int layers) {
        return accuracy(result.table("summary"), group, variant, layers);
    }

    /** Per-position accuracy at the training length of one model in a {@code summary} table. */
    static double accuracy(Table summary, String group, String variant, int layers) {
        for (int i = 0; i < summary.rowCount(); i++) {
            if (summary.stringColumn("group").get(i).equals(group)
                    && summary.stringColumn("variant").get(i).equals(variant)
                    && summary.intColumn("layers").get(i) == layers) {
                return summary.doubleColumn("accuracy (train length)").get(i);
            }
        }
        throw new IllegalArgumentException("No summary row for " + group + " " + variant + " with " + layers
                + " layers");
    }
}
