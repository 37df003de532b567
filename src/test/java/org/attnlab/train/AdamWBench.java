package org.attnlab.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.djl.nn.Parameter;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.ModelConfig;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Thread CPU time of one {@link AdamW#update(double, float)} on a model's parameters, for several flat-group sizes
 * side by side (each size its own copy of the model and optimiser; the sizes take turns, repetition after
 * repetition, so load hits them alike). The gradients are made by a backward pass of {@code sum(p * c)} before
 * each timed update (untimed). The update is element-wise, so every group size gives the same numbers
 * ({@code AdamWTest}); only the memory traffic differs.
 *
 * <p>{@code AdamWBench [--vocab 1024 --d_model 256 --heads 4 --layers 4] [--groups 65536,262144,1048576] [--reps 30]
 * [--raise-mmap-threshold true] [--full-step true --batch 8 --length 128]}: with {@code --full-step}, a whole
 * training step of each copy is timed instead (forward, masked cross-entropy, backward, loss read, clip, update),
 * the copies in turn in one process, so a change to the update shows against the step it is part of; with the last, a 32 MB array is made and freed first, as a training step's
 * activations are (glibc then serves allocations up to that size from its heap instead of fresh mmapped pages,
 * which a fresh process without it pays for at every 4 MB temporary).
 */
public final class AdamWBench {

    private AdamWBench() {
    }

    public static void main(String[] args) {
        int vocab = 1024;
        int d = 256;
        int heads = 4;
        int layers = 4;
        int reps = 30;
        long[] groups = {1L << 16, 1L << 18, 1L << 20};
        boolean raise = false;
        boolean fullStep = false;
        int batch = 8;
        int length = 128;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--vocab" -> vocab = Integer.parseInt(args[i + 1]);
                case "--d_model" -> d = Integer.parseInt(args[i + 1]);
                case "--heads" -> heads = Integer.parseInt(args[i + 1]);
                case "--layers" -> layers = Integer.parseInt(args[i + 1]);
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--full-step" -> fullStep = Boolean.parseBoolean(args[i + 1]);
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--length" -> length = Integer.parseInt(args[i + 1]);
                case "--raise-mmap-threshold" -> raise = Boolean.parseBoolean(args[i + 1]);
                case "--groups" -> groups = Arrays.stream(args[i + 1].split(",")).mapToLong(Long::parseLong).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; known: --vocab --d_model --heads --layers --reps --groups");
            }
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            if (raise) {
                // a training step frees activations of several MB, which raises glibc's mmap threshold to their size;
                // after that, flat temporaries of a few MB come from the heap, not from fresh mmapped pages
                manager.zeros(new ai.djl.ndarray.types.Shape(8L << 20)).close();
            }
            ModelConfig cfg = ModelConfig.builder(vocab, d, heads, layers).build();
            List<DecoderLM> models = new ArrayList<>();
            List<AdamW> opts = new ArrayList<>();
            for (long g : groups) {
                DecoderLM m = DecoderLM.create(cfg, manager, 1);
                models.add(m);
                opts.add(AdamW.builder().betas(0.9, 0.95).weightDecay(0.1).groupElements(g)
                        .build(m.getParameters(), manager));
            }
            double[][] ms = new double[groups.length][reps];
            for (int r = -5; r < reps; r++) {
                for (int k0 = 0; k0 < groups.length; k0++) {
                    int k = (k0 + Math.max(r, 0)) % groups.length;             // rotate the order
                    long c0;
                    long c1;
                    if (fullStep) {
                        c0 = mx.getCurrentThreadCpuTime();
                        step(models.get(k), opts.get(k), manager, batch, length, vocab);
                        c1 = mx.getCurrentThreadCpuTime();
                    } else {
                        grads(models.get(k), manager);
                        c0 = mx.getCurrentThreadCpuTime();
                        opts.get(k).update(1e-4, 0.5f);
                        c1 = mx.getCurrentThreadCpuTime();
                    }
                    if (r >= 0) {
                        ms[k][r] = (c1 - c0) / 1e6;
                    }
                }
            }
            for (int k = 0; k < groups.length; k++) {
                double[] v = ms[k].clone();
                Arrays.sort(v);
                System.out.printf(Locale.ROOT, "group %8d elements: " + (fullStep ? "train step" : "update") + " median %.2f ms (min %.2f, max %.2f)%n",
                        groups[k], v[reps / 2], v[0], v[reps - 1]);
            }
            opts.forEach(AdamW::close);
        }
    }

    /** One training step as Trainer.step makes it: forward, masked cross-entropy, backward, loss read, clip, AdamW. */
    private static void step(DecoderLM model, AdamW opt, NDManager manager, int batch, int length, int vocab) {
        try (NDManager sub = manager.newSubManager()) {
            ai.djl.ndarray.types.Shape s = new ai.djl.ndarray.types.Shape(batch, length);
            NDArray tokens = sub.randomInteger(0, vocab, s, ai.djl.ndarray.types.DataType.INT32);
            NDArray targets = sub.randomInteger(0, vocab, s, ai.djl.ndarray.types.DataType.INT32);
            NDArray mask = sub.ones(s);
            NDArray loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                loss = MaskedLoss.crossEntropy(model.forward(new ai.djl.training.ParameterStore(sub, false), tokens, true),
                        targets, mask);
                gc.backward(loss);
            }
            loss.getFloat();
            double norm = GradientClip.globalNorm(opt.parameters());
            opt.update(1e-4, GradientClip.scale(norm, 1.0));
        }
    }

    private static void grads(DecoderLM model, NDManager manager) {
        try (NDManager sub = manager.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (Pair<String, Parameter> p : model.getParameters()) {
                NDArray a = p.getValue().getArray();
                NDArray c = sub.randomUniform(-1, 1, a.getShape());
                NDArray term = a.mul(c).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }
}
