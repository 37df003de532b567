package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.attnlab.model.DecoderLM;
import org.attnlab.train.Trainer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * How a DJL training step's time falls as the JVM warms up: {@code Trainer.step()} of a bench model (the options of
 * {@link BenchModel#from}, plus {@code --steps N} and {@code --block K}) from the first step of a fresh JVM, the
 * median wall and thread-CPU milliseconds of each block of K consecutive steps. The Java side of every op (DJL's
 * {@code PtNDArray} wrapper, its manager bookkeeping, our model code) runs in the interpreter at first and is
 * compiled after some hundreds of calls per method, so the first tens of steps of a run cost more than the rest;
 * a benchmark that times the first few steps measures that.
 *
 * <pre>
 * java -cp ... org.attnlab.bench.WarmupCurve --vocab 256 --d_model 64 --heads 2 --layers 2 --batch 4 --length 32
 * </pre>
 */
public final class WarmupCurve {

    private WarmupCurve() {
    }

    public static void main(String[] args) {
        Map<String, String> o = ModelBench.options(args);
        int steps = Integer.parseInt(o.getOrDefault("steps", "400"));
        int block = Integer.parseInt(o.getOrDefault("block", "10"));
        if (steps < 1 || block < 1) {
            throw new IllegalArgumentException("--steps " + steps + " and --block " + block + " must be >= 1");
        }
        BenchModel bm = BenchModel.from(o);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] wall = new double[steps];
        double[] cpu = new double[steps];
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            DecoderLM model = bm.create(manager);
            try (Trainer trainer = Trainer.builder().model(model).config(bm.trainConfig(1_000_000, 1e-4, 0))
                    .trainData(bm.source(4)).build()) {
                for (int i = 0; i < steps; i++) {
                    long c0 = mx.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    trainer.step();
                    wall[i] = (System.nanoTime() - t0) / 1e6;
                    cpu[i] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
                }
            }
        }
        System.out.println("DJL " + bm.label() + ": median ms per step of each block of " + block + " steps");
        System.out.println("steps wall_ms cpu_ms");
        for (int s = 0; s < steps; s += block) {
            int e = Math.min(steps, s + block);
            System.out.printf(Locale.ROOT, "%d-%d %.2f %.2f%n", s + 1, e, median(wall, s, e), median(cpu, s, e));
        }
    }

    private static double median(double[] x, int from, int to) {
        double[] y = Arrays.copyOfRange(x, from, to);
        Arrays.sort(y);
        return y[y.length / 2];
    }
}
