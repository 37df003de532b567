package org.attnlab.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.attnlab.Seeds;
import org.attnlab.Settings;
import org.attnlab.attention.AttentionKind;
import org.attnlab.data.Batch;
import org.attnlab.data.BatchSource;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.Task;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.attnlab.train.BatchMetric;
import org.attnlab.train.EarlyStop;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.TrainResult;
import org.attnlab.train.TrainingDiverged;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;

import java.util.Map;
import java.util.Optional;

/**
 * One small {@link DecoderLM} (one attention kind in every layer) trained on a synthetic {@link Task}, then
 * evaluated on any split and length: the shared engine of the state-tracking experiments (flip-flop, word
 * problems, MQRAR). Owns the model's manager and the trainer; {@link #close()} frees both.
 *
 * <p>A run that diverges (non-finite loss or gradient norm) is kept at its last good step ({@link #outcome()}).
 *
 * <p>Evaluation reports {@code accuracy} pooled over the graded positions (as the trainer does), and
 * {@code final_accuracy}: the share of sequences whose last graded position is right (for word problems, the
 * final state).
 */
final class TaskModelRun implements AutoCloseable {

    /** Whether the last position of each row is predicted right: numerator, denominator = batch size. */
    static final BatchMetric FINAL_ACCURACY = BatchMetric.of("final_accuracy", (batch, logits) -> {
        long len = batch.length();
        NDArray predicted = logits.get(new NDIndex(":, {}, :", len - 1)).argMax(-1);        // (B)
        NDArray target = batch.targets().get(new NDIndex(":, {}", len - 1)).toType(DataType.INT64, false);
        return new double[] {predicted.eq(target).toType(DataType.FLOAT64, false).sum().getDouble(),
            batch.batchSize()};
    });

    /**
     * What to train; build one with {@link #builder}.
     *
     * @param run         the run's name in the metrics log (e.g. {@code "PaTH"} or {@code "PaTH L2"})
     * @param kind        the attention in every layer
     * @param layers      depth
     * @param dModel      width (heads must divide it)
     * @param heads       attention heads
     * @param task        the task
     * @param trainLength the task's length knob for training batches
     * @param batchSize   sequences per step
     * @param steps       optimiser updates (at most)
     * @param lr          peak learning rate (warmup 10%, cosine to 10%)
     * @param evalEvery   evaluate on the task's first non-train split at the train length every n steps
     * @param earlyStop   stop once an evaluation reaches this target; empty: train every step
     */
    record Spec(String run, AttentionKind kind, int layers, int dModel, int heads, Task task, int trainLength,
                int batchSize, int steps, double lr, int evalEvery, Optional<EarlyStop> earlyStop) {

        Spec {
            if (run == null || kind == null || task == null || earlyStop == null) {
                throw new IllegalArgumentException("Spec needs a run name, a kind, a task and an early stop (or "
                        + "Optional.empty()); got run=" + run + ", kind=" + kind + ", task=" + task + ", earlyStop="
                        + earlyStop);
            }
            positive(run, "layers", layers);
            positive(run, "dModel", dModel);
            positive(run, "heads", heads);
            positive(run, "batchSize", batchSize);
            positive(run, "steps", steps);
            positive(run, "evalEvery", evalEvery);
            if (!(lr > 0) || !Double.isFinite(lr)) {
                throw new IllegalArgumentException("Spec '" + run + "': lr must be a positive number, got " + lr);
            }
            task.inputLength(trainLength); // validates
        }

        /** A builder for run {@code run} of {@code kind} attention on {@code task}; every size is required. */
        static Builder builder(String run, AttentionKind kind, Task task) {
            return new Builder(run, kind, task);
        }

        private static void positive(String run, String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException("Spec '" + run + "': " + name + " must be at least 1, got " + value
                        + (value == 0 ? " (not set?)" : ""));
            }
        }
    }

    /** Builds a {@link Spec} by name: {@code Spec.builder("PaTH", PATH, task).layers(1).dModel(32)...build()}. */
    static final class Builder {
        private final String run;
        private final AttentionKind kind;
        private final Task task;
        private int layers;
        private int dModel;
        private int heads;
        private int trainLength;
        private int batchSize;
        private int steps;
        private double lr;
        private int evalEvery;
        private Optional<EarlyStop> earlyStop = Optional.empty();

        private Builder(String run, AttentionKind kind, Task task) {
            this.run = run;
            this.kind = kind;
            this.task = task;
        }

        Builder layers(int n) {
            this.layers = n;
            return this;
        }

        Builder dModel(int d) {
            this.dModel = d;
            return this;
        }

        Builder heads(int n) {
            this.heads = n;
            return this;
        }

        Builder trainLength(int length) {
            this.trainLength = length;
            return this;
        }

        Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        Builder steps(int n) {
            this.steps = n;
            return this;
        }

        Builder lr(double rate) {
            this.lr = rate;
            return this;
        }

        Builder evalEvery(int n) {
            this.evalEvery = n;
            return this;
        }

        /** Stop once {@code stop} is reached (default: never, every step is trained). */
        Builder earlyStop(EarlyStop stop) {
            this.earlyStop = Optional.of(stop);
            return this;
        }

        Spec build() {
            return new Spec(run, kind, layers, dModel, heads, task, trainLength, batchSize, steps, lr, evalEvery,
                    earlyStop);
        }
    }

    private final Spec spec;
    private final Settings settings;
    private final NDManager manager;
    private final DecoderLM model;
    private final Trainer trainer;
    private final TrainResult result;
    private final RunOutcome outcome;

    private TaskModelRun(Spec spec, Settings settings, NDManager manager, DecoderLM model, Trainer trainer,
                         TrainResult result, RunOutcome outcome) {
        this.outcome = outcome;
        this.spec = spec;
        this.settings = settings;
        this.manager = manager;
        this.model = model;
        this.trainer = trainer;
        this.result = result;
    }

    /** PaTH's blockwise op runs beyond this length: 128-token blocks measured 2.4x faster than the dense op per step at
     * length 511 on an H200 (33 vs 80 ms, batch 256, d 64) and 2.3x at length 800 (134 vs 304 ms, d 256). */
    static final int PATH_BLOCK = 128;

    /** PaTH's dense/blockwise switch for training inputs of {@code inputLength} tokens: dense up to {@link #PATH_BLOCK}. */
    static int pathChunk(int inputLength) {
        return Math.min(Math.max(64, inputLength), PATH_BLOCK);
    }

    /**
     * Builds the model ({@code maxLength} covers the longest input {@code maxTaskLength} gives), trains it on the
     * task's training split, logging into {@code log}, and returns the trained run (close it).
     */
    static TaskModelRun train(Spec spec, int maxTaskLength, Settings settings, MetricsLog log,
                              ProgressListener progress) {
        return train(spec, maxTaskLength, settings, "seed " + settings.seed(), log, progress);
    }

    /**
     * As {@link #train(Spec, int, Settings, MetricsLog, ProgressListener)}, naming the seed in the progress line
     * {@code seedName} ("seed B" for a second seed derived from the reader's; the weights' seed is still derived from
     * {@code settings.seed()} and the run's name).
     */
    static TaskModelRun train(Spec spec, int maxTaskLength, Settings settings, String seedName, MetricsLog log,
                              ProgressListener progress) {
        Task task = spec.task();
        int maxInput = Math.max(task.inputLength(maxTaskLength), task.inputLength(spec.trainLength()));
        ModelConfig config = ModelConfig.builder(task.vocabulary().size(), spec.dModel(), spec.heads(), spec.layers())
                .plan(LayerPlan.uniform(spec.kind(), spec.layers()))
                .maxLength(maxInput)
                .pathRank(Math.min(32, spec.dModel()))
                .pathChunkSize(pathChunk(task.inputLength(spec.trainLength())))
                .build();
        long seed = Seeds.derive(settings.seed(), spec.run());
        NDManager manager = NDManager.newBaseManager(settings.device());
        try {
            DecoderLM model = DecoderLM.create(config, manager, seed);
            Split evalSplit = task.splits().size() > 1 ? task.splits().get(1) : task.splits().get(0);
            TrainConfig tc = TrainConfig.builder(seed, settings.device()).seedName(seedName)
                    .steps(spec.steps()).batchSize(spec.batchSize()).context(task.inputLength(spec.trainLength()))
                    .lr(spec.lr()).warmup(Math.max(1, spec.steps() / 10)).weightDecay(0.1)
                    .evalEvery(spec.evalEvery()).evalBatches(2)
                    .earlyStop(spec.earlyStop().orElse(null))
                    .build();
            Trainer trainer = Trainer.builder().model(model).config(tc)
                    .trainData(TrainingData.from(BatchSource.of(task, spec.batchSize(), spec.trainLength(),
                            Split.TRAIN, seed)))
                    .evalData(TrainingData.from(BatchSource.of(task, spec.batchSize(), spec.trainLength(), evalSplit,
                            seed)))
                    .batchMetric(FINAL_ACCURACY)
                    .runName(spec.run()).listener(progress).metrics(log).build();
            long start = System.nanoTime();
            TrainResult result;
            RunOutcome outcome;
            // A diverged run (non-finite loss or gradient norm) is kept as of its last good step, and said so.
            try {
                result = trainer.run();
                outcome = RunOutcome.completed();
            } catch (TrainingDiverged e) {
                outcome = RunOutcome.diverged(e);
                result = new TrainResult(spec.run(), trainer.stepsDone(), true, trainer.lastEval(), Double.NaN,
                        (System.nanoTime() - start) / 1e9, Double.NaN, log);
            } catch (RuntimeException e) {
                trainer.close();
                throw e;
            }
            return new TaskModelRun(spec, settings, manager, model, trainer, result, outcome);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * What one run left behind once its model is closed, for tables built after several runs at once
     * ({@link ParallelRuns}): its name, training time and steps, a divergence note (or null), its own metrics log,
     * and {@code value}, what the experiment measured on the trained model.
     */
    record Trained<V>(String name, double seconds, long steps, String divergenceNote, MetricsLog log, V value) {

        /** Adds this run's divergence note (if any) to {@code result} and its metrics rows to {@code log}. */
        void addTo(ExperimentResult result, MetricsLog log) {
            if (divergenceNote != null) {
                result.note(divergenceNote);
            }
            log.addAll(this.log);
        }
    }

    /**
     * Trains {@code spec} into a metrics log of its own, applies {@code measure} to the trained run, closes it and
     * returns the numbers: the unit of work of an experiment's runs at once ({@link ParallelRuns#map}).
     */
    static <V> Trained<V> trainAndMeasure(Spec spec, int maxTaskLength, Settings settings, ProgressListener progress,
                                          java.util.function.Function<TaskModelRun, V> measure) {
        MetricsLog log = new MetricsLog();
        try (TaskModelRun run = train(spec, maxTaskLength, settings, log, progress)) {
            V value = measure.apply(run);
            return new Trained<>(spec.run(), run.result().seconds(), run.result().steps(), run.divergenceNote(), log,
                    value);
        }
    }

    /**
     * Accuracy on {@code batches} batches of {@link #testSource}: {@code accuracy} (pooled over graded positions),
     * {@code final_accuracy}, {@code loss}. Every run of an experiment sees the same test sequences.
     */
    Map<String, Double> evaluate(Split split, int length, int batchSize, int batches) {
        return trainer.evaluate(TrainingData.from(testSource(spec.task(), split, length, batchSize, settings)),
                batches);
    }

    /**
     * Accuracy at each input position over {@code batches} batches of {@link #testSource}: {@code out[t]} is the
     * share of graded position-t targets predicted right (NaN where no position t is graded). For word problems
     * {@code out[t]} is the accuracy of the state after {@code t + 1} elements.
     */
    double[] accuracyByPosition(Split split, int length, int batchSize, int batches) {
        BatchSource source = testSource(spec.task(), split, length, batchSize, settings);
        double[] correct = null;
        double[] count = null;
        for (int b = 0; b < batches; b++) {
            try (NDManager sub = manager.newSubManager()) {
                Batch batch = source.batch(b);
                NDArray mask = batch.maskArray(sub);                                        // (B,L) float
                NDArray logits = trainer.logits(batch.inputArray(sub));                     // (B,L,V)
                NDArray ok = logits.argMax(-1).eq(batch.targetArray(sub).toType(DataType.INT64, false))
                        .toType(DataType.FLOAT32, false).mul(mask).sum(new int[] {0});       // (L)
                float[] okHere = ok.toFloatArray();
                float[] countHere = mask.sum(new int[] {0}).toFloatArray();
                if (correct == null) {
                    correct = new double[okHere.length];
                    count = new double[okHere.length];
                }
                for (int t = 0; t < okHere.length; t++) {
                    correct[t] += okHere[t];
                    count[t] += countHere[t];
                }
            }
        }
        double[] out = new double[correct.length];
        for (int t = 0; t < out.length; t++) {
            out[t] = count[t] > 0 ? correct[t] / count[t] : Double.NaN;
        }
        return out;
    }

    /**
     * The test batches of {@code split} at task length {@code length}: batch i is the i-th evaluated one. A stream
     * of its own (not the training or in-training eval batches), the same for every run with these settings.
     */
    static BatchSource testSource(Task task, Split split, int length, int batchSize, Settings settings) {
        long seed = Seeds.derive(Seeds.derive(settings.seed(), "test"), length);
        return BatchSource.of(task, batchSize, length, split, seed);
    }

    Spec spec() {
        return spec;
    }

    DecoderLM model() {
        return model;
    }

    TrainResult result() {
        return result;
    }

    /** How training ended: completed, or diverged (the model stays at its last good step). */
    RunOutcome outcome() {
        return outcome;
    }

    /**
     * A note for a diverged run, {@code "RoPE: run 'RoPE' diverged at step 305: ... (trained 304 of 400 steps)"};
     * null for a completed one.
     */
    String divergenceNote() {
        return outcome instanceof RunOutcome.Diverged d ? spec.run() + ": " + d.reason() + " (trained "
                + result.steps() + " of " + spec.steps() + " steps)" : null;
    }

    @Override
    public void close() {
        trainer.close();
        manager.close();
    }
}
