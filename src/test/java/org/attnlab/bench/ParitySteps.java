package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.attnlab.Seeds;
import org.attnlab.attention.AttentionKind;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.ParityTask;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.LearnedPositionsLM;
import org.attnlab.model.ModelConfig;
import org.attnlab.train.TensorBatch;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The parity-cot model of {@code ParityCotExperiment}'s full preset ({@link LearnedPositionsLM} over a NoPE decoder,
 * d 128, 1 head, 2 layers, lengths 1..32 mixed, CoT, so a context of 65) with a {@link Trainer} as the experiment
 * builds it, at any batch size: for {@link StepOps} (ops per phase: sizes {@code parity-bN}) and, as a main, the
 * warm thread CPU time of {@code Trainer.step()}. At batch 1 the compute is negligible, so this time is the host cost
 * of a step, which is what a GPU waits for at the batches the lessons use.
 *
 * <pre>
 * java -Dai.djl.pytorch.num_threads=1 -cp "$CP" org.attnlab.bench.ParitySteps --batch 1 --warmup 1000 --blocks 7 --block 300
 * </pre>
 * prints the median thread CPU (and wall) ms per step of each block of {@code block} steps after {@code warmup} steps,
 * and the median of those medians.
 */
public final class ParitySteps {

    static final int D_MODEL = 128;
    static final int LAYERS = 2;
    static final int MAX_BITS = ParityTask.PAPER_MAX_LENGTH;

    private ParitySteps() {
    }

    /** The model of the full preset, its weights seeded as the experiment seeds them. */
    static LearnedPositionsLM model(NDManager manager, long seed) {
        ParityTask task = ParityTask.withChainOfThought();
        ModelConfig config = ModelConfig.builder(task.vocabulary().size(), D_MODEL, 1, LAYERS)
                .plan(LayerPlan.uniform(AttentionKind.NOPE, LAYERS)).build();
        return LearnedPositionsLM.create(config, task.inputLength(MAX_BITS), manager,
                Seeds.derive(seed, "parity model " + LAYERS + " layers"));
    }

    /** Mixed lengths 1..32, padded to 65, as the experiment's {@code mixed} source. */
    static TrainingData data(Split split) {
        ParityTask task = ParityTask.withChainOfThought();
        return (manager, req) -> {
            TaskBatch b = task.sampleMixedLengths(req.batchSize(), 1, MAX_BITS, split, req.seed());
            return new TensorBatch(b.inputArray(manager), b.targetArray(manager), b.maskArray(manager));
        };
    }

    /** A trainer as the experiment builds it (lr 3e-3, default warm-up, decay and clip), for many steps. */
    static Trainer trainer(LearnedPositionsLM lm, int batch, long seed) {
        return trainer(lm, batch, seed, Device.cpu());
    }

    static Trainer trainer(LearnedPositionsLM lm, int batch, long seed, Device device) {
        TrainConfig cfg = TrainConfig.builder(seed, device).steps(1_000_000).batchSize(batch)
                .context(ParityTask.withChainOfThought().inputLength(MAX_BITS)).lr(3e-3).evalEvery(0).build();
        return Trainer.builder().model(lm).config(cfg).trainData(data(Split.TRAIN)).runName("parity-ops").build();
    }

    /** The batch {@link StepOps} counts a step on: request 0 of the train source. */
    static Function<NDManager, TensorBatch> countedBatch(int batch, long seed) {
        ParityTask task = ParityTask.withChainOfThought();
        return manager -> {
            TaskBatch b = task.sampleMixedLengths(batch, 1, MAX_BITS, Split.TRAIN, seed);
            return new TensorBatch(b.inputArray(manager), b.targetArray(manager), b.maskArray(manager));
        };
    }

    /**
     * A model and its trainer that steps on request, for timing two builds in one process ({@link ParityAB} loads
     * this class once per build); {@link #steps} returns the thread CPU ms of each step.
     */
    public static final class Runner implements AutoCloseable {
        private final NDManager manager;
        private final Trainer trainer;
        private final boolean wall;
        private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        private org.attnlab.train.StepResult last;

        public Runner(int batch, long seed) {
            this(batch, seed, "cpu");
        }

        /** On {@code device} ("cpu" or "gpu"); on a GPU {@link #steps} returns wall ms (the step's reads wait). */
        public Runner(int batch, long seed, String device) {
            Device d = device.equals("gpu") ? Device.gpu() : Device.cpu();
            manager = NDManager.newBaseManager(d);
            trainer = trainer(model(manager, seed), batch, seed, d);
            wall = device.equals("gpu");
        }

        public double[] steps(int n) {
            double[] cpu = new double[n];
            for (int i = 0; i < n; i++) {
                long c0 = wall ? System.nanoTime() : mx.getCurrentThreadCpuTime();
                last = trainer.step();
                cpu[i] = ((wall ? System.nanoTime() : mx.getCurrentThreadCpuTime()) - c0) / 1e6;
            }
            return cpu;
        }

        /** The last step's loss and gradient norm, so two builds can be checked for the same numbers. */
        public String last() {
            return last == null ? "none" : "step " + last.step() + " loss " + last.loss() + " norm " + last.gradNorm();
        }

        @Override
        public void close() {
            trainer.close();
            manager.close();
        }
    }

    /**
     * Thread CPU ms of the phases of a training step, medians over {@code steps} warm steps: the calls
     * {@code Trainer.step} makes, made one by one (batch, forward and loss, backward, loss read, gradients gathered
     * with their norm, AdamW, the step's manager closed).
     */
    static void phases(int batch, int warmup, int steps) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        String[] names = {"batch", "forward+loss", "backward", "loss read", "gather+norm", "adamw", "close"};
        double[][] t = new double[names.length][steps];
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            LearnedPositionsLM lm = model(manager, 42);
            try (Trainer trainer = trainer(lm, batch, 42)) {
                for (int i = 0; i < warmup; i++) {
                    trainer.step();
                }
                ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(trainer.manager(), false);
                TrainingData source = data(Split.TRAIN);
                java.util.List<ai.djl.ndarray.NDArray> params = new java.util.ArrayList<>();
                for (var p : lm.getParameters().values()) {
                    params.add(p.getArray());
                }
                for (int i = 0; i < steps; i++) {
                    long c = mx.getCurrentThreadCpuTime();
                    NDManager sub = trainer.manager().newSubManager();
                    sub.tempAttachAll(params.toArray(new ai.djl.ndarray.NDResource[0]));
                    TensorBatch b = source.batch(sub, new org.attnlab.train.BatchRequest(
                            org.attnlab.train.BatchRequest.Split.TRAIN, i, 1000 + i, batch,
                            ParityTask.withChainOfThought().inputLength(MAX_BITS)));
                    c = lap(mx, t[0], i, c);
                    ai.djl.ndarray.NDArray loss;
                    try (org.attnlab.train.ThreadGradients gc = org.attnlab.train.ThreadGradients.record()) {
                        loss = org.attnlab.train.MaskedLoss.crossEntropy(
                                lm.forward(ps, new ai.djl.ndarray.NDList(b.tokens()), true).get(0), b.targets(),
                                b.lossMask());
                        c = lap(mx, t[1], i, c);
                        gc.backward(loss);
                        c = lap(mx, t[2], i, c);
                    }
                    loss.getFloat();
                    c = lap(mx, t[3], i, c);
                    try (org.attnlab.train.AdamW.Gradients g = trainer.optimizer().gatherGradients()) {
                        double n = g.norm();
                        c = lap(mx, t[4], i, c);
                        trainer.optimizer().update(1e-4, org.attnlab.train.GradientClip.scale(n, 1.0), g);
                        c = lap(mx, t[5], i, c);
                    }
                    sub.close();
                    lap(mx, t[6], i, c);
                }
            }
        }
        double total = 0;
        for (int k = 0; k < names.length; k++) {
            double m = median(t[k]);
            total += m;
            System.out.printf(Locale.ROOT, "%-13s %.3f ms%n", names[k], m);
        }
        System.out.printf(Locale.ROOT, "sum of medians %.3f ms (batch %d, %d steps after %d)%n", total, batch, steps,
                warmup);
    }

    /**
     * Resident-set growth (MB) during the first training step at {@code batch} (high-water mark reset through
     * {@code /proc/self/clear_refs} just before it), after three steps at batch 1 loaded the kernels: as the bench
     * driver measures a step's peak memory.
     */
    static double peakMb(int batch) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            LearnedPositionsLM lm = model(manager, 42);
            try (Trainer warm = trainer(lm, 1, 42)) {
                for (int i = 0; i < 3; i++) {
                    warm.step();
                }
            }
            try (Trainer trainer = trainer(lm, batch, 42)) {
                long before = statusKb("VmRSS");
                java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/self/clear_refs"), "5");
                trainer.step();
                return (statusKb("VmHWM") - before) / 1024.0;
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the peak needs Linux's /proc/self (clear_refs, status)", e);
        }
    }

    private static long statusKb(String field) throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }

    private static long lap(ThreadMXBean mx, double[] into, int i, long since) {
        long now = mx.getCurrentThreadCpuTime();
        into[i] = (now - since) / 1e6;
        return now;
    }

    public static void main(String[] args) {
        Map<String, String> o = ModelBench.options(args);
        if (o.containsKey("peak")) {
            System.out.printf(Locale.ROOT, "parity step at batch %s: peak resident growth %.1f MB%n", o.get("peak"),
                    peakMb(Integer.parseInt(o.get("peak"))));
            return;
        }
        if (o.containsKey("phases")) {
            phases(Integer.parseInt(o.getOrDefault("batch", "1")), Integer.parseInt(o.getOrDefault("warmup", "800")),
                    Integer.parseInt(o.get("phases")));
            return;
        }
        int batch = Integer.parseInt(o.getOrDefault("batch", "1"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "1000"));
        int blocks = Integer.parseInt(o.getOrDefault("blocks", "7"));
        int block = Integer.parseInt(o.getOrDefault("block", "300"));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] cpuMedians = new double[blocks];
        double[] wallMedians = new double[blocks];
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            LearnedPositionsLM lm = model(manager, seed);
            try (Trainer trainer = trainer(lm, batch, seed)) {
                for (int i = 0; i < warmup; i++) {
                    trainer.step();
                }
                double[] cpu = new double[block];
                double[] wall = new double[block];
                for (int b = 0; b < blocks; b++) {
                    for (int i = 0; i < block; i++) {
                        long c0 = mx.getCurrentThreadCpuTime();
                        long t0 = System.nanoTime();
                        trainer.step();
                        wall[i] = (System.nanoTime() - t0) / 1e6;
                        cpu[i] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
                    }
                    cpuMedians[b] = median(cpu);
                    wallMedians[b] = median(wall);
                    System.out.printf(Locale.ROOT, "block %d: cpu %.3f ms, wall %.3f ms per step%n", b + 1,
                            cpuMedians[b], wallMedians[b]);
                }
            }
        }
        System.out.printf(Locale.ROOT, "parity d %d, %d layers, batch %d, context %d: median of %d block medians "
                        + "(%d steps each, after %d): cpu %.3f ms, wall %.3f ms per step (blocks' cpu %.3f..%.3f)%n",
                D_MODEL, LAYERS, batch, ParityTask.withChainOfThought().inputLength(MAX_BITS), blocks, block, warmup,
                median(cpuMedians), median(wallMedians), Arrays.stream(cpuMedians).min().orElse(0),
                Arrays.stream(cpuMedians).max().orElse(0));
    }

    private static double median(double[] x) {
        double[] y = x.clone();
        Arrays.sort(y);
        return y[y.length / 2];
    }
}
