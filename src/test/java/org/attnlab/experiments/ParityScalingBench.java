package org.attnlab.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.attnlab.Seeds;
import org.attnlab.attention.AttentionKind;
import org.attnlab.data.tasks.*;
import org.attnlab.model.*;
import org.attnlab.train.*;
import java.util.*;

/**
 * The reduced-scale runs behind the sizes of {@link ParityCotExperiment} (issue 15): one 2-layer (or {@code layers=1})
 * CoT model on {@link ParityTask}, lengths 1..L mixed, then the free-running answer accuracy at every length (256
 * held-out strings each), the teacher-forced step accuracy at L, and the paper's head scores (fraction of queries
 * above 0.5: layer 0 on EoI, layer 0 and layer 1 on x_t) at L/2 and L. Prints one {@code HEADS} and one
 * {@code RESULT} line. Options (key=value): {@code d L steps batch lr wd warmup minr clip seed layers mlp} as in
 * {@link TrainConfig} and {@link ModelConfig}; {@code eos=1} grades an end-of-sequence target (the pad id) after the
 * chain and on all padding, as the paper's loss mask does; {@code posStd}, {@code embStd} rescale the initial
 * position and token embeddings to that standard deviation and {@code wScale} multiplies every block matrix (the
 * paper's init: N(0, 1) embeddings, U(+-1/sqrt d) weights); {@code grouped=1} gives every batch one length, cycling
 * 1..L every 4 batches (the paper's unshuffled loader).
 * <pre>
 *   mvn -o -q test-compile
 *   java -Dai.djl.pytorch.num_threads=1 -cp target/test-classes:$(cat build/classpath.txt) \
 *       org.attnlab.experiments.ParityScalingBench d=64 L=16 steps=2000 batch=64 seed=42
 * </pre>
 */
public final class ParityScalingBench {
    private static final Set<String> KEYS = Set.of("d", "L", "steps", "batch", "lr", "wd", "warmup", "minr", "clip",
            "seed", "eos", "posStd", "embStd", "wScale", "grouped", "layers", "mlp", "names", "dev", "evals", "cot", "bucket");

    public static void main(String[] a) {
        Map<String, String> o = new HashMap<>();
        for (String s : a) {
            String[] kv = s.split("=", 2);
            if (kv.length != 2 || !KEYS.contains(kv[0])) {
                throw new IllegalArgumentException("option '" + s + "' is not key=value with a key in " + KEYS);
            }
            o.put(kv[0], kv[1]);
        }
        int d = Integer.parseInt(o.getOrDefault("d", "64"));
        int maxL = Integer.parseInt(o.getOrDefault("L", "16"));
        int steps = Integer.parseInt(o.getOrDefault("steps", "3000"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "128"));
        double lr = Double.parseDouble(o.getOrDefault("lr", "3e-3"));
        double wd = Double.parseDouble(o.getOrDefault("wd", "0.1"));
        int warm = Integer.parseInt(o.getOrDefault("warmup", "-1"));
        double minr = Double.parseDouble(o.getOrDefault("minr", "0.1"));
        double clip = Double.parseDouble(o.getOrDefault("clip", "1.0"));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        boolean eos = o.getOrDefault("eos", "0").equals("1");
        float posStd = Float.parseFloat(o.getOrDefault("posStd", "0"));   // 0 = default
        float embStd = Float.parseFloat(o.getOrDefault("embStd", "0"));
        float wScale = Float.parseFloat(o.getOrDefault("wScale", "0"));
        boolean grouped = o.getOrDefault("grouped", "0").equals("1");
        int layers = Integer.parseInt(o.getOrDefault("layers", "2"));
        int mlp = Integer.parseInt(o.getOrDefault("mlp", "0"));
        ParityTask task = o.getOrDefault("cot", "1").equals("1") ? ParityTask.withChainOfThought()
                : ParityTask.withoutChainOfThought();
        ai.djl.Device dev = o.getOrDefault("dev", "cpu").equals("gpu") ? ai.djl.Device.gpu() : ai.djl.Device.cpu();
        int evals = Integer.parseInt(o.getOrDefault("evals", "5"));
        int ctx = task.inputLength(maxL) + (eos ? 1 : 0);
        ModelConfig.Builder cb = ModelConfig.builder(task.vocabulary().size(), d, 1, layers)
                .plan(LayerPlan.uniform(AttentionKind.NOPE, layers));
        if (mlp > 0) cb.mlpWidth(mlp);
        ModelConfig config = cb.build();
        long t0 = System.nanoTime();
        try (NDManager mm = NDManager.newBaseManager(dev)) {
            LearnedPositionsLM lm = LearnedPositionsLM.create(config, ctx, mm, Seeds.derive(seed, "parity model " + layers + " layers"));
            for (Pair<String, Parameter> p : lm.getParameters()) {
                String n = p.getKey(); if (o.containsKey("names")) System.out.println("PARAM " + n + " " + p.getValue().getArray().getShape());
                if (posStd > 0 && n.endsWith("positions")) p.getValue().getArray().muli(posStd / DecoderLM.EMBEDDING_INIT_STD);
                if (wScale > 0 && p.getValue().getArray().getShape().dimension() == 2 && n.contains("blocks")) p.getValue().getArray().muli(wScale);
                if (embStd > 0 && n.endsWith("embedding")) p.getValue().getArray().muli(embStd / DecoderLM.EMBEDDING_INIT_STD);
            }
            TrainConfig.Builder tc = TrainConfig.builder(seed, dev).steps(steps).batchSize(batch)
                    .context(ctx).lr(lr).weightDecay(wd).minLrRatio(minr).clipNorm(clip).evalEvery(Math.max(1, steps / evals)).evalBatches(1);
            if (warm >= 0) tc.warmup(warm);
            int bucket = Integer.parseInt(o.getOrDefault("bucket", "0"));
            TrainingData train = bucket > 0 ? buckets(task, maxL, bucket == 2, Split.TRAIN)
                    : data(task, maxL, ctx, eos, grouped, Split.TRAIN);
            TrainingData eval = data(task, maxL, ctx, eos, false, Split.TEST);
            try (Trainer trainer = Trainer.builder().model(lm).config(tc.build()).trainData(train).evalData(eval)
                    .runName("parity-scaling").listener(new ProgressListener() {
                        @Override
                        public void onEval(ProgressListener.Progress p, Map<String, Double> m) {
                            System.out.printf("EVAL step %d %.0fs %s%n", p.step(), (System.nanoTime() - t0) / 1e9, m);
                        }
                    }).build()) {
                TrainResult r = trainer.run();
                double tt = (System.nanoTime() - t0) / 1e9;
                StringBuilder sb = new StringBuilder();
                double[] acc = new double[maxL];
                double stepF = 0;
                for (int len = 1; len <= maxL; len++) {
                    TaskBatch test = task.sample(256, len, Split.TEST, Seeds.derive(Seeds.derive(seed, "parity test sequences"), len));
                    try (NDManager sub = mm.newSubManager()) {
                        sub.tempAttachAll(ModelWeights.arrays(lm));
                        ParityCotExperiment.ChainAccuracy c = ParityCotExperiment.chainAccuracy(trainer::logits, task, test, sub);
                        acc[len - 1] = c.answer();
                        if (len == maxL) stepF = c.stepForced();
                    }
                    sb.append(String.format(" %.2f", acc[len - 1]));
                }
                String heads = "";
                for (int hl : o.getOrDefault("cot", "1").equals("1") ? new int[] {Math.max(1, maxL / 2), maxL} : new int[0]) {
                    TaskBatch probe = task.sample(64, hl, Split.TEST, Seeds.derive(seed, "probe" + hl));
                    try (NDManager sub = mm.newSubManager()) {
                        sub.tempAttachAll(ModelWeights.arrays(lm));
                        int[][] tok = probe.inputs();
                        int[] fl = flat(tok);
                        java.util.Map<String, NDArray> pat = lm.patterns(new ai.djl.training.ParameterStore(sub, false), sub.create(fl, new Shape(tok.length, tok[0].length)));
                        double e0 = 0, i1 = 0, i0 = 0;
                        for (int b = 0; b < tok.length; b++) {
                            float[][] w0 = org.attnlab.probe.InductionScores.headWeights(pat.get(HookName.pattern(0)), b, 0);
                            e0 += org.attnlab.probe.IterationHeadScores.eoiPeaked(w0, hl, 0.5);
                            i0 += org.attnlab.probe.IterationHeadScores.iterationPeaked(w0, hl, 0.5);
                            if (layers > 1) {
                                float[][] w1 = org.attnlab.probe.InductionScores.headWeights(pat.get(HookName.pattern(1)), b, 0);
                                i1 += org.attnlab.probe.IterationHeadScores.iterationPeaked(w1, hl, 0.5);
                            }
                        }
                        heads += String.format(" L%d: eoi0 %.2f it0 %.2f it1 %.2f;", hl, e0 / tok.length, i0 / tok.length, i1 / tok.length);
                    }
                }
                System.out.printf("HEADS%s%n", heads);
                System.out.printf("RESULT %s | acc@%d %.3f solved %d stepF %.3f loss %.4f | %.0fs train | by length:%s%n",
                        String.join(" ", a), maxL, acc[maxL - 1], ParityCotExperiment.solvedUpTo(acc), stepF,
                        r.trainLoss(), tt, sb);
            }
        }
    }

    /**
     * One length per batch, the context trimmed to it (no padding): the length uniform on 1..maxL (the paper's
     * loader, in random order) or, {@code tokenWeighted}, drawn with probability proportional to it (each target
     * token equally likely, as in mixed batches).
     */
    static TrainingData buckets(ParityTask task, int maxL, boolean tokenWeighted, Split split) {
        return (manager, req) -> {
            SplittableRandom rng = new SplittableRandom(Seeds.derive(req.seed(), split.name() + "/bucket"));
            int l;
            if (tokenWeighted) {
                int u = rng.nextInt(maxL * (maxL + 1) / 2);
                l = 1;
                while (u >= l) { u -= l; l++; }
            } else {
                l = 1 + rng.nextInt(maxL);
            }
            TaskBatch b = task.sample(req.batchSize(), l, split, rng.nextLong());
            return new TensorBatch(b.inputArray(manager), b.targetArray(manager), b.maskArray(manager));
        };
    }

    static TrainingData data(ParityTask task, int maxL, int ctx, boolean eos, boolean grouped, Split split) {
        return (manager, req) -> {
            SplittableRandom rng = new SplittableRandom(Seeds.derive(req.seed(), split.name() + "/h"));
            int n = req.batchSize();
            int[][] in = new int[n][ctx], tg = new int[n][ctx];
            float[][] m = new float[n][ctx];
            int gl = 1 + (int) ((req.index() / 4) % maxL);
            for (int b = 0; b < n; b++) {
                int l = grouped ? gl : 1 + rng.nextInt(maxL);
                Example e = task.generate(l, split, rng);
                int w = e.inputs().length;
                for (int i = 0; i < ctx; i++) {
                    if (i < w) { in[b][i] = e.inputs()[i]; tg[b][i] = e.targets()[i]; m[b][i] = e.lossMask()[i] ? 1 : 0; }
                    else if (eos) {
                        in[b][i] = i == w ? e.targets()[w - 1] : ParityTask.PAD;
                        tg[b][i] = ParityTask.PAD; m[b][i] = 1;
                    } else { in[b][i] = ParityTask.PAD; tg[b][i] = ParityTask.PAD; }
                }
            }
            return new TensorBatch(manager.create(flat(in), new Shape(n, ctx)).toType(ai.djl.ndarray.types.DataType.INT64, false),
                    manager.create(flat(tg), new Shape(n, ctx)).toType(ai.djl.ndarray.types.DataType.INT64, false),
                    manager.create(flatf(m), new Shape(n, ctx)));
        };
    }
    static int[] flat(int[][] x) { int[] o = new int[x.length * x[0].length]; for (int i = 0; i < x.length; i++) System.arraycopy(x[i], 0, o, i * x[0].length, x[0].length); return o; }
    static float[] flatf(float[][] x) { float[] o = new float[x.length * x[0].length]; for (int i = 0; i < x.length; i++) System.arraycopy(x[i], 0, o, i * x[0].length, x[0].length); return o; }
}
