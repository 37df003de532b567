package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.gson.Gson;
import org.attnlab.WeightInit;
import org.attnlab.attention.AttentionKind;
import org.attnlab.data.tasks.ParityTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.LearnedPositionsLM;
import org.attnlab.model.ModelConfig;
import org.attnlab.train.StepResult;
import org.attnlab.train.TensorBatch;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cross-implementation check of parity-cot's paper recipe (issue 15): the DJL model ({@code LearnedPositionsLM}, NoPE,
 * GELU MLP, LayerNorm, the stream normalised before attention, PyTorch's default initialisation; Adam at a constant
 * rate, no decay or clipping; end padding graded) trains on fixed batches, and writes its initial weights, the
 * batches and its loss curve. {@code bench/pytorch/parity_reference.py --crosscheck DIR} loads them into the PyTorch
 * reference with the same recipe (embedding dropout off on both sides: their random masks cannot match) and
 * compares the curves, so what the reference shows on the GPU is what this model does.
 *
 * <p>Usage: {@code ParityCrossCheck --dir D [--d 32] [--max-len 8] [--batch 16] [--steps 40] [--lr 1e-3]
 * [--batches 4] [--seed 1]}
 */
public final class ParityCrossCheck {

    private ParityCrossCheck() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        Path dir = Path.of(o.getOrDefault("dir", "build/bench/parity-crosscheck"));
        int d = Integer.parseInt(o.getOrDefault("d", "32"));
        int maxLen = Integer.parseInt(o.getOrDefault("max-len", "8"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "16"));
        int steps = Integer.parseInt(o.getOrDefault("steps", "40"));
        double lr = Double.parseDouble(o.getOrDefault("lr", "1e-3"));
        int count = Integer.parseInt(o.getOrDefault("batches", "4"));
        long seed = Long.parseLong(o.getOrDefault("seed", "1"));
        ParityTask task = ParityTask.withChainOfThought();
        int context = task.inputLength(maxLen);
        ModelConfig config = ModelConfig.builder(task.vocabulary().size(), d, 1, 2)
                .plan(LayerPlan.uniform(AttentionKind.NOPE, 2)).geluMlp(true).mlpWidth(4 * d).layerNorm(true)
                .normalizedResidual(true).normEps(1e-5f).build();
        List<TaskBatch> batches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batches.add(task.sampleMixedLengths(batch, 1, maxLen, Split.TRAIN, seed * 1000 + i, true));
        }
        TrainingData data = (manager, req) -> {
            TaskBatch b = batches.get((int) (req.index() % count));
            return new TensorBatch(b.inputArray(manager), b.targetArray(manager), b.maskArray(manager));
        };
        TrainConfig tc = TrainConfig.builder(seed, Device.cpu()).steps(steps).batchSize(batch).context(context).lr(lr)
                .betas(0.9, 0.999).weightDecay(0).clipNorm(0).warmup(0).minLrRatio(1).evalEvery(0).build();
        try (NDManager mm = NDManager.newBaseManager(Device.cpu())) {
            LearnedPositionsLM lm = LearnedPositionsLM.create(config, context, mm, seed);
            WeightInit.redrawPytorchDefaults(lm, seed);
            TensorFile weights = new TensorFile().meta("model", Map.of("d", d, "max_len", maxLen, "context", context,
                    "vocab", task.vocabulary().size(), "norm_eps", 1e-5));
            Map<String, Parameter> params = new LinkedHashMap<>(BenchModel.structuralParameters(lm.decoder()));
            params.put("positions", lm.getParameters().get("positions"));
            for (var e : params.entrySet()) {
                NDArray a = e.getValue().getArray();
                weights.put(e.getKey(), a.toFloatArray(), a.getShape().getShape());
            }
            weights.meta("train", Map.of("steps", steps, "lr", lr, "batches", count)).write(dir.resolve("weights"));
            TensorFile out = new TensorFile();
            long[] shape = {batch, context};
            for (int i = 0; i < count; i++) {
                TaskBatch b = batches.get(i);
                int[] mask = new int[batch * context];
                int[] in = new int[batch * context];
                int[] tg = new int[batch * context];
                for (int r = 0; r < batch; r++) {
                    for (int t = 0; t < context; t++) {
                        in[r * context + t] = b.inputs()[r][t];
                        tg[r * context + t] = b.targets()[r][t];
                        mask[r * context + t] = b.lossMask()[r][t] ? 1 : 0;
                    }
                }
                out.put("tokens." + i, in, shape).put("targets." + i, tg, shape).put("mask." + i, mask, shape);
            }
            out.meta("count", count).write(dir.resolve("batches"));
            double[] loss = new double[steps];
            try (Trainer trainer = Trainer.builder().model(lm).config(tc).trainData(data).runName("parity-crosscheck")
                    .build()) {
                for (int t = 0; t < steps; t++) {
                    StepResult r = trainer.step();
                    loss[t] = r.loss();
                }
            }
            Files.writeString(dir.resolve("djl_curve.json"), new Gson().toJson(Map.of("loss", loss)));
            System.out.printf("wrote %s: %d steps, loss %.5f -> %.5f%n", dir, steps, loss[0], loss[steps - 1]);
        }
    }
}
