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
        TrainConfig cfg = TrainConfig.builder(seed, Device.cpu()).steps(1_000_000).batchSize(batch)
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

    public static void main(String[] args) {
        Map<String, String> o = ModelBench.options(args);
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
