package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.attnlab.attention.AttentionKind;
import org.attnlab.data.BatchSource;
import org.attnlab.data.Batches;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Resident memory over a long run, per attention kind (a benchmark, not a test: it takes minutes and its numbers
 * depend on the machine). For each kind, a two-layer DecoderLM of that kind trains on random tokens; the process's
 * resident set (VmRSS from /proc/self/status, Linux) is read after a 50-step warm-up and then every
 * {@code steps/10} steps, and one line per kind reports start, end, growth and the peak (VmHWM).
 *
 * <pre>
 *   mvn -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 *   java -Dai.djl.pytorch.num_threads=1 -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *       org.attnlab.bench.MemoryBench [--steps 10000] [--kinds standard,path,fox] [--d 64] [--context 64] [--batch 8]
 * </pre>
 * Kinds run one after another in one JVM, so a kind's start includes what the earlier ones left (the JVM does not
 * give heap back); run one kind per JVM for separate baselines. Flat means the end equals the start within the
 * allocator's noise; a leak of one small array per step shows as steady growth at every reading.
 */
public final class MemoryBench {

    private MemoryBench() {
    }

    public static void main(String[] args) throws IOException {
        int steps = 10_000;
        int d = 64;
        int context = 64;
        int batch = 8;
        List<AttentionKind> kinds = List.of(AttentionKind.STANDARD, AttentionKind.PATH, AttentionKind.FOX);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--d" -> d = Integer.parseInt(args[++i]);
                case "--context" -> context = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--kinds" -> {
                    List<AttentionKind> ks = new ArrayList<>();
                    for (String k : args[++i].split(",")) {
                        ks.add(AttentionKind.valueOf(k.trim().toUpperCase(Locale.ROOT)));
                    }
                    kinds = ks;
                }
                default -> throw new IllegalArgumentException("unknown option '" + args[i]
                        + "'; options: --steps N, --kinds standard,path,fox, --d N, --context N, --batch N");
            }
        }
        System.out.printf("MemoryBench: %d steps per kind, d=%d, context=%d, batch=%d, 2 layers; resident MB%n",
                steps, d, context, batch);
        System.out.printf("%-10s %8s %8s %8s %8s %9s  readings%n", "kind", "start", "end", "growth", "peak", "ms/step");
        for (AttentionKind kind : kinds) {
            run(kind, steps, d, context, batch);
        }
    }

    private static void run(AttentionKind kind, int steps, int d, int context, int batch) throws IOException {
        int vocab = 64;
        int[] ids = new Random(1).ints(200_000, 0, vocab).toArray();
        TrainingData data = TrainingData.from(BatchSource.of(Batches.of(ids), batch, context, 1));
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            DecoderLM model = DecoderLM.create(ModelConfig.builder(vocab, d, 4, 2).plan(LayerPlan.of(kind, kind))
                    .maxLength(context).build(), m, 1);
            int warmup = 50;
            TrainConfig cfg = TrainConfig.builder(1, Device.cpu()).steps(warmup + steps).batchSize(batch)
                    .context(context).lr(1e-3).evalEvery(0).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(data).build()) {
                for (int i = 0; i < warmup; i++) {
                    t.step();
                }
                System.gc();
                double start = residentMb("VmRSS");
                StringBuilder readings = new StringBuilder();
                long t0 = System.nanoTime();
                int every = Math.max(1, steps / 10);
                for (int i = 1; i <= steps; i++) {
                    t.step();
                    if (i % every == 0) {
                        readings.append(String.format(Locale.ROOT, " %.0f", residentMb("VmRSS")));
                    }
                }
                double ms = (System.nanoTime() - t0) / 1e6 / steps;
                System.gc();
                double end = residentMb("VmRSS");
                System.out.printf(Locale.ROOT, "%-10s %8.0f %8.0f %+8.0f %8.0f %9.2f %s%n", kind.label(), start, end,
                        end - start, residentMb("VmHWM"), ms, readings);
            }
        }
    }

    /** A memory line of /proc/self/status in MB (VmRSS: resident now; VmHWM: the peak). */
    static double residentMb(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status (Linux only)");
    }
}
