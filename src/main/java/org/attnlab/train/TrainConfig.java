package org.attnlab.train;

import ai.djl.Device;
import org.attnlab.Settings;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a training run needs to know, as one immutable value. Build with {@link #builder()} (defaults below,
 * seed and device from {@link Settings#current()}) and change with {@link #toBuilder()}; every value is checked
 * when built and a bad one fails naming the value and what is allowed.
 *
 * <table>
 *   <tr><th>field</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>steps</td><td>optimiser updates in the run</td><td>1000</td></tr>
 *   <tr><td>batchSize, context</td><td>sequences per batch, tokens per sequence (asked of the {@link TrainingData})</td><td>32, 128</td></tr>
 *   <tr><td>lr, minLrRatio</td><td>peak learning rate; final rate = lr * minLrRatio (cosine)</td><td>1e-3, 0.1</td></tr>
 *   <tr><td>beta1, beta2, eps</td><td>AdamW moments</td><td>0.9, 0.95, 1e-8</td></tr>
 *   <tr><td>weightDecay</td><td>decoupled decay (not on norms, biases, embeddings; see {@link AdamW})</td><td>0.1</td></tr>
 *   <tr><td>warmup</td><td>linear warmup updates</td><td>min(100, steps / 10)</td></tr>
 *   <tr><td>clipNorm</td><td>global gradient-norm bound; 0 = no clipping</td><td>1.0</td></tr>
 *   <tr><td>evalEvery, evalBatches</td><td>evaluate every n steps (0 = only at the end), on this many eval batches</td><td>100, 4</td></tr>
 *   <tr><td>earlyStop</td><td>target metric that ends the run, or null</td><td>null</td></tr>
 *   <tr><td>checkpointEvery, checkpointDir</td><td>write a checkpoint every n steps (0 = never) into the folder</td><td>0, null</td></tr>
 *   <tr><td>logEvery</td><td>steps between plain progress lines when the output is not a terminal</td><td>max(1, steps / 20)</td></tr>
 *   <tr><td>seed, device</td><td>one seed gives one result on one device</td><td>from {@link Settings}</td></tr>
 *   <tr><td>seedName</td><td>the seed as the reader knows it, in progress lines ("seed 42", "seed B"); display only</td><td>"seed " + seed</td></tr>
 * </table>
 */
public record TrainConfig(
        int steps,
        int batchSize,
        int context,
        double lr,
        double minLrRatio,
        double beta1,
        double beta2,
        double eps,
        double weightDecay,
        int warmup,
        double clipNorm,
        int evalEvery,
        int evalBatches,
        EarlyStop earlyStop,
        int checkpointEvery,
        Path checkpointDir,
        int logEvery,
        long seed,
        Device device,
        String seedName) {

    public TrainConfig {
        Objects.requireNonNull(device, "device");
        if (seedName == null) {
            seedName = "seed " + seed;
        } else if (seedName.isBlank()) {
            throw new IllegalArgumentException("seedName=\"" + seedName + "\" must name the seed (e.g. \"seed 42\", "
                    + "\"seed B\"), or be left unset for \"seed <seed>\"");
        }
        positive("steps", steps);
        positive("batchSize", batchSize);
        positive("context", context);
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("lr=" + lr + " must be a finite number > 0 (typical: 1e-4 .. 3e-3)");
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new IllegalArgumentException("minLrRatio=" + minLrRatio + " must be in [0, 1]");
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1=" + beta1 + " must be in [0, 1)");
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2=" + beta2 + " must be in [0, 1)");
        }
        if (!(eps > 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("eps=" + eps + " must be a finite number > 0");
        }
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay=" + weightDecay + " must be a finite number >= 0");
        }
        if (warmup < 0 || warmup > steps) {
            throw new IllegalArgumentException("warmup=" + warmup + " must be in [0, steps=" + steps + "]");
        }
        if (!(clipNorm >= 0) || !Double.isFinite(clipNorm)) {
            throw new IllegalArgumentException("clipNorm=" + clipNorm + " must be a finite number >= 0 (0 = no clipping)");
        }
        if (evalEvery < 0) {
            throw new IllegalArgumentException("evalEvery=" + evalEvery + " must be >= 0 (0 = evaluate only at the end)");
        }
        positive("evalBatches", evalBatches);
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpointEvery=" + checkpointEvery + " must be >= 0 (0 = no checkpoints)");
        }
        if (checkpointEvery > 0 && checkpointDir == null) {
            throw new IllegalArgumentException("checkpointEvery=" + checkpointEvery + " needs a checkpointDir to write into");
        }
        positive("logEvery", logEvery);
    }

    private static void positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + "=" + value + " must be >= 1");
        }
    }

    /** The schedule these values describe: warmup then cosine from {@code lr} to {@code lr * minLrRatio}. */
    public LrSchedule schedule() {
        return LrSchedule.warmupCosine(lr, warmup, steps, lr * minLrRatio);
    }

    /** A builder with the defaults above, seed and device from {@link Settings#current()}. */
    public static Builder builder() {
        Settings s = Settings.current();
        return new Builder().seed(s.seed()).device(s.device());
    }

    /** A builder with the defaults above and the given seed and device (no environment lookup). */
    public static Builder builder(long seed, Device device) {
        return new Builder().seed(seed).device(device);
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.steps = steps;
        b.batchSize = batchSize;
        b.context = context;
        b.lr = lr;
        b.minLrRatio = minLrRatio;
        b.beta1 = beta1;
        b.beta2 = beta2;
        b.eps = eps;
        b.weightDecay = weightDecay;
        b.warmup = warmup;
        b.clipNorm = clipNorm;
        b.evalEvery = evalEvery;
        b.evalBatches = evalBatches;
        b.earlyStop = earlyStop;
        b.checkpointEvery = checkpointEvery;
        b.checkpointDir = checkpointDir;
        b.logEvery = logEvery;
        b.seed = seed;
        b.device = device;
        b.seedName = seedName;
        return b;
    }

    /** Fluent builder; unset warmup and logEvery follow the number of steps. */
    public static final class Builder {
        private int steps = 1000;
        private int batchSize = 32;
        private int context = 128;
        private double lr = 1e-3;
        private double minLrRatio = 0.1;
        private double beta1 = 0.9;
        private double beta2 = 0.95;
        private double eps = 1e-8;
        private double weightDecay = 0.1;
        private Integer warmup;
        private double clipNorm = 1.0;
        private int evalEvery = 100;
        private int evalBatches = 4;
        private EarlyStop earlyStop;
        private int checkpointEvery;
        private Path checkpointDir;
        private Integer logEvery;
        private long seed = Settings.DEFAULT_SEED;
        private Device device = Device.cpu();
        private String seedName;

        private Builder() {
        }

        public Builder steps(int v) { steps = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder context(int v) { context = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder minLrRatio(double v) { minLrRatio = v; return this; }
        public Builder betas(double b1, double b2) { beta1 = b1; beta2 = b2; return this; }
        public Builder eps(double v) { eps = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder warmup(int v) { warmup = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder evalBatches(int v) { evalBatches = v; return this; }
        public Builder earlyStop(EarlyStop v) { earlyStop = v; return this; }
        public Builder checkpointEvery(int every, Path dir) { checkpointEvery = every; checkpointDir = dir; return this; }
        public Builder checkpointDir(Path dir) { checkpointDir = dir; return this; }
        public Builder logEvery(int v) { logEvery = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder device(Device v) { device = v; return this; }
        /**
         * The seed as the reader knows it, for progress lines ({@code Seeds.label(seed, settings.seed())}: "seed 42",
         * "seed B"); unset: "seed " + the seed. The seed itself still decides every random draw.
         */
        public Builder seedName(String v) { seedName = v; return this; }

        public TrainConfig build() {
            int w = warmup != null ? warmup : Math.min(100, steps / 10);
            int le = logEvery != null ? logEvery : Math.max(1, steps / 20);
            return new TrainConfig(steps, batchSize, context, lr, minLrRatio, beta1, beta2, eps, weightDecay, w,
                    clipNorm, evalEvery, evalBatches, earlyStop, checkpointEvery, checkpointDir, le, seed, device, seedName);
        }
    }
}
