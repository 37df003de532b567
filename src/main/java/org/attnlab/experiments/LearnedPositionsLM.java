package org.attnlab.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import org.attnlab.Seeds;
import org.attnlab.attention.Hooks;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.ModelConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A {@link DecoderLM} with learned absolute position embeddings added to the token embeddings, GPT-2 style:
 * <pre>
 *   x_0[b, i] = Emb(tokens[b, i]) + P[i]        P: [maxLength, dModel], learned
 * </pre>
 * then the decoder's blocks as usual. The addition happens at the decoder's {@code embed} hook point, so the model
 * code is the decoder's own; use it with a position-free plan ({@code AttentionKind.NOPE}) for the setting of
 * papers that use learned positions (e.g. Cabannes et al.'s iteration heads). Pass it to the {@code Trainer} like
 * any model; {@link #patterns} returns the attention weights like {@link DecoderLM#patterns}.
 */
public final class LearnedPositionsLM extends AbstractBlock {

    private final DecoderLM decoder;
    private final Parameter positions;
    private final int maxLength;

    /** An uninitialised model; use {@link #create}. */
    public LearnedPositionsLM(ModelConfig config, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be positive, got " + maxLength);
        }
        this.maxLength = maxLength;
        this.decoder = addChildBlock("decoder", new DecoderLM(config));
        this.positions = addParameter(Parameter.builder().setName("positions").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(maxLength, config.dModel()))
                .optInitializer(new NormalInitializer(DecoderLM.EMBEDDING_INIT_STD)).build());
    }

    /** A model with parameters drawn on {@code manager}'s device from {@code seed} (sets the engine's seed). */
    public static LearnedPositionsLM create(ModelConfig config, int maxLength, NDManager manager, long seed) {
        LearnedPositionsLM model = new LearnedPositionsLM(config, maxLength);
        Seeds.seedWeights(seed);
        model.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        return model;
    }

    /** Logits {@code [B, L, vocab]} for tokens {@code [B, L]}, L at most {@link #maxLength()}. */
    public NDArray forward(ParameterStore ps, NDArray tokens, boolean training) {
        return forward(ps, tokens, training, null, n -> false);
    }

    /**
     * The attention weights of every layer: {@code blocks.N.attn.pattern -> [B, H, L, L]} (inference mode).
     */
    public Map<String, NDArray> patterns(ParameterStore ps, NDArray tokens) {
        Map<String, NDArray> cache = new LinkedHashMap<>();
        forward(ps, tokens, false, cache, n -> n.endsWith(".attn.pattern"));
        return cache;
    }

    private NDArray forward(ParameterStore ps, NDArray tokens, boolean training, Map<String, NDArray> cache,
                            Predicate<String> names) {
        long len = tokens.getShape().get(tokens.getShape().dimension() - 1);
        if (len > maxLength) {
            throw new IllegalArgumentException("input length " + len + " exceeds the position table's maxLength="
                    + maxLength);
        }
        NDArray table = ps.getValue(positions, tokens.getDevice(), training);
        NDArray p = table.get(new NDIndex(":{}, :", len));                      // (L, d), broadcast over B
        Hooks hooks = Hooks.create().add("embed", x -> x.add(p));
        if (cache != null) {
            hooks.record(cache, names);
        }
        return decoder.forward(ps, tokens, training, hooks);
    }

    public DecoderLM decoder() {
        return decoder;
    }

    public int maxLength() {
        return maxLength;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return decoder.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        decoder.initialize(manager, dataType, inputShapes);
    }
}
