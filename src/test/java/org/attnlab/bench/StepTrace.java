package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.attnlab.model.DecoderLM;
import org.attnlab.train.Trainer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A libtorch profiler trace (Chrome-trace JSON, with input shapes) of a few warm {@code Trainer.step()} calls of a
 * bench model, for a per-kernel comparison with PyTorch ({@code bench/kernel_table.py}, which reads this file and
 * the one {@code bench/pytorch/step_trace.py} writes for the same size and kind).
 *
 * <p>{@code StepTrace [--size mid] [--kind standard] [--warmup-s 20] [--steps 3] [--out build/bench/trace-djl.json]}:
 * builds the model as the timing worker does (sizes of {@link StepOps#SIZES}, chunk 64, seed 1), runs untimed
 * steps for {@code --warmup-s} seconds (at least 3) so the JIT has compiled the Java side, then profiles
 * {@code --steps} steps with {@code JniUtils.startProfile(false, true, false)} (CPU, record shapes, no memory).
 * Prints the median thread CPU time and minor page faults (of this thread) of the second half of the warm-up steps, for scale (the profiler itself adds some).
 */
public final class StepTrace {

    private StepTrace() {
    }

    static double median(List<double[]> rows, int col) {
        double[] v = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
        return v[v.length / 2];
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> o = ModelBench.options(args);
        o.putIfAbsent("size", "mid");
        BenchModel bm = BenchModel.from(o);                    // names a bad --size or shape option
        String size = o.get("size");
        String kind = bm.kind();
        double warmupS = Double.parseDouble(o.getOrDefault("warmup-s", "20"));
        int steps = Integer.parseInt(o.getOrDefault("steps", "3"));
        Path out = Path.of(o.getOrDefault("out", "build/bench/trace-djl-" + size + "-" + kind + ".json"));
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1; got " + steps);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            DecoderLM lm = bm.create(manager);
            try (Trainer trainer = Trainer.builder().model(lm).config(bm.trainConfig(1_000_000, 1e-4, 0))
                    .trainData(bm.source(1)).runName("trace").build()) {
                long end = System.nanoTime() + (long) (warmupS * 1e9);
                int n = 0;
                List<double[]> seen = new ArrayList<>();
                while (n < 3 || System.nanoTime() < end) {
                    long f0 = KernelBench.minorFaults();
                    long c0 = mx.getCurrentThreadCpuTime();
                    trainer.step();
                    seen.add(new double[] {(mx.getCurrentThreadCpuTime() - c0) / 1e6, KernelBench.minorFaults() - f0});
                    n++;
                }
                List<double[]> late = seen.subList(seen.size() / 2, seen.size());
                System.out.printf(Locale.ROOT, "%s %s: %d warm-up steps; the last %d: median %.1f CPU ms, %.0f minor page "
                        + "faults%n", size, kind, n, late.size(), median(late, 0), median(late, 1));
                Files.createDirectories(out.toAbsolutePath().getParent());
                long c0 = mx.getCurrentThreadCpuTime();
                JniUtils.startProfile(false, true, false);
                try {
                    for (int i = 0; i < steps; i++) {
                        trainer.step();
                    }
                } finally {
                    JniUtils.stopProfile(out.toString());
                }
                System.out.printf(Locale.ROOT, "profiled %d steps, %.1f CPU ms per step (with the profiler); wrote %s%n",
                        steps, (mx.getCurrentThreadCpuTime() - c0) / 1e6 / steps, out);
            }
        }
    }
}
