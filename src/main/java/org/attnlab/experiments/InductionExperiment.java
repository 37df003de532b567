package org.attnlab.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnlab.Seeds;
import org.attnlab.Settings;
import org.attnlab.data.tasks.RepeatedTokensTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.ModelConfig;
import org.attnlab.model.ModelWeights;
import org.attnlab.probe.InductionScores;
import org.attnlab.train.BatchMetric;
import org.attnlab.train.EvalHook;
import org.attnlab.train.MaskedLoss;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.train.TensorBatch;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Induction heads (Olsson et al. 2022, "In-context learning and induction heads"): a 1-layer and a 2-layer
 * {@link DecoderLM} (standard RoPE attention, each block with its SwiGLU MLP) trained on repeated random tokens
 * {@code <s> r_1..r_T r_1..r_T} from {@link RepeatedTokensTask}.
 *
 * <p>The first copy is unpredictable (about {@code ln(V - t)} nats at position t); the second is predictable only
 * by an induction circuit: a previous-token head in one layer writes "my predecessor was A" into each position,
 * and an induction head in a later layer attends from the current A to the token after the earlier A and copies
 * it. One layer cannot compose the two, so a 1-layer model's loss on the repeated half stays high.
 *
 * <p>T is drawn per training step from {@code [minT, maxT]}, so no head can solve the task by attending at one
 * fixed offset (which RoPE would allow at a single T); evaluation uses {@code T = maxT}.
 *
 * <p>Measured: loss by position (first half vs repeated half), an in-context-learning score
 * {@code ICL = mean loss(positions 3T/2..2T-1) - mean loss(positions 1..T/2)} (Olsson et al. use the loss at
 * token 500 minus token 50; ours is the same idea at T tokens), {@link InductionScores} per head after training
 * and every {@code evalEvery} steps, and the phase change: the first evaluation at which the induction-position
 * loss ({@code t >= T + 1}) is below the midpoint between its first and its final value (reported only when the
 * final value is below half the first).
 *
 * <p>Presets: smoke (V 16, T 4..8, d 32, 30 steps), quick (V 64, T 8..24, d 64, 4 heads, a few hundred steps),
 * full (V 256, T 16..64, d 128, 4 heads, more steps).
 */
public final class InductionExperiment implements Experiment {

    /** Table: one row per model: losses by half, ICL score, best head scores, phase-change step. */
    public static final String SUMMARY = "summary";
    /** Table: mean loss at each position (model, position, half, loss). */
    public static final String LOSS_BY_POSITION = "loss_by_position";
    /** Table: head scores after training (model, layer, head, score, value). */
    public static final String HEAD_SCORES = "head_scores";
    /** Table: head scores at every evaluation (as {@value #HEAD_SCORES}, plus step). */
    public static final String SCORES_OVER_TRAINING = "scores_over_training";
    /** Figure: loss by position, one line per model. */
    public static final String LOSS_BY_POSITION_FIGURE = "loss_by_position";
    /** Figure: the best prefix-matching score over training. */
    public static final String PREFIX_MATCHING_CURVE = "prefix_matching_over_training";
    /** Figure: the loss at the induction positions over training. */
    public static final String INDUCTION_LOSS_CURVE = "induction_loss_over_training";
    /** Figure: prefix-matching score per head of the 2-layer model. */
    public static final String PREFIX_MATCHING_HEADS = "prefix_matching_heads";
    /** Figure: previous-token score per head of the 2-layer model. */
    public static final String PREVIOUS_TOKEN_HEADS = "previous_token_heads";

    /** Figure: the attention of the best prefix-matching head of the {@code layers}-layer model on one sequence. */
    public static String attentionFigure(int layers) {
        return "attention_" + layers + "-layer";
    }

    /**
     * Run sizes for one preset; build with {@link #builder()}.
     *
     * @param vocab           V random tokens
     * @param minT            shortest repeated block in training
     * @param maxT            longest repeated block in training, and the one evaluated
     * @param batch           sequences per step (and per loss-by-position batch)
     * @param evalEvery       evaluate (and score heads) every n steps
     * @param evalBatches     batches per evaluation
     * @param probeSequences  sequences the head scores are measured on
     * @param positionBatches batches the loss by position is averaged over
     * @param heatmapT        block length of the sequence whose attention is drawn
     */
    record Sizes(int vocab, int minT, int maxT, int dModel, int heads, int steps, int batch, double lr,
                 int evalEvery, int evalBatches, int probeSequences, int positionBatches, int heatmapT) {

        static Builder builder() {
            return new Builder();
        }

        /** Named setters for {@link Sizes}; every field is required. */
        static final class Builder {
            private int vocab;
            private int minT;
            private int maxT;
            private int dModel;
            private int heads;
            private int steps;
            private int batch;
            private double lr;
            private int evalEvery;
            private int evalBatches;
            private int probeSequences;
            private int positionBatches;
            private int heatmapT;

            Builder vocab(int v) {
                vocab = v;
                return this;
            }

            /** Training draws T uniformly from {@code minT..maxT}; evaluation uses maxT. */
            Builder repeatLength(int min, int max) {
                minT = min;
                maxT = max;
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

            Builder evalBatches(int v) {
                evalBatches = v;
                return this;
            }

            Builder probeSequences(int v) {
                probeSequences = v;
                return this;
            }

            Builder positionBatches(int v) {
                positionBatches = v;
                return this;
            }

            Builder heatmapT(int v) {
                heatmapT = v;
                return this;
            }

            Sizes build() {
                SizeChecks.positive("induction sizes", "vocab", vocab, "minT", minT, "maxT", maxT, "dModel", dModel,
                        "heads", heads, "steps", steps, "batch", batch, "evalEvery", evalEvery, "evalBatches",
                        evalBatches, "probeSequences", probeSequences, "positionBatches", positionBatches,
                        "heatmapT", heatmapT);
                SizeChecks.positiveRate("induction sizes", lr);
                if (minT > maxT) {
                    throw new IllegalArgumentException("induction sizes: repeatLength min " + minT + " > max " + maxT);
                }
                return new Sizes(vocab, minT, maxT, dModel, heads, steps, batch, lr, evalEvery, evalBatches,
                        probeSequences, positionBatches, heatmapT);
            }
        }
    }

    static final Sizes SMOKE = Sizes.builder().vocab(16).repeatLength(4, 8).dModel(32).heads(2).steps(30).batch(8)
            .lr(3e-3).evalEvery(10).evalBatches(1).probeSequences(4).positionBatches(1).heatmapT(5).build();
    static final Sizes QUICK = Sizes.builder().vocab(64).repeatLength(8, 24).dModel(64).heads(4).steps(1500).batch(32)
            .lr(2e-3).evalEvery(50).evalBatches(2).probeSequences(16).positionBatches(8).heatmapT(10).build();
    static final Sizes FULL = Sizes.builder().vocab(256).repeatLength(16, 64).dModel(128).heads(4).steps(4000)
            .batch(64).lr(1e-3).evalEvery(100).evalBatches(8).probeSequences(64).positionBatches(32).heatmapT(16)
            .build();

    static final String FIRST_HALF = "first half";
    static final String REPEATED_HALF = "repeated half";

    @Override
    public String name() {
        return "induction";
    }

    @Override
    public String title() {
        return "Induction heads: 1-layer vs 2-layer on repeated random tokens";
    }

    @Override
    public String description() {
        return "Olsson et al. (2022): induction heads need two layers (a previous-token head, then a head that "
                + "matches on the shifted key) and form in a sudden phase change. We train a 1-layer and a 2-layer "
                + "decoder (standard attention with RoPE, SwiGLU MLPs) on repeated random tokens <s> r1..rT r1..rT "
                + "with T varying per step, then report the loss by position (first vs repeated half), an "
                + "in-context-learning score, per-head prefix-matching and previous-token scores, and the step of "
                + "the phase change. Smoke: seconds; quick: a few minutes on a CPU; full: larger vocab and T.";
    }

    @Override
    public ExperimentResult run(Settings settings, ProgressListener progress) {
        Sizes s = settings.preset().pick(SMOKE, QUICK, FULL);
        RunClock clock = new RunClock();
        MetricsLog log = new MetricsLog();
        ExperimentResult result = new ExperimentResult(this, settings, log);
        RepeatedTokensTask task = new RepeatedTokensTask(s.vocab());

        Table byPosition = Table.create("loss by position", StringColumn.create("model"), IntColumn.create("position"),
                StringColumn.create("half"), DoubleColumn.create("loss"));
        Table finalScores = scoreTable("head scores");
        Table scoresOverTraining = scoreTable("scores over training");
        scoresOverTraining.addColumns(LongColumn.create("step"));
        Table summary = Table.create("summary", StringColumn.create("model"), DoubleColumn.create("first_half_loss"),
                DoubleColumn.create("repeated_half_loss"), DoubleColumn.create("induction_loss"),
                DoubleColumn.create("induction_accuracy"), DoubleColumn.create("icl_score"),
                DoubleColumn.create("max_prefix_matching"), DoubleColumn.create("max_previous_token"),
                DoubleColumn.create("phase_change_step"), StringColumn.create("paper"));
        Map<Integer, float[][]> heatmaps = new LinkedHashMap<>();      // by depth
        Map<Integer, String> heatmapHeads = new LinkedHashMap<>();
        int[] heatmapTokens = task.sample(1, s.heatmapT(), Split.TEST,
                Seeds.derive(settings.seed(), "induction heatmap sequence")).inputs()[0];
        int[][] probe = task.sample(s.probeSequences(), s.maxT(), Split.TEST,
                Seeds.derive(settings.seed(), "induction probe sequences")).inputs();

        for (int layers : new int[] {1, 2}) {
            String model = layers + "-layer";
            ModelConfig config = ModelConfig.builder(task.vocabulary().size(), s.dModel(), s.heads(), layers).build();
            try (NDManager mm = NDManager.newBaseManager(settings.device())) {
                DecoderLM lm = DecoderLM.create(config, mm, settings.seed());
                TrainConfig tc = TrainConfig.builder(settings.seed(), settings.device()).steps(s.steps())
                        .batchSize(s.batch()).context(2 * s.maxT()).lr(s.lr()).evalEvery(s.evalEvery())
                        .evalBatches(s.evalBatches()).build();
                EvalHook scoreHook = (trainer, step) -> {
                    Table t = InductionScores.measure(lm, mm, probe);
                    appendScores(scoresOverTraining, model, t, step);
                    return Map.of("max_prefix_matching", InductionScores.max(t, InductionScores.PREFIX_MATCHING),
                            "max_previous_token", InductionScores.max(t, InductionScores.PREVIOUS_TOKEN));
                };
                try (Trainer trainer = Trainer.builder().model(lm).config(tc).trainData(trainData(task, s))
                        .evalData(evalData(task, s.maxT())).runName(model).listener(progress).metrics(log)
                        .batchMetric(halfLoss("first_half_loss", false)).batchMetric(halfLoss("induction_loss", true))
                        .evalHook(scoreHook).build()) {
                    trainer.run();
                    double[] loss = new double[2 * s.maxT()];
                    double[] correct = new double[2 * s.maxT()];
                    lossByPosition(trainer, mm, lm, task, s, settings.seed(), loss, correct);
                    for (int p = 0; p < loss.length; p++) {
                        byPosition.stringColumn("model").append(model);
                        byPosition.intColumn("position").append(p);
                        byPosition.stringColumn("half").append(p < s.maxT() ? FIRST_HALF : REPEATED_HALF);
                        byPosition.doubleColumn("loss").append(loss[p]);
                    }
                    Table scores = InductionScores.measure(lm, mm, probe);
                    appendScores(finalScores, model, scores, -1);
                    int[] best = InductionScores.best(scores, InductionScores.PREFIX_MATCHING);
                    heatmaps.put(layers, InductionScores.pattern(lm, mm, heatmapTokens, best[0], best[1]));
                    heatmapHeads.put(layers, "L" + best[0] + " H" + best[1]);
                    int t = s.maxT();
                    summary.stringColumn("model").append(model);
                    summary.doubleColumn("first_half_loss").append(mean(loss, 1, t));
                    summary.doubleColumn("repeated_half_loss").append(mean(loss, t, 2 * t));
                    summary.doubleColumn("induction_loss").append(mean(loss, t + 1, 2 * t));
                    summary.doubleColumn("induction_accuracy").append(mean(correct, t + 1, 2 * t));
                    summary.doubleColumn("icl_score").append(mean(loss, 3 * t / 2, 2 * t) - mean(loss, 1, t / 2 + 1));
                    summary.doubleColumn("max_prefix_matching").append(
                            InductionScores.max(scores, InductionScores.PREFIX_MATCHING));
                    summary.doubleColumn("max_previous_token").append(
                            InductionScores.max(scores, InductionScores.PREVIOUS_TOKEN));
                    summary.doubleColumn("phase_change_step").append(phaseChange(log, model));
                    summary.stringColumn("paper").append(layers == 1
                            ? "no induction heads; repeated-half loss stays high"
                            : "induction heads form in a phase change; repeated tokens predicted almost perfectly");
                }
            }
        }

        result.table(SUMMARY, summary).table(LOSS_BY_POSITION, byPosition).table(HEAD_SCORES, finalScores)
                .table(SCORES_OVER_TRAINING, scoresOverTraining);
        addFigures(result, s, task, byPosition, finalScores, log, summary, heatmaps, heatmapHeads, heatmapTokens);
        addNotes(result, s, summary);
        result.note("Cost: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
    }

    // ---------------------------------------------------------------- data and metrics

    /** Training batches with T drawn per step from [minT, maxT] (one T per batch). */
    static TrainingData trainData(RepeatedTokensTask task, Sizes s) {
        return (manager, req) -> {
            int t = s.minT() + req.random().nextInt(s.maxT() - s.minT() + 1);
            TaskBatch b = task.sample(s.batch(), t, Split.TRAIN, req.seed());
            return new TensorBatch(b.inputArray(manager), b.targetArray(manager), b.maskArray(manager));
        };
    }

    /** Evaluation batches at a fixed T from the test split. */
    static TrainingData evalData(RepeatedTokensTask task, int t) {
        return (manager, req) -> {
            TaskBatch b = task.sample(req.batchSize(), t, Split.TEST, req.seed());
            return new TensorBatch(b.inputArray(manager), b.targetArray(manager), b.maskArray(manager));
        };
    }

    /**
     * Mean loss over the first half (input positions 1..T-1; position 0 follows {@code <s>}) or over the induction
     * positions {@code T+1..2T-1} of an eval batch of input length 2T.
     */
    static BatchMetric halfLoss(String name, boolean induction) {
        return BatchMetric.of(name, (batch, logits) -> {
            int len = (int) batch.length();
            int t = len / 2;
            int from = induction ? t + 1 : 1;
            int to = induction ? len : t;
            NDArray mask = positionMask(logits.getManager(), (int) batch.batchSize(), len, from, to);
            double nll = MaskedLoss.nllSum(logits, batch.targets(), mask).toType(DataType.FLOAT64, false).getDouble();
            return new double[] {nll, batch.batchSize() * (double) (to - from)};
        });
    }

    /** A {@code [B, L]} float mask, 1 at positions {@code from..to-1}. */
    static NDArray positionMask(NDManager manager, int b, int len, int from, int to) {
        float[] m = new float[b * len];
        for (int i = 0; i < b; i++) {
            for (int p = from; p < to; p++) {
                m[i * len + p] = 1f;
            }
        }
        return manager.create(m, new Shape(b, len));
    }

    /** Mean next-token loss and accuracy at each input position 0..2T-1 (T = maxT), over test batches. */
    private static void lossByPosition(Trainer trainer, NDManager mm, DecoderLM lm, RepeatedTokensTask task, Sizes s,
                                       long seed, double[] loss, double[] correct) {
        int len = 2 * s.maxT();
        int n = 0;
        long positionSeed = Seeds.derive(seed, "induction loss by position");
        for (int i = 0; i < s.positionBatches(); i++) {
            TaskBatch b = task.sample(s.batch(), s.maxT(), Split.TEST, Seeds.derive(positionSeed, i));
            try (NDManager sub = mm.newSubManager()) {
                sub.tempAttachAll(ModelWeights.arrays(lm));   // arrays derived from the weights are freed with sub
                NDArray logits = trainer.logits(b.inputArray(sub));                         // [B, 2T, V]
                NDArray targets = b.targetArray(sub).expandDims(-1);                        // [B, 2T, 1]
                float[] nll = logits.logSoftmax(-1).gather(targets, -1).squeeze(-1).neg().toFloatArray(); // [B*2T]
                boolean[] hit = logits.argMax(-1).eq(targets.squeeze(-1)).toBooleanArray();
                for (int k = 0; k < nll.length; k++) {
                    loss[k % len] += nll[k];
                    correct[k % len] += hit[k] ? 1 : 0;
                }
                n += b.batchSize();
            }
        }
        for (int p = 0; p < len; p++) {
            loss[p] /= n;
            correct[p] /= n;
        }
    }

    /**
     * The phase change of run {@code model}: the first evaluated step at which {@code eval_induction_loss} is below
     * the midpoint of its first and last values; NaN when the last value is not below half the first.
     */
    static double phaseChange(MetricsLog log, String model) {
        Table t = log.table();
        Table rows = t.where(t.stringColumn(MetricsLog.RUN).isEqualTo(model)
                .and(t.stringColumn(MetricsLog.METRIC).isEqualTo("eval_induction_loss")));
        if (rows.rowCount() < 2) {
            return Double.NaN;
        }
        double first = rows.doubleColumn(MetricsLog.VALUE).getDouble(0);
        double last = rows.doubleColumn(MetricsLog.VALUE).getDouble(rows.rowCount() - 1);
        if (!(last < first / 2)) {
            return Double.NaN;
        }
        double mid = (first + last) / 2;
        for (int r = 0; r < rows.rowCount(); r++) {
            if (rows.doubleColumn(MetricsLog.VALUE).getDouble(r) < mid) {
                return rows.longColumn(MetricsLog.STEP).getLong(r);
            }
        }
        return Double.NaN;
    }

    // ---------------------------------------------------------------- tables, figures, notes

    private static Table scoreTable(String name) {
        return Table.create(name, StringColumn.create("model"), IntColumn.create(InductionScores.LAYER),
                IntColumn.create(InductionScores.HEAD), StringColumn.create(InductionScores.SCORE),
                DoubleColumn.create(InductionScores.VALUE));
    }

    private static void appendScores(Table into, String model, Table scores, long step) {
        for (int r = 0; r < scores.rowCount(); r++) {
            into.stringColumn("model").append(model);
            into.intColumn(InductionScores.LAYER).append(scores.intColumn(InductionScores.LAYER).getInt(r));
            into.intColumn(InductionScores.HEAD).append(scores.intColumn(InductionScores.HEAD).getInt(r));
            into.stringColumn(InductionScores.SCORE).append(scores.stringColumn(InductionScores.SCORE).get(r));
            into.doubleColumn(InductionScores.VALUE).append(scores.doubleColumn(InductionScores.VALUE).getDouble(r));
            if (step >= 0) {
                into.longColumn("step").append(step);
            }
        }
    }

    private static void addFigures(ExperimentResult result, Sizes s, RepeatedTokensTask task, Table byPosition,
                                   Table finalScores, MetricsLog log, Table summary, Map<Integer, float[][]> heatmaps,
                                   Map<Integer, String> heads, int[] heatmapTokens) {
        result.note("Figures: loss by position; the best prefix-matching score and the induction-position loss over "
                + "training (dashed line: the 2-layer phase change); prefix-matching and previous-token scores per head "
                + "of the 2-layer model; the attention of each model's best prefix-matching head on one sequence "
                + "(an induction head lights the off-diagonal stripe one token right of the earlier copy).");
        result.figure(LOSS_BY_POSITION_FIGURE, Plots.lines(byPosition, "position", "loss", "model")
                .markX(s.maxT() - 0.5, "repeat starts")
                .title("Loss by position, T = " + s.maxT() + " (second copy starts at position " + s.maxT() + ")"));
        Table metrics = log.table();
        Table curve = metrics.where(metrics.stringColumn(MetricsLog.METRIC).isIn("max_prefix_matching",
                "eval_induction_loss"));
        Table scoreCurve = curve.where(curve.stringColumn(MetricsLog.METRIC).isEqualTo("max_prefix_matching"));
        double phase = summary.doubleColumn("phase_change_step").getDouble(1);
        scoreCurve.column(MetricsLog.VALUE).setName("best prefix-matching score");
        var scoreFig = Plots.lines(scoreCurve, MetricsLog.STEP, "best prefix-matching score", MetricsLog.RUN)
                .title("Best prefix-matching score over training");
        Table lossCurve = curve.where(curve.stringColumn(MetricsLog.METRIC).isEqualTo("eval_induction_loss"));
        lossCurve.column(MetricsLog.VALUE).setName("loss at induction positions (nats)");
        var lossFig = Plots.lines(lossCurve, MetricsLog.STEP, "loss at induction positions (nats)", MetricsLog.RUN)
                .title("Loss on the repeated half over training");
        if (Double.isFinite(phase)) {
            scoreFig.markX(phase, "phase change (2-layer)");
            lossFig.markX(phase, "phase change (2-layer)");
        }
        result.figure(PREFIX_MATCHING_CURVE, scoreFig).figure(INDUCTION_LOSS_CURVE, lossFig);
        Table two = finalScores.where(finalScores.stringColumn("model").isEqualTo("2-layer"));
        result.figure(PREFIX_MATCHING_HEADS, Plots.headGrid(InductionScores.only(two, InductionScores.PREFIX_MATCHING),
                InductionScores.LAYER, InductionScores.HEAD, InductionScores.VALUE).title("Prefix matching (2-layer)"));
        result.figure(PREVIOUS_TOKEN_HEADS, Plots.headGrid(InductionScores.only(two, InductionScores.PREVIOUS_TOKEN),
                InductionScores.LAYER, InductionScores.HEAD, InductionScores.VALUE).title("Previous token (2-layer)"));
        List<String> tokens = new ArrayList<>();
        for (int id : heatmapTokens) {   // plotly reads "<s>" as a strike-through tag: spell it out
            tokens.add(id == RepeatedTokensTask.BOS ? "BOS" : task.vocabulary().token(id));
        }
        heatmaps.forEach((layers, w) -> result.figure(attentionFigure(layers), Plots.heatmap(w, tokens)
                .title(layers + "-layer, " + heads.get(layers) + ", T = " + s.heatmapT())));
    }

    private static void addNotes(ExperimentResult result, Sizes s, Table summary) {
        result.note(String.format("Scale here: V = %d random tokens, T in %d..%d (eval T = %d), d = %d, %d heads, "
                        + "%d steps of %d sequences, RoPE attention + SwiGLU MLP. Olsson et al. train on natural text "
                        + "with far larger models; the finding to compare is qualitative.", s.vocab(), s.minT(),
                s.maxT(), s.maxT(), s.dModel(), s.heads(), s.steps(), s.batch()));
        for (int r = 0; r < summary.rowCount(); r++) {
            double phase = summary.doubleColumn("phase_change_step").getDouble(r);
            result.note(String.format("%s: loss first half %.2f nats, repeated half %.2f (induction positions %.3f, "
                            + "accuracy %.2f), ICL score %.2f, best prefix-matching head %.2f, best previous-token "
                            + "head %.2f, phase change %s (uniform guess: ln %d = %.2f).",
                    summary.stringColumn("model").get(r), summary.doubleColumn("first_half_loss").getDouble(r),
                    summary.doubleColumn("repeated_half_loss").getDouble(r),
                    summary.doubleColumn("induction_loss").getDouble(r),
                    summary.doubleColumn("induction_accuracy").getDouble(r),
                    summary.doubleColumn("icl_score").getDouble(r),
                    summary.doubleColumn("max_prefix_matching").getDouble(r),
                    summary.doubleColumn("max_previous_token").getDouble(r),
                    Double.isFinite(phase) ? "at step " + (long) phase : "not seen", s.vocab(), Math.log(s.vocab())));
        }
    }

    private static double mean(double[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += x[i];
        }
        return to > from ? sum / (to - from) : Double.NaN;
    }
}
