package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.attnlab.train.TensorBatch;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Milliseconds per training step (forward, backward, clip, AdamW) of model shapes the experiments train, to size
 * presets from: {@code StepTimes [--device cpu|gpu] [--steps 30] [--warmup 10] SPEC...}, each SPEC
 * {@code name:kind:layers:dModel:heads:vocab:batch:length[:chunk]} (kind as {@link AttentionKind#parse}; chunk:
 * PaTH's dense op up to this length, blockwise beyond; default the length, so dense). Random tokens; the timed steps
 * end with reading the last loss to the host, so a GPU's queued work is counted. One line per spec:
 * {@code name kind layers d heads B L chunk ms_per_step tokens_per_second}.
 */
public final class StepTimes {

    private StepTimes() {
    }

    record Spec(String name, AttentionKind kind, int layers, int dModel, int heads, int vocab, int batch, int length,
                int chunk) {

        static Spec parse(String s) {
            String[] p = s.split(":");
            if (p.length != 8 && p.length != 9) {
                throw new IllegalArgumentException("spec must be name:kind:layers:dModel:heads:vocab:batch:length[:chunk];"
                        + " got '" + s + "'");
            }
            int length = positive(s, p, 7, "length");
            return new Spec(p[0], AttentionKind.parse(p[1]), positive(s, p, 2, "layers"), positive(s, p, 3, "dModel"),
                    positive(s, p, 4, "heads"), positive(s, p, 5, "vocab"), positive(s, p, 6, "batch"), length,
                    p.length == 9 ? positive(s, p, 8, "chunk") : length);
        }

        private static int positive(String spec, String[] p, int i, String field) {
            try {
                int v = Integer.parseInt(p[i]);
                if (v > 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // named below
            }
            throw new IllegalArgumentException(field + " in spec '" + spec + "' must be a positive integer; got '"
                    + p[i] + "'");
        }
    }

    public static void main(String[] args) {
        String device = "cpu";
        int steps = 30;
        int warmup = 10;
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = args[++i];
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> specs.add(Spec.parse(args[i]));
            }
        }
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no SPEC given; usage: StepTimes [--device cpu|gpu] [--steps N] "
                    + "[--warmup N] name:kind:layers:dModel:heads:vocab:batch:length[:chunk] ...; args "
                    + Arrays.toString(args));
        }
        Device d = ModelBench.device(device, Engine.getInstance().getGpuCount());
        System.out.println("name kind layers d heads B L chunk ms_per_step tokens_per_second");
        for (Spec s : specs) {
            double ms = time(s, d, steps, warmup);
            System.out.printf(Locale.ROOT, "%s %s %d %d %d %d %d %d %.2f %.0f%n", s.name(), s.kind().label(),
                    s.layers(), s.dModel(), s.heads(), s.batch(), s.length(), s.chunk(), ms,
                    s.batch() * (double) s.length() / ms * 1000);
        }
    }

    static double time(Spec s, Device device, int steps, int warmup) {
        ModelConfig config = ModelConfig.builder(s.vocab(), s.dModel(), s.heads(), s.layers())
                .plan(LayerPlan.uniform(s.kind(), s.layers())).pathChunkSize(s.chunk())
                .maxLength(Math.max(512, s.length())).build();
        TrainConfig tc = TrainConfig.builder(1, device).steps(steps + warmup).batchSize(s.batch()).context(s.length())
                .lr(1e-3).warmup(1).evalEvery(0).build();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            DecoderLM model = DecoderLM.create(config, manager, 1);
            try (Trainer trainer = Trainer.builder().model(model).config(tc).trainData(source(s))
                    .runName(s.name()).build()) {
                for (int i = 0; i < warmup; i++) {
                    trainer.step();
                }
                long t0 = System.nanoTime();
                double last = 0;
                for (int i = 0; i < steps; i++) {
                    last = trainer.step().loss();
                }
                if (!Double.isFinite(last)) {
                    System.out.println("# " + s.name() + ": loss " + last);
                }
                return (System.nanoTime() - t0) / 1e6 / steps;
            }
        }
    }

    private static TrainingData source(Spec s) {
        Shape shape = new Shape(s.batch(), s.length());
        return (manager, request) -> {
            SplittableRandom r = new SplittableRandom(request.index());
            int n = s.batch() * s.length();
            int[] tokens = new int[n];
            int[] targets = new int[n];
            float[] mask = new float[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = r.nextInt(s.vocab());
                targets[i] = r.nextInt(s.vocab());
                mask[i] = 1;
            }
            return new TensorBatch(manager.create(tokens, shape), manager.create(targets, shape),
                    manager.create(mask, shape).toType(DataType.FLOAT32, false));
        };
    }
}
