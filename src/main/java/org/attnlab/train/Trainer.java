package org.attnlab.train;

import org.attnlab.Seeds;
import org.attnlab.WeightInit;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDResource;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.attnlab.attention.Hooks;
import org.attnlab.model.HookedModel;
import org.attnlab.train.BatchRequest.Split;
import org.attnlab.train.ProgressListener.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Trains a language model: any DJL {@link Block} mapping integer tokens {@code [B, L]} to logits
 * {@code [B, L, V]} (the first output of {@code forward}), e.g. {@code DecoderLM}.
 *
 * <pre>{@code
 * TrainConfig cfg = TrainConfig.builder().steps(2000).batchSize(32).context(64).lr(3e-3)
 *         .evalEvery(200).earlyStop(EarlyStop.atLeast("eval_accuracy", 0.99)).build();
 * Trainer.initialize(model, manager, cfg.seed(), new Shape(cfg.batchSize(), cfg.context()));
 * try (Trainer trainer = Trainer.builder().model(model).config(cfg).trainData(task::train)
 *         .evalData(task::eval).runName("path-2L").listener(ProgressListener.auto()).build()) {
 *     TrainResult r = trainer.run();
 *     Table metrics = r.metrics().table();
 * }
 * }</pre>
 *
 * <p>One update (step {@code t}, 0-based): re-seed the engine from (seed, t); ask the train source for batch t
 * in a sub-manager; forward and masked cross-entropy with gradients recorded on this thread; backward; global-norm
 * clipping; {@link AdamW} with the rate {@code schedule(t)}; close the sub-manager. Everything an update creates
 * (batch, activations, gradient wrappers, temporaries) is closed with it, so memory stays flat; the model's
 * parameters are temporarily attached to the step's manager while it runs, so arrays a block derives from its
 * weights are freed too.
 *
 * <p>Reproducibility: the engine is re-seeded before every step and every eval batch from (seed, purpose, index)
 * ({@link Seeds}), and batches are functions of their {@link BatchRequest}; hence one seed gives one result on one
 * device, and a checkpoint (parameters, AdamW moments and count, step, seed) resumes bit-identically.
 *
 * <p>Evaluation (every {@code evalEvery} steps and at the end): loss, accuracy and perplexity over
 * {@code evalBatches} batches of the eval source, pooled over all masked positions, logged as
 * {@code eval_loss}, {@code eval_accuracy}, {@code eval_perplexity}, {@code eval_<batchMetric>}; then each
 * {@link EvalHook}'s metrics. Then the {@link EarlyStop} check, then a checkpoint if one is due.
 * {@link #evaluate(TrainingData, int, Hooks)} evaluates a {@link HookedModel} under hooks (an ablation, a skipped
 * layer) without changing it.
 *
 * <p>Not thread-safe: one thread drives a trainer. Trainers of different runs (each its own model and manager) may
 * train at once in different threads ({@code experiments.ParallelRuns}): gradients are recorded per thread, and
 * nothing of a run draws from the engine's process-wide generator (weights: {@link WeightInit}; batches:
 * {@link BatchRequest#random()}), so a run's numbers do not depend on what runs beside it. (The engine is still
 * re-seeded before each step and eval batch, for a model or source of one's own that draws from it, e.g. dropout
 * through {@code manager.randomUniform}: such a run is reproducible only when it runs alone.)
 */
public final class Trainer implements AutoCloseable {

    private final Block model;
    private final TrainConfig config;
    private final TrainingData trainData;
    private final TrainingData evalData;
    private final String run;
    private final List<ProgressListener> listeners;
    private final List<BatchMetric> batchMetrics;
    private final List<EvalHook> evalHooks;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final NDResource[] parameterArrays;
    private final MetricsLog log;
    private long step;
    private Map<String, Double> lastEval = Map.of();
    /** Evaluations in a row, up to the last, that reached the early-stop target. */
    private int evaluationsAtTarget;

    private Trainer(Builder b) {
        this.model = b.model;
        this.config = b.config;
        this.trainData = b.trainData;
        this.evalData = b.evalData;
        this.run = b.run;
        this.listeners = List.copyOf(b.listeners);
        this.batchMetrics = List.copyOf(b.batchMetrics);
        this.evalHooks = List.copyOf(b.evalHooks);
        this.log = b.log != null ? b.log : new MetricsLog();
        this.schedule = b.schedule != null ? b.schedule : config.schedule();
        Set<NDArray> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Pair<String, Parameter> p : model.getParameters()) {
            NDArray a = p.getValue().getArray();
            if (!a.getDevice().equals(config.device())) {
                throw new IllegalArgumentException("parameter '" + p.getKey() + "' is on " + a.getDevice()
                        + " but the config's device is " + config.device()
                        + "; initialize the model with a manager on " + config.device());
            }
            distinct.add(a);
        }
        this.parameterArrays = distinct.toArray(new NDResource[0]);
        this.manager = NDManager.newBaseManager(config.device());
        this.manager.setName("Trainer-" + run);
        this.parameterStore = new ParameterStore(manager, false);
        this.optimizer = AdamW.builder().from(config).decayRule(b.decayRule).build(model.getParameters(), manager);
    }

    /** A builder; model, config and trainData are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Initializes a block's parameters in {@code manager} for input shape {@code [B, L]} tokens, seeded the one
     * way models are ({@link WeightInit#initialize}): for a {@code DecoderLM} the same weights as
     * {@code DecoderLM.create(config, manager, seed)}. Every random parameter needs a {@link WeightInit}
     * initializer (a DJL one would draw from the engine generator all runs share; the message names it).
     */
    public static void initialize(Block model, NDManager manager, long seed, Shape inputShape) {
        WeightInit.initialize(model, manager, DataType.FLOAT32, inputShape, seed);
    }

    // ---------------------------------------------------------------- training

    /** Performs one update and logs {@code train_loss}, {@code lr} and {@code grad_norm} at the new step. */
    public StepResult step() {
        long t = step;
        double lr = schedule.at(t);
        long t0 = System.nanoTime();
        Seeds.seedEngine(Seeds.derive(config.seed(), Seeds.Stream.ENGINE_STEP, t));
        double loss;
        double norm;
        long tokens;
        try (NDManager sub = manager.newSubManager()) {
            sub.tempAttachAll(parameterArrays); // arrays a block derives from its weights land in sub
            TensorBatch batch = trainData.batch(sub, request(Split.TRAIN, t));
            checkBatch(batch, Split.TRAIN, t);
            try (ThreadGradients gc = ThreadGradients.record()) { // per thread: runs may train side by side
                NDArray logits = forward(batch.tokens(), true);
                NDArray lossArray = MaskedLoss.crossEntropy(logits, batch.targets(), batch.lossMask());
                gc.backward(lossArray);
                loss = lossArray.getFloat(); // float to double is exact: what toType(FLOAT64) gives, one op fewer
            }
            // the norm (as GradientClip.globalNorm) from the gradients gathered for the update; the clip factor is
            // applied in the update
            try (AdamW.Gradients gradients = optimizer.gatherGradients()) {
                norm = gradients.norm();
                if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
                    throw new TrainingDiverged(run, t + 1, loss, norm, lr);
                }
                optimizer.update(lr, GradientClip.scale(norm, config.clipNorm()), gradients);
            }
            tokens = batch.batchSize() * batch.length();
        }
        step++;
        log.add(run, step, "train_loss", loss).add(run, step, "lr", lr).add(run, step, "grad_norm", norm);
        return new StepResult(step, loss, norm, lr, tokens, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Trains until {@code config.steps()} updates are done (counting those before a resume) or the early-stop
     * target is reached, evaluating, checkpointing and reporting progress on the way.
     *
     * @throws TrainingInterrupted when the thread is interrupted; it is checked before each step, so the model
     *     keeps the last complete step
     */
    public TrainResult run() {
        for (ProgressListener l : listeners) {
            l.onStart(run, config, step);
        }
        long start = System.nanoTime();
        long startStep = step;
        double trainSeconds = 0;
        long tokens = 0;
        double ema = 0;
        int emaCount = 0;
        double lastLoss = Double.NaN;
        boolean stopped = false;
        long lastEvalStep = -1;
        Progress progress = null;
        while (step < config.steps() && !stopped) {
            if (Thread.interrupted()) { // Jupyter's stop button (the kernel interrupts the cell's thread)
                throw new TrainingInterrupted(run, step, config.steps());
            }
            StepResult r = step();
            trainSeconds += r.seconds();
            tokens += r.tokens();
            lastLoss = r.loss();
            ema = 0.9 * ema + 0.1 * r.loss();
            emaCount++;
            double elapsed = (System.nanoTime() - start) / 1e9;
            double tps = tokens / Math.max(trainSeconds, 1e-9);
            if (step % config.logEvery() == 0) {
                log.add(run, step, "tokens_per_s", tps);
            }
            double eta = elapsed / (step - startStep) * (config.steps() - step);
            progress = new Progress(run, step, config.steps(), r.loss(), ema / (1 - Math.pow(0.9, emaCount)),
                    r.lr(), tps, elapsed, eta, lastEval);
            for (ProgressListener l : listeners) {
                l.onStep(progress);
            }
            boolean evalDue = (config.evalEvery() > 0 && step % config.evalEvery() == 0) || step == config.steps();
            if (evalDue && hasEvaluation()) {
                stopped = evaluateAndCheck(progress);
                lastEvalStep = step;
            }
            if (config.checkpointEvery() > 0 && (step % config.checkpointEvery() == 0 || stopped)) {
                saveCheckpoint(checkpointFile());
            }
        }
        if (hasEvaluation() && lastEvalStep != step && step > startStep) {
            evaluateAndCheck(progress);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        TrainResult result = new TrainResult(run, step, stopped && step < config.steps(), lastEval, lastLoss, seconds,
                tokens / Math.max(trainSeconds, 1e-9), log);
        for (ProgressListener l : listeners) {
            l.onEnd(result);
        }
        return result;
    }

    private boolean hasEvaluation() {
        return evalData != null || !evalHooks.isEmpty();
    }

    /** Runs the eval source and hooks, logs, notifies, returns whether the early-stop target is reached. */
    private boolean evaluateAndCheck(Progress progress) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (evalData != null) {
            evaluate(evalData, config.evalBatches()).forEach((k, v) -> m.put("eval_" + k, v));
        }
        for (EvalHook h : evalHooks) {
            m.putAll(h.evaluate(this, step));
        }
        lastEval = Collections.unmodifiableMap(m);
        log.addAll(run, step, m);
        Progress p = progress == null ? null : new Progress(progress.run(), progress.step(), progress.totalSteps(),
                progress.loss(), progress.smoothLoss(), progress.lr(), progress.tokensPerSecond(),
                progress.elapsedSeconds(), progress.etaSeconds(), lastEval);
        for (ProgressListener l : listeners) {
            l.onEval(p, lastEval);
        }
        EarlyStop es = config.earlyStop();
        if (es == null) {
            return false;
        }
        Double v = m.get(es.metric());
        if (v == null) {
            throw new IllegalArgumentException("early-stop metric '" + es.metric() + "' is not among the eval metrics "
                    + m.keySet());
        }
        evaluationsAtTarget = es.reached(v) ? evaluationsAtTarget + 1 : 0;
        return evaluationsAtTarget >= es.evaluations();
    }

    // ---------------------------------------------------------------- evaluation

    /** Evaluates on the configured eval source: {@code eval_loss}, {@code eval_accuracy}, ... (no hooks). */
    public Map<String, Double> evaluate() {
        if (evalData == null) {
            throw new IllegalStateException("run '" + run + "' has no eval source; set one with Builder.evalData");
        }
        Map<String, Double> m = new LinkedHashMap<>();
        evaluate(evalData, config.evalBatches()).forEach((k, v) -> m.put("eval_" + k, v));
        return m;
    }

    /**
     * Evaluates the model (no gradients, {@code training=false}) on {@code batches} batches of {@code source}
     * (eval requests 0..batches-1, seeded as the trainer's eval batches): {@code loss} and {@code accuracy} pooled
     * over all masked positions, {@code perplexity = exp(loss)}, and each batch metric by its name.
     */
    public Map<String, Double> evaluate(TrainingData source, int batches) {
        return evaluate(source, batches, Hooks.none());
    }

    /**
     * {@link #evaluate(TrainingData, int)} with every forward pass run under {@code hooks}, e.g. an ablation
     * ({@code LayerSkip.variantLayers(plan)}). The model is not changed: the hooks apply to these passes only.
     * Non-empty hooks need a {@link HookedModel}. Arrays a hook sees live in the batch's sub-manager, which closes
     * after the batch: a hook that keeps something copies it out (e.g. {@code toFloatArray()}).
     */
    public Map<String, Double> evaluate(TrainingData source, int batches, Hooks hooks) {
        Objects.requireNonNull(source, "source");
        requireHookable(hooks);
        if (batches < 1) {
            throw new IllegalArgumentException("batches=" + batches + " must be >= 1");
        }
        double nll = 0;
        double correct = 0;
        double count = 0;
        double[][] extra = new double[batchMetrics.size()][2];
        try (ThreadGradients inference = ThreadGradients.off()) {
            for (int i = 0; i < batches; i++) {
                Seeds.seedEngine(Seeds.derive(config.seed(), Seeds.Stream.EVAL_BATCH, i));
                try (NDManager sub = manager.newSubManager()) {
                    sub.tempAttachAll(parameterArrays);
                    TensorBatch batch = source.batch(sub, request(Split.EVAL, i));
                    checkBatch(batch, Split.EVAL, i);
                    NDArray logits = forward(batch.tokens(), false, hooks);
                    NDArray mask = batch.lossMask().toType(DataType.FLOAT32, false);
                    nll += MaskedLoss.nllSum(logits, batch.targets(), mask).toType(DataType.FLOAT64, false).getDouble();
                    correct += MaskedLoss.correctSum(logits, batch.targets(), mask).toType(DataType.FLOAT64, false)
                            .getDouble();
                    count += mask.sum().toType(DataType.FLOAT64, false).getDouble();
                    for (int k = 0; k < extra.length; k++) {
                        double[] nd = batchMetrics.get(k).accumulate(batch, logits);
                        if (nd == null || nd.length != 2) {
                            throw new IllegalStateException("batch metric '" + batchMetrics.get(k).name()
                                    + "' must return {numerator, denominator}");
                        }
                        extra[k][0] += nd[0];
                        extra[k][1] += nd[1];
                    }
                }
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        double loss = count > 0 ? nll / count : Double.NaN;
        m.put("loss", loss);
        m.put("accuracy", count > 0 ? correct / count : Double.NaN);
        m.put("perplexity", Math.exp(loss));
        for (int k = 0; k < extra.length; k++) {
            m.put(batchMetrics.get(k).name(), extra[k][1] != 0 ? extra[k][0] / extra[k][1] : Double.NaN);
        }
        return m;
    }

    /**
     * The model's logits {@code [B, L, V]} for {@code tokens [B, L]} (inference mode); the result belongs to the
     * tokens' manager.
     */
    public NDArray logits(NDArray tokens) {
        try (ThreadGradients inference = ThreadGradients.off()) {
            return forward(tokens, false);
        }
    }

    /**
     * {@link #logits(NDArray)} with the forward pass run under {@code hooks} (recording, ablating, patching);
     * non-empty hooks need a {@link HookedModel}.
     */
    public NDArray logits(NDArray tokens, Hooks hooks) {
        requireHookable(hooks);
        try (ThreadGradients inference = ThreadGradients.off()) {
            return forward(tokens, false, hooks);
        }
    }

    private NDArray forward(NDArray tokens, boolean training) {
        return forward(tokens, training, Hooks.none());
    }

    /** Logits [B, L, V]; with no hooks through the Block interface (any model), else through HookedModel. */
    private NDArray forward(NDArray tokens, boolean training, Hooks hooks) {
        NDArray logits;
        if (hooks.isEmpty()) {
            NDList out = model.forward(parameterStore, new NDList(tokens), training);
            if (out.isEmpty()) {
                throw new IllegalStateException("the model returned no output; expected logits [B, L, V]");
            }
            logits = out.get(0);
        } else {
            logits = ((HookedModel) model).forward(parameterStore, tokens, training, hooks);
        }
        Shape s = logits.getShape();
        Shape in = tokens.getShape();
        if (s.dimension() != 3 || s.get(0) != in.get(0) || s.get(1) != in.get(1)) {
            throw new IllegalStateException("the model's first output has shape " + s + "; expected logits [B, L, V] = ["
                    + in.get(0) + ", " + in.get(1) + ", V] for tokens " + in);
        }
        return logits;
    }

    private void requireHookable(Hooks hooks) {
        if (hooks == null) {
            throw new IllegalArgumentException("hooks must not be null; pass Hooks.none() for a plain forward pass");
        }
        if (!hooks.isEmpty() && !(model instanceof HookedModel)) {
            throw new IllegalArgumentException("evaluating under hooks needs a HookedModel (e.g. DecoderLM, "
                    + "LearnedPositionsLM); this trainer's model is a " + model.getClass().getName());
        }
    }

    private BatchRequest request(Split split, long index) {
        Seeds.Stream stream = split == Split.TRAIN ? Seeds.Stream.TRAIN_BATCH : Seeds.Stream.EVAL_BATCH;
        return new BatchRequest(split, index, Seeds.derive(config.seed(), stream, index), config.batchSize(),
                config.context());
    }

    private void checkBatch(TensorBatch batch, Split split, long index) {
        if (batch == null) {
            throw new IllegalStateException("the " + split + " source returned no batch for index " + index);
        }
        Device d = batch.tokens().getDevice();
        if (!d.equals(config.device())) {
            throw new IllegalStateException("the " + split + " source made a batch on " + d + " but the run is on "
                    + config.device() + "; create the arrays in the manager it is given");
        }
    }

    // ---------------------------------------------------------------- checkpoints

    /** The file {@link #run()} writes checkpoints to: {@code checkpointDir/<run>.ckpt}. */
    public Path checkpointFile() {
        if (config.checkpointDir() == null) {
            throw new IllegalStateException("run '" + run + "' has no checkpointDir in its config");
        }
        return config.checkpointDir().resolve(fileName(run) + ".ckpt");
    }

    /**
     * Writes the model's parameters, the optimiser's state, the step and the seed to {@code file}, and the metrics
     * so far beside it ({@code <file>.metrics.csv}).
     */
    public void saveCheckpoint(Path file) {
        Checkpoint.write(file, config.seed(), step, model.getParameters(), optimizer);
        log.writeCsv(metricsFileFor(file));
    }

    /**
     * Restores a checkpoint written by {@link #saveCheckpoint} (or by {@link #run()}): parameters and optimiser
     * state in place, the step count, and, if this trainer's metrics log is empty, the metrics saved beside it.
     * Rows after the checkpoint's step are dropped from the log. The checkpoint's seed must equal the config's. An
     * {@link EarlyStop#heldFor} count goes on from the evaluations in the saved metrics (none saved: from zero).
     */
    public void loadCheckpoint(Path file) {
        Checkpoint.Header h = Checkpoint.readHeader(file);
        if (h.seed() != config.seed()) {
            throw new IllegalArgumentException("checkpoint " + file + " was written by a run with seed " + h.seed()
                    + " but this trainer's seed is " + config.seed() + "; resume with the same seed");
        }
        if (h.step() > config.steps()) {
            throw new IllegalArgumentException("checkpoint " + file + " is at step " + h.step()
                    + ", beyond this config's steps=" + config.steps());
        }
        Checkpoint.read(file, model.getParameters(), optimizer, manager);
        step = h.step();
        Path metrics = metricsFileFor(file);
        if (log.size() == 0 && Files.isRegularFile(metrics)) {
            log.addAll(MetricsLog.readCsv(metrics));
        }
        log.truncateAfter(run, step);
        evaluationsAtTarget = 0;    // an early stop held over several evaluations counts on from the saved metrics
        EarlyStop es = config.earlyStop();
        if (es != null) {
            double[] v = log.values(run, es.metric());
            for (int i = v.length - 1; i >= 0 && es.reached(v[i]); i--) {
                evaluationsAtTarget++;
            }
        }
    }

    private static Path metricsFileFor(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".metrics.csv");
    }

    private static String fileName(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    // ---------------------------------------------------------------- accessors

    /** Updates done so far. */
    public long stepsDone() {
        return step;
    }

    public TrainConfig config() {
        return config;
    }

    public String runName() {
        return run;
    }

    public Block model() {
        return model;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public LrSchedule schedule() {
        return schedule;
    }

    /** The metrics logged so far (live). */
    public MetricsLog metrics() {
        return log;
    }

    /** The latest eval metrics (empty before the first evaluation). */
    public Map<String, Double> lastEval() {
        return lastEval;
    }

    /** The manager holding the trainer's own arrays (optimiser state), on the config's device. */
    public NDManager manager() {
        return manager;
    }

    /** Frees the optimiser state; the model (owned by the caller) is left alone. */
    @Override
    public void close() {
        optimizer.close();
        manager.close();
    }

    // ---------------------------------------------------------------- builder

    /** Builder: {@code model}, {@code config} and {@code trainData} are required, the rest optional. */
    public static final class Builder {
        private Block model;
        private TrainConfig config;
        private TrainingData trainData;
        private TrainingData evalData;
        private String run = "run";
        private final List<ProgressListener> listeners = new ArrayList<>();
        private final List<BatchMetric> batchMetrics = new ArrayList<>();
        private final List<EvalHook> evalHooks = new ArrayList<>();
        private AdamW.DecayRule decayRule = AdamW.DecayRule.MATRICES_ONLY;
        private LrSchedule schedule;
        private MetricsLog log;

        private Builder() {
        }

        /** The model: an initialized Block, tokens [B, L] to logits [B, L, V]. */
        public Builder model(Block m) { model = m; return this; }
        public Builder config(TrainConfig c) { config = c; return this; }
        /** Training batches; request index = step. */
        public Builder trainData(TrainingData s) { trainData = s; return this; }
        /** Evaluation batches; request index = 0..evalBatches-1 (the same batches each evaluation). */
        public Builder evalData(TrainingData s) { evalData = s; return this; }
        /** The run's name in the metrics log and in checkpoint file names. */
        public Builder runName(String r) { run = r; return this; }
        public Builder listener(ProgressListener l) { listeners.add(Objects.requireNonNull(l)); return this; }
        public Builder batchMetric(BatchMetric m) { batchMetrics.add(Objects.requireNonNull(m)); return this; }
        public Builder evalHook(EvalHook h) { evalHooks.add(Objects.requireNonNull(h)); return this; }
        /** Which parameters get weight decay (default {@link AdamW.DecayRule#MATRICES_ONLY}). */
        public Builder decayRule(AdamW.DecayRule r) { decayRule = Objects.requireNonNull(r); return this; }
        /** Overrides the config's warmup-cosine schedule. */
        public Builder schedule(LrSchedule s) { schedule = s; return this; }
        /** Log into an existing log (e.g. one shared by several runs of an experiment). */
        public Builder metrics(MetricsLog l) { log = l; return this; }

        public Trainer build() {
            if (model == null || config == null || trainData == null) {
                throw new IllegalArgumentException("Trainer needs model, config and trainData; missing: "
                        + (model == null ? "model " : "") + (config == null ? "config " : "")
                        + (trainData == null ? "trainData" : ""));
            }
            if (!model.isInitialized()) {
                throw new IllegalArgumentException("the model is not initialized; call Trainer.initialize(model, "
                        + "manager, seed, new Shape(batchSize, context)) first");
            }
            if (run == null || run.isBlank()) {
                throw new IllegalArgumentException("run name is empty");
            }
            if (config.earlyStop() != null && evalData == null && evalHooks.isEmpty()) {
                throw new IllegalArgumentException("early stop on '" + config.earlyStop().metric()
                        + "' needs an eval source or an eval hook to compute it");
            }
            Set<String> names = new java.util.HashSet<>();
            for (BatchMetric m : batchMetrics) {
                if (!names.add(m.name()) || List.of("loss", "accuracy", "perplexity").contains(m.name())) {
                    throw new IllegalArgumentException("batch metric name '" + m.name()
                            + "' is used twice or clashes with loss/accuracy/perplexity");
                }
            }
            return new Trainer(this);
        }
    }
}
