package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.attnlab.model.DecoderLM;
import org.attnlab.train.AdamW;
import org.attnlab.train.GradientClip;
import org.attnlab.train.MaskedLoss;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a DJL training step spends its time: the phases of {@code Trainer.step} timed one by one (median of
 * {@code reps}): forward (no gradients), forward + loss under a gradient collector, backward, reading the loss,
 * global-norm clipping (one host read), the AdamW update. Run with the options of {@link BenchModel#from}
 * plus {@code --reps} and {@code --threads} (PyTorch threads, 1 by default as in the script); {@code
 * bench/pytorch/step_profile.py} prints the same phases for PyTorch.
 */
public final class StepProfile {

    private StepProfile() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = ModelBench.options(args);
        BenchModel bm = BenchModel.from(o);
        int reps = Integer.parseInt(o.getOrDefault("reps", "5"));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            DecoderLM model = bm.create(manager);
            ParameterStore ps = new ParameterStore(manager, false);
            try (AdamW opt = AdamW.builder().betas(0.9, 0.95).weightDecay(0.1).build(model.getParameters(), manager)) {
                int[][] h = bm.hostBatch(0);
                Shape s = new Shape(bm.batch(), bm.length());
                Map<String, double[]> t = new LinkedHashMap<>();
                for (String k : new String[] {"forward(no grad)", "forward+loss(grad)", "backward", "loss read",
                        "clip", "adamw", "step total", "Trainer.step"}) {
                    t.put(k, new double[reps + 1]);
                }
                org.attnlab.train.Trainer trainer = org.attnlab.train.Trainer.builder().model(model)
                        .config(bm.trainConfig(1_000_000, 1e-4, 0)).trainData(bm.source(1)).build();
                for (int r = 0; r <= reps; r++) {                               // r = 0 is a warm-up
                    long e0 = System.nanoTime();
                    trainer.step();
                    t.get("Trainer.step")[r] = (System.nanoTime() - e0) / 1e6;
                    try (NDManager sub = manager.newSubManager()) {
                        NDArray tokens = sub.create(h[0], s);
                        NDArray targets = sub.create(h[1], s);
                        NDArray mask = sub.create(h[2], s).toType(DataType.FLOAT32, false);
                        long a = System.nanoTime();
                        model.forward(ps, tokens, false).getFloat(0, 0, 0);
                        long b = System.nanoTime();
                        t.get("forward(no grad)")[r] = (b - a) / 1e6;
                        long c0 = System.nanoTime();
                        NDArray loss;
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            loss = MaskedLoss.crossEntropy(model.forward(ps, tokens, true), targets, mask);
                            long c1 = System.nanoTime();
                            gc.backward(loss);
                            long c2 = System.nanoTime();
                            t.get("forward+loss(grad)")[r] = (c1 - c0) / 1e6;
                            t.get("backward")[r] = (c2 - c1) / 1e6;
                        }
                        long d0 = System.nanoTime();
                        loss.getFloat();
                        long d1 = System.nanoTime();
                        GradientClip.clip(opt.parameters(), 1.0);
                        long d2 = System.nanoTime();
                        opt.update(1e-4);
                        long d3 = System.nanoTime();
                        t.get("loss read")[r] = (d1 - d0) / 1e6;
                        t.get("clip")[r] = (d2 - d1) / 1e6;
                        t.get("adamw")[r] = (d3 - d2) / 1e6;
                        t.get("step total")[r] = (d3 - c0) / 1e6;
                    }
                }
                trainer.close();
                System.out.println("DJL " + bm.label() + ", " + opt.parameters().size() + " parameter arrays");
                for (var e : t.entrySet()) {
                    double[] x = Arrays.copyOfRange(e.getValue(), 1, reps + 1);
                    Arrays.sort(x);
                    System.out.printf(Locale.ROOT, "  %-20s %9.2f ms%n", e.getKey(), x[reps / 2]);
                }
            }
        }
    }
}
