package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.attnlab.model.TransformerBlock;
import org.attnlab.train.TensorBatch;
import org.attnlab.train.TrainingData;
import org.attnlab.train.TrainConfig;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What both engines of the benchmark agree on: a model size, its batches, its training settings, and the structural
 * parameter names ({@code embed, head, blocks.N.attn_norm.gain, blocks.N.attn.wq, .., blocks.N.mlp.gate, ..,
 * ln_final.gain}) that the PyTorch reference ({@code bench/pytorch/attnlab_ref.py}) uses as its module paths.
 *
 * @param kind     {@code standard} (softmax + RoPE) or {@code path} (PaTH) in every layer
 * @param vocab    vocabulary size V
 * @param dModel   residual width
 * @param heads    attention heads
 * @param layers   depth
 * @param batch    sequences per batch B
 * @param length   tokens per sequence L
 * @param chunk    PaTH's chunk size (dense {@code path} up to it, {@code pathChunked} beyond)
 * @param seed     model initialisation and batch seed
 */
record BenchModel(String kind, int vocab, int dModel, int heads, int layers, int batch, int length, int chunk,
                  long seed) {

    BenchModel {
        if (!kind.equals("standard") && !kind.equals("path")) {
            throw new IllegalArgumentException("kind must be standard or path; got " + kind);
        }
    }

    private static final String[] SHAPE_OPTIONS = {"vocab", "d_model", "heads", "layers", "batch", "length"};

    /**
     * Reads the fields from string options ({@code kind, vocab, d_model, heads, layers, batch, length, chunk, seed}),
     * or the shape from {@code size} (a size of {@code bench/driver.py}, {@link StepOps#SIZES}), which the shape
     * options then override one by one. A missing or malformed option is named in the error.
     */
    static BenchModel from(Map<String, String> o) {
        int[] shape = new int[SHAPE_OPTIONS.length];
        String size = o.get("size");
        if (size != null) {
            int[] z = StepOps.SIZES.get(size);
            if (z == null) {
                throw new IllegalArgumentException("--size " + size + " is not a bench size; known: "
                        + StepOps.SIZES.keySet());
            }
            System.arraycopy(z, 0, shape, 0, shape.length);
        }
        for (int i = 0; i < SHAPE_OPTIONS.length; i++) {
            String v = o.get(SHAPE_OPTIONS[i]);
            if (v == null && size == null) {
                throw new IllegalArgumentException("--" + SHAPE_OPTIONS[i] + " is missing: give --size "
                        + String.join("|", StepOps.SIZES.keySet()) + ", or all of --"
                        + String.join(" --", SHAPE_OPTIONS));
            }
            if (v != null) {
                shape[i] = positive(SHAPE_OPTIONS[i], v);
            }
        }
        return new BenchModel(o.getOrDefault("kind", "standard"), shape[0], shape[1], shape[2], shape[3], shape[4],
                shape[5], positive("chunk", o.getOrDefault("chunk", "64")),
                Long.parseLong(o.getOrDefault("seed", "1")));
    }

    private static int positive(String name, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("--" + name + " must be a whole number >= 1; got '" + value + "'");
    }

    ModelConfig config() {
        AttentionKind k = kind.equals("path") ? AttentionKind.PATH : AttentionKind.STANDARD;
        return ModelConfig.builder(vocab, dModel, heads, layers).plan(LayerPlan.uniform(k, layers))
                .pathChunkSize(chunk).maxLength(Math.max(512, length)).build();
    }

    DecoderLM create(NDManager manager) {
        return DecoderLM.create(config(), manager, seed);
    }

    /** The settings the PyTorch side needs to rebuild the same model. */
    Map<String, Object> meta() {
        ModelConfig c = config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("vocab", vocab);
        m.put("d_model", dModel);
        m.put("heads", heads);
        m.put("layers", layers);
        m.put("mlp_width", c.mlpWidth());
        m.put("rope_base", c.ropeBase());
        m.put("tie", c.tieEmbeddings());
        m.put("path_rank", c.pathRank());
        m.put("path_chunk", c.pathChunkSize());
        m.put("norm_eps", c.normEps());
        m.put("batch", batch);
        m.put("length", length);
        m.put("seed", seed);
        return m;
    }

    /** Training settings shared by both engines: AdamW (0.9, 0.95), wd 0.1, clip 1, warmup then cosine; on the CPU. */
    TrainConfig trainConfig(int steps, double lr, int warmup) {
        return trainConfig(steps, lr, warmup, Device.cpu());
    }

    /** {@link #trainConfig(int, double, int)} on {@code device} (the model must be created in a manager there). */
    TrainConfig trainConfig(int steps, double lr, int warmup, Device device) {
        return TrainConfig.builder(seed, device).steps(steps).batchSize(batch).context(length).lr(lr)
                .warmup(warmup).minLrRatio(0.1).betas(0.9, 0.95).eps(1e-8).weightDecay(0.1).clipNorm(1.0)
                .evalEvery(0).build();
    }

    /**
     * TensorBatch {@code index} as host arrays {tokens, targets, mask}, each {@code [B*L]} row-major: a sequence of
     * L + 1 tokens drawn from a skewed distribution ({@code floor(V u^2)}, so a model learns the unigram statistics
     * within a few steps) where the second half repeats the first (something attention can learn); targets are the
     * next tokens; the mask drops the first position of every other row so masking is exercised.
     */
    int[][] hostBatch(int index) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
        int[] tokens = new int[batch * length];
        int[] targets = new int[batch * length];
        int[] mask = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            int[] seq = new int[length + 1];
            int half = (length + 1) / 2;
            for (int i = 0; i <= length; i++) {
                double u = r.nextDouble();
                seq[i] = i < half ? Math.min(vocab - 1, (int) (vocab * u * u)) : seq[i - half];
            }
            for (int i = 0; i < length; i++) {
                tokens[b * length + i] = seq[i];
                targets[b * length + i] = seq[i + 1];
                mask[b * length + i] = (i == 0 && b % 2 == 1) ? 0 : 1;
            }
        }
        return new int[][] {tokens, targets, mask};
    }

    /** A source returning host batch {@code index % count} for request {@code index}, created in the step's manager. */
    TrainingData source(int count) {
        int[][][] cache = new int[count][][];
        for (int i = 0; i < count; i++) {
            cache[i] = hostBatch(i);
        }
        Shape s = new Shape(batch, length);
        return (manager, request) -> {
            int[][] h = cache[(int) (request.index() % count)];
            return new TensorBatch(manager.create(h[0], s), manager.create(h[1], s),
                    manager.create(h[2], s).toType(DataType.FLOAT32, false));
        };
    }

    /** Structural name -> parameter, in a fixed order (see the class comment). */
    static Map<String, Parameter> structuralParameters(DecoderLM model) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        out.put("embed", model.getParameters().get("embedding"));
        if (!model.config().tieEmbeddings()) {
            out.put("head", model.getParameters().get("head"));
        }
        for (int i = 0; i < model.blocks().size(); i++) {
            TransformerBlock b = model.block(i);
            String p = HookName.layer(i) + ".";          // the parameter path of layer i
            out.put(p + "attn_norm.gain", b.attentionNorm().getParameters().get("gain"));
            for (var e : b.attention().getParameters()) {
                out.put(p + "attn." + e.getKey(), e.getValue());
            }
            out.put(p + "mlp_norm.gain", b.mlpNorm().getParameters().get("gain"));
            for (var e : b.mlp().getParameters()) {
                out.put(p + "mlp." + e.getKey(), e.getValue());
            }
        }
        out.put("ln_final.gain", model.finalNorm().getParameters().get("gain"));
        if (out.size() != model.getParameters().size()) {
            throw new IllegalStateException("structural names cover " + out.size() + " of "
                    + model.getParameters().size() + " parameters: " + model.getParameters().keys());
        }
        return out;
    }

    /** DJL's own key (with numeric child prefixes) of each parameter, by identity. */
    static Map<Parameter, String> djlKeys(DecoderLM model) {
        Map<Parameter, String> keys = new IdentityHashMap<>();
        for (var e : model.getParameters()) {
            keys.put(e.getValue(), e.getKey());
        }
        return keys;
    }

    String label() {
        return String.format(Locale.ROOT, "%s d=%d h=%d n=%d V=%d B=%d L=%d", kind, dModel, heads, layers, vocab,
                batch, length);
    }

    static NDArray tokens(NDManager m, int[] ids, int b, int l) {
        return m.create(ids, new Shape(b, l));
    }
}
