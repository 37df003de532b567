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
 * <p>{@code AdamWBench [--vocab 1024 --d_model 256 --heads 4 --layers 4] [--groups 65536,262144,1048576] [--reps 30]}
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
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--vocab" -> vocab = Integer.parseInt(args[i + 1]);
                case "--d_model" -> d = Integer.parseInt(args[i + 1]);
                case "--heads" -> heads = Integer.parseInt(args[i + 1]);
                case "--layers" -> layers = Integer.parseInt(args[i + 1]);
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--groups" -> groups = Arrays.stream(args[i + 1].split(",")).mapToLong(Long::parseLong).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; known: --vocab --d_model --heads --layers --reps --groups");
            }
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
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
                    grads(models.get(k), manager);
                    long c0 = mx.getCurrentThreadCpuTime();
                    opts.get(k).update(1e-4, 0.5f);
                    long c1 = mx.getCurrentThreadCpuTime();
                    if (r >= 0) {
                        ms[k][r] = (c1 - c0) / 1e6;
                    }
                }
            }
            for (int k = 0; k < groups.length; k++) {
                double[] v = ms[k].clone();
                Arrays.sort(v);
                System.out.printf(Locale.ROOT, "group %8d elements: update median %.2f ms (min %.2f, max %.2f)%n",
                        groups[k], v[reps / 2], v[0], v[reps - 1]);
            }
            opts.forEach(AdamW::close);
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
