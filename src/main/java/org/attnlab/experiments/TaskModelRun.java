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
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;

import java.util.Map;

/**
 * One small {@link DecoderLM} (one attention kind in every layer) trained on a synthetic {@link Task}, then
 * evaluated on any split and length: the shared engine of the state-tracking experiments (flip-flop, word
 * problems, MQRAR). Owns the model's manager and the trainer; {@link #close()} frees both.
 *
 * <p>A run that diverges (non-finite loss or gradient norm) is kept at its last good step ({@link #divergence()}).
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
     * What to train.
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
     * @param stopAt      stop early once eval accuracy reaches this (use a value above 1 to never stop)
     */
    record Spec(String run, AttentionKind kind, int layers, int dModel, int heads, Task task, int trainLength,
                int batchSize, int steps, double lr, int evalEvery, double stopAt) {

        Spec {
            if (kind == null || task == null) {
                throw new IllegalArgumentException("Spec needs a kind and a task; got kind=" + kind + ", task=" + task);
            }
            task.inputLength(trainLength); // validates
        }
    }

    private final Spec spec;
    private final Settings settings;
    private final NDManager manager;
    private final DecoderLM model;
    private final Trainer trainer;
    private final TrainResult result;
    private final String divergence;

    private TaskModelRun(Spec spec, Settings settings, NDManager manager, DecoderLM model, Trainer trainer,
                         TrainResult result, String divergence) {
        this.divergence = divergence;
        this.spec = spec;
        this.settings = settings;
        this.manager = manager;
        this.model = model;
        this.trainer = trainer;
        this.result = result;
    }

    /**
     * Builds the model ({@code maxLength} covers the longest input {@code maxTaskLength} gives), trains it on the
     * task's training split, logging into {@code log}, and returns the trained run (close it).
     */
    static TaskModelRun train(Spec spec, int maxTaskLength, Settings settings, MetricsLog log,
                              ProgressListener progress) {
        Task task = spec.task();
        int maxInput = Math.max(task.inputLength(maxTaskLength), task.inputLength(spec.trainLength()));
        ModelConfig config = ModelConfig.builder(task.vocabulary().size(), spec.dModel(), spec.heads(), spec.layers())
                .plan(LayerPlan.uniform(spec.kind(), spec.layers()))
                .maxLength(maxInput)
                .pathRank(Math.min(32, spec.dModel()))
                .pathChunkSize(Math.max(64, task.inputLength(spec.trainLength())))
                .build();
        long seed = Seeds.derive(settings.seed(), spec.run());
        NDManager manager = NDManager.newBaseManager(settings.device());
        try {
            DecoderLM model = DecoderLM.create(config, manager, seed);
            Split evalSplit = task.splits().size() > 1 ? task.splits().get(1) : task.splits().get(0);
            TrainConfig tc = TrainConfig.builder(seed, settings.device())
                    .steps(spec.steps()).batchSize(spec.batchSize()).context(task.inputLength(spec.trainLength()))
                    .lr(spec.lr()).warmup(Math.max(1, spec.steps() / 10)).weightDecay(0.1)
                    .evalEvery(spec.evalEvery()).evalBatches(2)
                    .earlyStop(spec.stopAt() <= 1 ? EarlyStop.atLeast("eval_accuracy", spec.stopAt()) : null)
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
            String divergence = null;
            // A diverged run (non-finite loss or gradient norm) is kept as of its last good step, and said so.
            try {
                result = trainer.run();
            } catch (IllegalStateException e) {
                if (e.getMessage() == null || !e.getMessage().contains("diverged")) {
                    trainer.close();
                    throw e;
                }
                divergence = e.getMessage();
                result = new TrainResult(spec.run(), trainer.stepsDone(), true, trainer.lastEval(), Double.NaN,
                        (System.nanoTime() - start) / 1e9, Double.NaN, log);
            }
            return new TaskModelRun(spec, settings, manager, model, trainer, result,
                    divergence);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
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

    /**
     * Null if the run did not diverge; else the trainer's message about the non-finite loss or gradient norm (the
     * model stays at its last good step). Experiments note it.
     */
    String divergence() {
        return divergence;
    }

    /** A note for a diverged run ({@code "RoPE: training diverged ... evaluated as of step 305"}), or null. */
    String divergenceNote() {
        return divergence == null ? null : spec.run() + ": " + divergence + " (trained " + result.steps() + " of "
                + spec.steps() + " steps)";
    }

    @Override
    public void close() {
        trainer.close();
        manager.close();
    }
}
