package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.attnlab.Seeds;
import org.attnlab.data.BatchSource;
import org.attnlab.data.Batches;
import org.attnlab.data.CharTokenizer;
import org.attnlab.data.Corpus;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.ModelConfig;
import org.attnlab.probe.HeadScores;
import org.attnlab.probe.ProbeTable;
import org.attnlab.train.EvalHook;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;
import tech.tablesaw.api.Table;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * When does notebook 06's character-level Moby Dick model grow an induction head? Trains the notebook's text model
 * (2 layers, 4 heads, the same batches, seeds and probe) and prints the best prefix-matching score on repeated
 * random characters every {@code every} steps, with the wall time. Usage:
 * {@code TextInductionScan seed=42 steps=2000 batch=16 context=128 d=64 lr=3e-3 every=250 device=cpu layers=2 bpe=0}
 * ({@code bpe=N}: a byte-pair vocabulary of N tokens trained on the text instead of characters).
 */
public final class TextInductionScan {
    public static void main(String[] args) {
        Map<String, String> o = new java.util.HashMap<>(Map.of("seed", "42", "steps", "2000", "batch", "16",
                "context", "128", "d", "64", "lr", "3e-3", "every", "250", "device", "cpu", "layers", "2", "bpe", "0"));
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !o.containsKey(kv[0])) {
                throw new IllegalArgumentException("bad argument '" + a + "'; expected key=value with key one of " + o.keySet());
            }
            o.put(kv[0], kv[1]);
        }
        long seed = Long.parseLong(o.get("seed"));
        int steps = Integer.parseInt(o.get("steps")), batch = Integer.parseInt(o.get("batch"));
        int context = Integer.parseInt(o.get("context")), d = Integer.parseInt(o.get("d"));
        int layers = Integer.parseInt(o.get("layers"));
        Device device = o.get("device").equals("gpu") ? Device.gpu() : Device.cpu();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Corpus moby = Corpus.mobyDick();
            Corpus.TrainValidation split = moby.split(0.9);
            int bpe = Integer.parseInt(o.get("bpe"));
            org.attnlab.data.Tokenizer chars = bpe > 0 ? org.attnlab.data.BpeTokenizer.train(split.train().text(), bpe)
                    : CharTokenizer.fit(moby.text());
            TrainingData data = TrainingData.from(BatchSource.of(Batches.of(chars.encode(split.train().text())), batch,
                    context, Seeds.derive(seed, "06 text batches")));
            long modelSeed = Seeds.derive(seed, "06 text model");
            DecoderLM lm = DecoderLM.create(ModelConfig.builder(chars.vocabSize(), d, 4, layers).maxLength(context).build(),
                    manager, modelSeed);
            SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, "06 text probe"));
            int half = Math.min(48, context / 2);
            int[][] probe = new int[16][2 * half];
            for (int[] row : probe) {
                for (int i = 0; i < half; i++) {
                    row[i] = row[i + half] = 1 + rnd.nextInt(chars.vocabSize() - 1);
                }
            }
            // the same score on a passage of held-out text said twice: in distribution for a text model
            int[] held = chars.encode(split.validation().text());
            int[][] textProbe = new int[16][2 * half];
            for (int[] row : textProbe) {
                int at = rnd.nextInt(held.length - half);
                for (int i = 0; i < half; i++) {
                    row[i] = row[i + half] = held[at + i];
                }
            }
            long t0 = System.nanoTime();
            EvalHook hook = (trainer, step) -> {
                double best = ProbeTable.only(HeadScores.measure(lm, manager, probe, HeadScores.PREFIX_MATCHING_SCORE),
                        HeadScores.PREFIX_MATCHING).doubleColumn(ProbeTable.VALUE).max();
                double bestText = ProbeTable.only(HeadScores.measure(lm, manager, textProbe,
                        HeadScores.PREFIX_MATCHING_SCORE), HeadScores.PREFIX_MATCHING).doubleColumn(ProbeTable.VALUE).max();
                System.out.printf("%s step %d best prefix-matching: random characters %.3f, repeated text %.3f  %.0f s%n",
                        o, step, best, bestText, (System.nanoTime() - t0) / 1e9);
                return Map.of("prefix_matching", best);
            };
            TrainConfig tc = TrainConfig.builder(modelSeed, device).steps(steps).batchSize(batch).context(context)
                    .lr(Double.parseDouble(o.get("lr"))).evalEvery(Integer.parseInt(o.get("every"))).build();
            try (Trainer t = Trainer.builder().model(lm).config(tc).trainData(data).evalHook(hook).runName("moby").build()) {
                t.run();
            }
        }
    }
}
