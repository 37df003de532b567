package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnlab.WeightInit;
import org.attnlab.attention.AttentionConfig;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.AttentionKind.QkSource;
import org.attnlab.attention.Hooks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A small decoder-only language model (Qwen/LLaMA style, plain multi-head attention):
 * <pre>
 *   x = Emb(tokens)                       // [B, L] int -> [B, L, dModel]
 *   for each layer: x = TransformerBlock(x)  // kind from the LayerPlan
 *   logits = norm(x) Head^T              // [B, L, vocab]; Head = Emb when tied
 * </pre>
 * Kinds that take queries and keys from elsewhere get them here: RndEmbQK and FixedSeqQK from a second pass of
 * the same stack over a constant input (a fixed random {@code eps ~ N(0, s^2 I)} of shape {@code [1, maxLength,
 * dModel]}, stored as a non-trainable parameter {@code random_input}; or the embeddings of
 * {@link ModelConfig#fixedQkTokens()}), read at the layer's input; StaticEmbQK from the token embeddings. In that
 * constant pass every layer reads Q,K from the constant stream itself. Gradients flow through it, so lower
 * layers learn from the constant pass too; the pattern of those layers is the same for every input.
 *
 * <p>Hook names (see {@link #hookNames()}): {@code embed}, {@code blocks.N.resid_pre}, {@code blocks.N.attn.X} for X in
 * {@link AttentionKind#hookNames()} ({@code q, k, v, [w, beta,] [log_forget,] pattern, z}),
 * {@code blocks.N.attn_out}, {@code blocks.N.resid_mid}, {@code blocks.N.mlp_out},
 * {@code blocks.N.resid_post}, {@code ln_final}; N is the 0-based layer index; {@link HookName} builds and
 * parses them. Dropping layers at evaluation time is a hook too ({@link LayerSkip}).
 *
 * <p><b>Registers</b> (Darcet et al. 2024, arXiv 2309.16588; {@link ModelConfig#registers()} = k &gt; 0): k learnable
 * vectors {@code R [k, dModel]} (parameter {@code register_embeddings}) are prepended to every sequence after the
 * {@code embed} hook: {@code x = [R; Emb(tokens)]}, {@code [B, k+L, dModel]}. They are never predicted: the logits
 * are for the L real positions only ({@code [B, L, vocab]}, position p is token p as without registers), so a loss
 * over the logits never sees them. Hook tensors as fired: {@code embed} is {@code [B, L, d]} (real tokens only:
 * learned positions added there skip the registers); every later one covers all k+L positions with the
 * registers first: {@code blocks.N.resid_*}, {@code attn_out}, {@code mlp_out}, {@code ln_final}
 * {@code [B, k+L, d]}; {@code q, k, v, z} {@code [B, H, k+L, D]}; {@code pattern} {@code [B, H, k+L, k+L]}
 * (real token p is row and column k+p; columns 0..k-1 are the registers); per-token gates {@code [B, H, k+L]}.
 * {@link HookedModel#runWithCache} and {@link HookedModel#patterns} hand probes the real positions only
 * ({@link HookedModel#realPositions}); {@link HookedModel#runWithRawCache} keeps the registers. Registers need
 * kinds that take Q,K from the hidden state (the constant Q,K streams have no register positions).
 */
public final class DecoderLM extends AbstractBlock implements HookedModel {

    /** Initial standard deviation of the token embedding (and untied head). */
    public static final float EMBEDDING_INIT_STD = 0.02f;

    private final ModelConfig config;
    private final Parameter embedding;
    private final Parameter head;
    private final Parameter randomInput;
    private final Parameter registers;
    private final List<TransformerBlock> blocks;
    private final RMSNorm finalNorm;

    /** An uninitialised model; use {@link #create} for an initialised one. */
    public DecoderLM(ModelConfig config) {
        this.config = config;
        int d = config.dModel();
        embedding = addParameter(Parameter.builder().setName("embedding").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.vocabSize(), d))
                .optInitializer(WeightInit.normal(EMBEDDING_INIT_STD)).build());
        head = config.tieEmbeddings() ? null
                : addParameter(Parameter.builder().setName("head").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.vocabSize(), d))
                .optInitializer(WeightInit.normal(EMBEDDING_INIT_STD)).build());
        randomInput = !config.plan().uses(AttentionKind.RND_EMB_QK) ? null
                : addParameter(Parameter.builder().setName("random_input").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, config.maxLength(), d))
                .optInitializer(WeightInit.normal(config.rndEmbStd())).optRequiresGrad(false).build());
        registers = config.registers() == 0 ? null
                : addParameter(Parameter.builder().setName("register_embeddings").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.registers(), d))
                .optInitializer(WeightInit.normal(EMBEDDING_INIT_STD)).build());
        AttentionConfig ac = config.attentionConfig();
        List<TransformerBlock> list = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            list.add(addChildBlock(HookName.layer(i),
                    new TransformerBlock(config.plan().kindAt(i), ac, config.mlpWidth(), config.normEps(),
                            config.geluMlp(), config.layerNorm(), config.normalizedResidual())));
        }
        blocks = Collections.unmodifiableList(list);
        finalNorm = addChildBlock("ln_final", new RMSNorm(d, config.normEps(), config.layerNorm()));
    }

    /**
     * A model with parameters drawn on {@code manager}'s device from {@code seed}: the same seed gives the same
     * parameters on any device, whatever else runs (the one way models are seeded: {@link WeightInit#initialize}).
     */
    public static DecoderLM create(ModelConfig config, NDManager manager, DataType dataType, long seed) {
        DecoderLM model = new DecoderLM(config);
        WeightInit.initialize(model, manager, dataType, new Shape(1, 1), seed);
        return model;
    }

    /** {@link #create(ModelConfig, NDManager, DataType, long)} in float32. */
    public static DecoderLM create(ModelConfig config, NDManager manager, long seed) {
        return create(config, manager, DataType.FLOAT32, seed);
    }

    /**
     * Logits for every position.
     *
     * @param tokens {@code [B, L]} integer token ids in 0..vocab-1
     * @return {@code [B, L, vocab]}
     */
    public NDArray forward(ParameterStore ps, NDArray tokens, boolean training) {
        return forward(ps, tokens, training, Hooks.none());
    }

    /** {@link #forward(ParameterStore, NDArray, boolean)} passing activations through {@code hooks}. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray tokens, boolean training, Hooks hooks) {
        return forward(ps, tokens, training, hooks, null);
    }

    /**
     * {@link #forward(ParameterStore, NDArray, boolean, Hooks)} with {@code atEmbed} (when not null) applied to the
     * token embeddings before the {@code embed} hooks see them: how a model built around this one changes the
     * embeddings (learned positions) without registering a hook, so that the layers still free their intermediates
     * early when the caller has no hooks ({@link TransformerBlock#forward}).
     */
    NDArray forward(ParameterStore ps, NDArray tokens, boolean training, Hooks hooks, UnaryOperator<NDArray> atEmbed) {
        Shape ts = tokens.getShape();
        if (ts.dimension() != 2 || !tokens.getDataType().isInteger()) {
            throw new IllegalArgumentException("tokens must be an integer [batch, length] array; got "
                    + tokens.getDataType() + " " + ts);
        }
        long len = ts.get(1);
        NDArray emb = embed(ps, tokens, training);                               // (B,L,d)
        NDArray x = hooks.apply(HookName.EMBED, atEmbed == null ? emb : atEmbed.apply(emb));
        if (registers != null) {
            NDArray r = ps.getValue(registers, x.getDevice(), training).expandDims(0);              // (1,k,d)
            r.attach(x.getManager());                        // made from a parameter: free it with the step's arrays
            Shape xs = x.getShape();
            x = r.toType(x.getDataType(), false).broadcast(xs.get(0), config.registers(), xs.get(2)).concat(x, 1);
        }

        // constant streams for RndEmbQK / FixedSeqQK, advanced only as far as a later layer reads them
        Map<QkSource, NDArray> streams = new EnumMap<>(QkSource.class);
        Map<QkSource, NDArray> streamInputs = new EnumMap<>(QkSource.class);
        Map<QkSource, Integer> lastReader = new EnumMap<>(QkSource.class);
        for (int i = 0; i < blocks.size(); i++) {
            QkSource s = blocks.get(i).kind().qkSource();
            if (isStream(s)) {
                lastReader.put(s, i);
            }
        }
        for (QkSource s : lastReader.keySet()) {
            NDArray in = constantInput(ps, s, len, emb, training);
            streamInputs.put(s, in);
            streams.put(s, in);
        }

        for (int i = 0; i < blocks.size(); i++) {
            TransformerBlock block = blocks.get(i);
            QkSource src = block.kind().qkSource();
            NDArray qkResidual = switch (src) {
                case HIDDEN -> null;
                case TOKEN_EMBEDDINGS -> emb;
                default -> streams.get(src);
            };
            NDArray next = block.forward(ps, x, qkResidual, training, hooks.scope(HookName.layer(i)));
            for (QkSource s : lastReader.keySet()) {
                if (i < lastReader.get(s)) {
                    NDArray c = streams.get(s);
                    NDArray cq = switch (src) {
                        case HIDDEN -> null;
                        case TOKEN_EMBEDDINGS -> streamInputs.get(s);
                        default -> c;                                             // the stream reads itself
                    };
                    streams.put(s, block.forward(ps, c, cq, training, Hooks.none()));
                }
            }
            x = next;
        }
        x = hooks.apply(HookName.LN_FINAL, finalNorm.forward(ps, x, training));
        if (registers != null) {
            x = x.get(new NDIndex(":, {}:, :", config.registers()));               // registers are never predicted
        }
        NDArray w = ps.getValue(head == null ? embedding : head, x.getDevice(), training);
        return Linear.linear(x, w).singletonOrThrow();                           // x W^T: (B,L,d) -> (B,L,V)
    }

    /** Token embeddings {@code Emb(tokens)}: {@code [B, L] -> [B, L, dModel]}. */
    public NDArray embed(ParameterStore ps, NDArray tokens, boolean training) {
        NDArray table = ps.getValue(embedding, tokens.getDevice(), training);
        try {
            return Embedding.embedding(tokens.toType(DataType.INT64, false), table, SparseFormat.DENSE)
                    .singletonOrThrow();
        } catch (ai.djl.engine.EngineException e) {
            // PyTorch says only "index out of range in self"; name the token and the vocabulary (no cost when fine)
            long vocab = table.getShape().get(0);
            long min = tokens.min().toType(DataType.INT64, false).getLong();
            long max = tokens.max().toType(DataType.INT64, false).getLong();
            if (min < 0 || max >= vocab) {
                throw new IllegalArgumentException("token id " + (min < 0 ? min : max) + " is outside the model's "
                        + "vocabulary of " + vocab + " (ids 0.." + (vocab - 1) + "); encode the input with the "
                        + "tokenizer or task the model was built for, or build it with vocabSize > " + max);
            }
            throw e;
        }
    }

    /** Every hook name this model fires, in order (the public probe API). */
    @Override
    public List<String> hookNames() {
        List<String> names = new ArrayList<>();
        names.add(HookName.EMBED);
        for (int i = 0; i < blocks.size(); i++) {
            names.add(HookName.of(i, HookName.RESID_PRE));
            for (String local : blocks.get(i).kind().hookNames()) {
                names.add(HookName.attn(i, local));
            }
            names.add(HookName.of(i, HookName.ATTN_OUT));
            names.add(HookName.of(i, HookName.RESID_MID));
            names.add(HookName.of(i, HookName.MLP_OUT));
            names.add(HookName.of(i, HookName.RESID_POST));
        }
        names.add(HookName.LN_FINAL);
        return names;
    }

    @Override
    public NDArray outputProjection(ParameterStore ps, int layer) {
        Parameter wo = blocks.get(layer).attention().getParameters().get("wo");
        return wo == null ? null : ps.getValue(wo, wo.getArray().getDevice(), false);
    }

    @Override
    public NDArray unembedding(ParameterStore ps) {
        Parameter w = head == null ? embedding : head;
        return ps.getValue(w, w.getArray().getDevice(), false);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    public List<TransformerBlock> blocks() {
        return blocks;
    }

    public TransformerBlock block(int index) {
        return blocks.get(index);
    }

    @Override
    public RMSNorm finalNorm() {
        return finalNorm;
    }

    /** Trainable parameter count (the fixed random input of RndEmbQK is not counted). */
    public long parameterCount() {
        long n = 0;
        for (var p : getParameters().values()) {
            if (p.requiresGradient()) {
                n += p.getShape().size();
            }
        }
        return n;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[]{new Shape(s.get(0), s.get(1), config.vocabSize())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = new Shape(1, 1, config.dModel());
        for (TransformerBlock b : blocks) {
            b.initialize(manager, dataType, hidden);
        }
        finalNorm.initialize(manager, dataType, hidden);
    }

    private static boolean isStream(QkSource s) {
        return s == QkSource.RANDOM_STREAM || s == QkSource.FIXED_SEQUENCE_STREAM;
    }

    /** The constant input of a Q,K stream, {@code [1, L, dModel]}. */
    private NDArray constantInput(ParameterStore ps, QkSource s, long len, NDArray like, boolean training) {
        int available = s == QkSource.RANDOM_STREAM ? config.maxLength() : config.fixedQkTokens().size();
        if (len > available) {
            throw new IllegalArgumentException((s == QkSource.RANDOM_STREAM
                    ? "rnd-emb-qk's random input covers maxLength=" : "fixed-seq-qk's fixed text has ")
                    + available + " positions; got an input of length " + len);
        }
        if (s == QkSource.RANDOM_STREAM) {
            NDArray eps = ps.getValue(randomInput, like.getDevice(), training);
            NDArray slice = eps.get(new NDIndex(":, :{}, :", len));             // (1,L,d), owned by the model
            slice.attach(like.getManager());
            return slice.toType(like.getDataType(), false);
        }
        int[] ids = config.fixedQkTokens().subList(0, (int) len).stream().mapToInt(Integer::intValue).toArray();
        NDArray tokens = like.getManager().create(ids).reshape(1, len);
        return embed(ps, tokens, training);
    }
}
