package org.attnlab.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.attnlab.Seeds;
import org.attnlab.Settings;
import org.attnlab.data.tasks.ParityTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.LearnedPositionsLM;
import org.attnlab.model.ModelConfig;
import org.attnlab.model.ModelWeights;
import org.attnlab.probe.InductionScores;
import org.attnlab.probe.IterationHeadScores;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.train.TensorBatch;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;

/**
 * Parity with and without chain of thought (Cabannes et al., "Iteration heads: a mechanistic study of chain of
 * thought", NeurIPS 2024), on {@link ParityTask}: {@code <bos> x_1..x_L <eoi> s_1..s_L} with
 * {@code s_t = (x_1 + .. + x_t) mod 2} (with CoT) or {@code <bos> x_1..x_L <eoi> s_L} (without); loss only after
 * {@code <eoi>}. A 2-layer, 1-head {@link DecoderLM} is trained on lengths 1..maxL mixed, then evaluated at every
 * length 1..maxL on fresh test sequences:
 * <pre>
 *   accuracy(L) = mean over sequences of [answer == x_1 XOR .. XOR x_L]
 * </pre>
 * where the answer is the model's argmax after {@code <eoi>} without CoT, and with CoT the last token of the
 * chain the model writes itself (greedy decoding of all L steps from {@code <bos> x <eoi>}; no teacher forcing).
 * The teacher-forced accuracy of the last CoT token is reported beside it.
 *
 * <p>Iteration heads: on one test sequence, {@link IterationHeadScores#eoiScore} of layer 0 (CoT positions attend to
 * {@code <eoi>}) and {@link IterationHeadScores#iterationScore} of layer 1 (step t attends to x_t).
 *
 * <p>Test strings of {@link ParityTask#HELD_OUT_FROM_LENGTH} or more bits never occur in training
 * ({@link ParityTask#isHeldOut}): at the quick preset's lengths a model sees every training string many times, and
 * without the held-out split "without CoT" scored 0.96 at L = 12 by memory. Without CoT a small model does learn
 * parity of the shorter lengths (it can count the ones and map the count to a parity); how far that reaches grows
 * with training, which is why the summary reports the longest length solved as well as the accuracy at the longest.
 *
 * <p>Differences from the paper, said in the notes: like the paper, positions are learned absolute
 * embeddings ({@link LearnedPositionsLM} over a NoPE decoder); the toolkit's standard RoPE attention did not learn
 * the task in the quick budget (relative positions make "attend L tokens back" depend on L). Our blocks have SwiGLU
 * MLPs and RMSNorm; the quick preset uses a smaller width, shorter maximum length and fewer steps.
 */
public final class ParityCotExperiment implements Experiment {

    /** Table: one row per variant (with / without CoT): accuracies, longest solved length, iteration scores. */
    public static final String SUMMARY = "summary";
    /** Table: (variant, length, metric, value) for every length 1..maxL. */
    public static final String ACCURACY_BY_LENGTH = "accuracy_by_length";
    /** Figure: final-answer accuracy by number of bits, per variant. */
    public static final String ACCURACY_FIGURE = "accuracy_by_length";
    /** Figure: with CoT, the attention of the single head in each layer on one sequence. */
    public static final String ATTENTION_FIGURE = "attention_with_cot";

    /**
     * Run sizes for one preset; build with {@link #builder()}.
     *
     * @param maxLength     training mixes lengths 1..maxLength; every one is tested
     * @param evalEvery     evaluate every n steps
     * @param testPerLength test sequences per length
     * @param heatmapLength bits of the sequence whose attention is drawn
     */
    record Sizes(int maxLength, int dModel, int steps, int batch, double lr, int evalEvery, int testPerLength,
                 int heatmapLength) {

        static Builder builder() {
            return new Builder();
        }

        /** Named setters for {@link Sizes}; every field is required. */
        static final class Builder {
            private int maxLength;
            private int dModel;
            private int steps;
            private int batch;
            private double lr;
            private int evalEvery;
            private int testPerLength;
            private int heatmapLength;

            Builder maxLength(int v) {
                maxLength = v;
                return this;
            }

            Builder dModel(int v) {
                dModel = v;
                return this;
            }

            Builder steps(int v) {
                steps = v;
                return this;
            }

            Builder batch(int v) {
                batch = v;
                return this;
            }

            Builder lr(double v) {
                lr = v;
                return this;
            }

            Builder evalEvery(int v) {
                evalEvery = v;
                return this;
            }

            Builder testPerLength(int v) {
                testPerLength = v;
                return this;
            }

            Builder heatmapLength(int v) {
                heatmapLength = v;
                return this;
            }

            Sizes build() {
                SizeChecks.positive("parity-cot sizes", "maxLength", maxLength, "dModel", dModel, "steps", steps,
                        "batch", batch, "evalEvery", evalEvery, "testPerLength", testPerLength, "heatmapLength",
                        heatmapLength);
                SizeChecks.positiveRate("parity-cot sizes", lr);
                return new Sizes(maxLength, dModel, steps, batch, lr, evalEvery, testPerLength, heatmapLength);
            }
        }
    }

    static final Sizes SMOKE = Sizes.builder().maxLength(4).dModel(32).steps(20).batch(16).lr(3e-3).evalEvery(10)
            .testPerLength(16).heatmapLength(3).build();
    static final Sizes QUICK = Sizes.builder().maxLength(16).dModel(32).steps(4000).batch(128).lr(5e-3).evalEvery(100)
            .testPerLength(128).heatmapLength(8).build();
    static final Sizes FULL = Sizes.builder().maxLength(ParityTask.PAPER_MAX_LENGTH).dModel(128).steps(10000)
            .batch(128).lr(1e-3).evalEvery(500).testPerLength(1000).heatmapLength(12).build();

    /** A length counts as solved at this answer accuracy (and so do all shorter ones). */
    static final double SOLVED = 0.9;

    static final String WITH_COT = "with CoT";
    static final String WITHOUT_COT = "without CoT";

    @Override
    public String name() {
        return "parity-cot";
    }

    @Override
    public String title() {
        return "Parity with and without chain of thought (iteration heads)";
    }

    @Override
    public String description() {
        return "Cabannes et al. (NeurIPS 2024): a 2-layer, 1-head transformer learns parity of up to 32 bits when it "
                + "writes the running parity as a chain of thought ([BOS] x1..xL [EoI] s1..sL, loss only after EoI), "
                + "using iteration heads (layer 0: CoT positions attend to EoI; layer 1: step t attends to x_t); "
                + "asked for the answer right after EoI, it fails at long lengths. We train both on lengths 1..maxL "
                + "mixed and report final-answer accuracy by length (with CoT: greedy decoding of the whole chain) on "
                + "bit strings held out of training. "
                + "As in the paper, positions are learned absolute embeddings (attention itself is position-free, NoPE); unlike the paper, each block also has a SwiGLU MLP and RMSNorm.";
    }

    @Override
    public ExperimentResult run(Settings settings, ProgressListener progress) {
        Sizes s = settings.preset().pick(SMOKE, QUICK, FULL);
        RunClock clock = new RunClock();
        MetricsLog log = new MetricsLog();
        ExperimentResult result = new ExperimentResult(this, settings, log);

        Table accuracy = Table.create("accuracy by length", StringColumn.create("variant"), IntColumn.create("length"),
                StringColumn.create("metric"), DoubleColumn.create("value"));
        Table summary = Table.create("summary", StringColumn.create("variant"), DoubleColumn.create("accuracy_longest"),
                DoubleColumn.create("accuracy_mean"), IntColumn.create("solved_up_to_length"),
                DoubleColumn.create("accuracy_longest_teacher_forced"),
                DoubleColumn.create("eoi_score_layer0"), DoubleColumn.create("iteration_score_layer0"),
                DoubleColumn.create("iteration_score_layer1"),
                StringColumn.create("paper"));
        float[][][] heatmap = null;
        List<String> heatmapTokens = new ArrayList<>();

        for (ParityTask task : List.of(ParityTask.withChainOfThought(), ParityTask.withoutChainOfThought())) {
            String variant = task.chainOfThought() ? WITH_COT : WITHOUT_COT;
            ModelConfig config = ModelConfig.builder(task.vocabulary().size(), s.dModel(), 1, 2)
                    .plan(LayerPlan.uniform(AttentionKind.NOPE, 2)).build();
            try (NDManager mm = NDManager.newBaseManager(settings.device())) {
                LearnedPositionsLM lm = LearnedPositionsLM.create(config, task.inputLength(s.maxLength()), mm,
                        settings.seed());
                TrainConfig tc = TrainConfig.builder(settings.seed(), settings.device()).steps(s.steps())
                        .batchSize(s.batch()).context(task.inputLength(s.maxLength())).lr(s.lr())
                        .evalEvery(s.evalEvery()).evalBatches(2).build();
                try (Trainer trainer = Trainer.builder().model(lm).config(tc)
                        .trainData(mixed(task, s.maxLength(), Split.TRAIN)).evalData(mixed(task, s.maxLength(), Split.TEST))
                        .runName(variant).listener(progress).metrics(log).build()) {
                    trainer.run();
                    double longest = Double.NaN;
                    double longestForced = Double.NaN;
                    double sum = 0;
                    int solvedUpTo = 0;
                    boolean solvedSoFar = true;
                    long testSeed = Seeds.derive(settings.seed(), "parity test sequences");
                    for (int len = 1; len <= s.maxLength(); len++) {
                        TaskBatch test = task.sample(s.testPerLength(), len, Split.TEST, Seeds.derive(testSeed, len));
                        double[] acc = answerAccuracy(trainer, lm, mm, task, test, len);
                        add(accuracy, variant, len, "answer accuracy", acc[0]);
                        if (task.chainOfThought()) {
                            add(accuracy, variant, len, "last token, teacher forced", acc[1]);
                        }
                        sum += acc[0];
                        solvedSoFar &= acc[0] >= SOLVED;
                        solvedUpTo = solvedSoFar ? len : solvedUpTo;
                        longest = acc[0];
                        longestForced = acc[1];
                    }
                    double eoi = Double.NaN;
                    double iteration = Double.NaN;
                    double iteration0 = Double.NaN;
                    if (task.chainOfThought()) {
                        int[] seq = task.sample(1, s.heatmapLength(), Split.TEST,
                                Seeds.derive(settings.seed(), "parity heatmap sequence")).inputs()[0];
                        float[][] w0 = InductionScores.pattern(lm, mm, seq, 0, 0);   // head 0 of each layer
                        float[][] w1 = InductionScores.pattern(lm, mm, seq, 1, 0);
                        eoi = IterationHeadScores.eoiScore(w0, s.heatmapLength());
                        iteration = IterationHeadScores.iterationScore(w1, s.heatmapLength());
                        iteration0 = IterationHeadScores.iterationScore(w0, s.heatmapLength());
                        heatmap = new float[][][] {w0, w1};
                        for (int id : seq) {   // plotly may read "<bos>" as markup: spell the specials out
                            heatmapTokens.add(id == ParityTask.BOS ? "BOS" : id == ParityTask.EOI ? "EoI"
                                    : task.vocabulary().token(id));
                        }
                    }
                    summary.stringColumn("variant").append(variant);
                    summary.doubleColumn("accuracy_longest").append(longest);
                    summary.doubleColumn("accuracy_mean").append(sum / s.maxLength());
                    summary.intColumn("solved_up_to_length").append(solvedUpTo);
                    summary.doubleColumn("accuracy_longest_teacher_forced").append(longestForced);
                    summary.doubleColumn("eoi_score_layer0").append(eoi);
                    summary.doubleColumn("iteration_score_layer0").append(iteration0);
                    summary.doubleColumn("iteration_score_layer1").append(iteration);
                    summary.stringColumn("paper").append(task.chainOfThought()
                            ? "learned up to L = 32 (near-perfect), iteration heads in layers 0 and 1"
                            : "not learned at long lengths (about chance, 0.5)");
                }
            }
        }

        result.table(SUMMARY, summary).table(ACCURACY_BY_LENGTH, accuracy);
        Table answers = accuracy.where(accuracy.stringColumn("metric").isEqualTo("answer accuracy"));
        answers.column("value").setName("answer accuracy");
        result.figure(ACCURACY_FIGURE, Plots.accuracyByLength(answers, "length", "answer accuracy", "variant")
                .markX(s.maxLength(), "longest trained length")
                .title("Parity: final-answer accuracy by number of bits (chance = 0.5)"));
        if (heatmap != null) {
            result.figure(ATTENTION_FIGURE, Plots.heatmaps(heatmap,
                    List.of("layer 0 (-> <eoi>?)", "layer 1 (step t -> x_t?)"),
                    heatmapTokens, 2).title("With CoT: attention of the single head in each layer, L = "
                    + s.heatmapLength()));
        }
        result.note(String.format("Scale here: 2 layers, 1 head, d = %d, learned absolute positions + NoPE attention + SwiGLU MLP "
                        + "(the paper: d 128, learned positions), lengths 1..%d mixed (paper: 1..32), %d steps of %d sequences, "
                        + "%d test sequences per length; from %d bits on, test strings are held out of training "
                        + "(about 1 in %d of each length), so accuracy there is not memory.", s.dModel(), s.maxLength(),
                s.steps(), s.batch(), s.testPerLength(), ParityTask.HELD_OUT_FROM_LENGTH,
                ParityTask.HELD_OUT_DENOMINATOR));
        for (int r = 0; r < summary.rowCount(); r++) {
            result.note(String.format("%s: answer accuracy at L = %d: %.3f (mean over 1..%d: %.3f; at least %.1f for "
                            + "every length up to %d)%s.",
                    summary.stringColumn("variant").get(r), s.maxLength(),
                    summary.doubleColumn("accuracy_longest").getDouble(r), s.maxLength(),
                    summary.doubleColumn("accuracy_mean").getDouble(r), SOLVED,
                    summary.intColumn("solved_up_to_length").getInt(r),
                    summary.stringColumn("variant").get(r).equals(WITH_COT) ? String.format(
                            "; teacher-forced last token %.3f; layer-0 attention to <eoi> %.2f, layer-1 attention "
                                    + "from step t to x_t %.2f",
                            summary.doubleColumn("accuracy_longest_teacher_forced").getDouble(r),
                            summary.doubleColumn("eoi_score_layer0").getDouble(r),
                            summary.doubleColumn("iteration_score_layer1").getDouble(r)) : ""));
        }
        for (int r = 0; r < summary.rowCount(); r++) {
            double iteration = summary.doubleColumn("iteration_score_layer1").getDouble(r);
            double iteration0 = summary.doubleColumn("iteration_score_layer0").getDouble(r);
            if (Double.isFinite(iteration)) {
                result.note(iteration >= 0.5
                        ? String.format("Layer 1 attends from step t to x_t with weight %.2f on average: an iteration "
                                + "head, as in the paper.", iteration)
                        : iteration0 >= 0.5
                        ? String.format("The step t -> x_t lookup sits in layer 0 here (weight %.2f; layer 1: %.2f), "
                                + "not in layer 1 as in the paper: with learned absolute positions the first layer can "
                                + "already find x_t (see the heatmap).", iteration0, iteration)
                        : String.format("Step t puts only %.2f (layer 0) and %.2f (layer 1) of its weight on x_t: at "
                                + "this scale the model has not formed the paper's clean iteration head (see the "
                                + "heatmap for what it attends to instead); the paper's models train longer and wider.",
                                iteration0, iteration));
            }
        }
        result.note("Cost: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
    }

    /** Training or evaluation batches of lengths uniform in 1..maxLength, padded to the longest. */
    static TrainingData mixed(ParityTask task, int maxLength, Split split) {
        return (manager, req) -> {
            TaskBatch b = task.sampleMixedLengths(req.batchSize(), 1, maxLength, split, req.seed());
            return new TensorBatch(b.inputArray(manager), b.targetArray(manager), b.maskArray(manager));
        };
    }

    /**
     * {@code {answer accuracy, teacher-forced last-token accuracy}} on a batch of sequences of {@code len} bits.
     * Without CoT both are the accuracy of the argmax at {@code <eoi>}; with CoT the answer is the last of
     * {@code len} greedily decoded tokens.
     */
    static double[] answerAccuracy(Trainer trainer, LearnedPositionsLM lm, NDManager mm, ParityTask task, TaskBatch test,
                                   int len) {
        int n = test.batchSize();
        int[] parity = new int[n];
        for (int b = 0; b < n; b++) {
            int[] in = test.inputs()[b];
            int p = 0;
            for (int t = 1; t <= len; t++) {
                p ^= in[t] == ParityTask.ONE ? 1 : 0;
            }
            parity[b] = p == 1 ? ParityTask.ONE : ParityTask.ZERO;
        }
        try (NDManager sub = mm.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(lm));
            // teacher forced: argmax at the last graded position (len + 1 without CoT, 2 len with CoT)
            NDArray logits = trainer.logits(test.inputArray(sub));                       // [B, L, V]
            int last = task.inputLength(len) - 1;
            int[] forced = toInts(logits.get(new NDIndex(":, {}, :", last)).argMax(-1));  // [B]
            double forcedAcc = accuracy(forced, parity);
            if (!task.chainOfThought()) {
                return new double[] {forcedAcc, forcedAcc};
            }
            // greedy: start from <bos> x <eoi> (len + 2 tokens) and write len tokens
            NDArray seq = test.inputArray(sub).get(new NDIndex(":, :{}", len + 2));        // [B, len+2]
            NDArray next = null;
            for (int step = 0; step < len; step++) {
                NDArray out = trainer.logits(seq);                                         // [B, l, V]
                next = out.get(new NDIndex(":, -1, :")).argMax(-1).reshape(n, 1);          // [B, 1]
                seq = seq.concat(next, 1);
            }
            return new double[] {accuracy(toInts(next.reshape(n)), parity), forcedAcc};
        }
    }

    private static int[] toInts(NDArray a) {
        long[] v = a.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }

    private static double accuracy(int[] predicted, int[] expected) {
        int hit = 0;
        for (int i = 0; i < predicted.length; i++) {
            hit += predicted[i] == expected[i] ? 1 : 0;
        }
        return (double) hit / predicted.length;
    }

    private static void add(Table t, String variant, int length, String metric, double value) {
        t.stringColumn("variant").append(variant);
        t.intColumn("length").append(length);
        t.stringColumn("metric").append(metric);
        t.doubleColumn("value").append(value);
    }
}
