package org.attnlab.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnlab.Seeds;
import org.attnlab.WeightInit;
import org.attnlab.attention.Hooks;

import java.util.List;

/**
 * A {@link DecoderLM} with learned absolute position embeddings added to the token embeddings, GPT-2 style:
 * <pre>
 *   x_0[b, i] = Emb(tokens[b, i]) + P[i]        P: [maxLength, dModel], learned
 * </pre>
 * then the decoder's blocks as usual. The addition happens at the decoder's {@code embed} point, before any hook
 * there sees it (not as a hook of its own, so that without hooks the layers free their intermediates early), so the
 * model code is the decoder's own; use it with a position-free plan ({@code AttentionKind.NOPE}) for the setting of
 * papers that use learned positions (e.g. Cabannes et al.'s iteration heads). Pass it to the {@code Trainer} like
 * any model. It is a {@link HookedModel} with the decoder's hook names: a caller's hooks run after the positions
 * are added, so {@code embed} is {@code Emb(tokens) + P}, the residual stream layer 0 reads. With register tokens
 * ({@link ModelConfig#registers()}) the decoder prepends them after {@code embed}: they get no position, and
 * {@code P[i]} stays with real token i.
 *
 * <p>Optionally ({@link #embeddingDropout}), in training, dropout on {@code Emb(tokens) + P} as GPT-2 and the
 * iteration-heads paper's code do: each entry is zeroed with probability p and the rest scaled by {@code 1/(1-p)}.
 * The mask is drawn from PyTorch's generator seeded, under one lock, from (the dropout seed, the number of training
 * passes so far), so a run is the same every time even when other runs train in other threads.
 */
public final class LearnedPositionsLM extends AbstractBlock implements HookedModel {

    private final DecoderLM decoder;
    private final Parameter positions;
    private final int maxLength;
    private static final Object DROPOUT_LOCK = new Object();
    private float embeddingDropout;
    private long dropoutSeed;
    private long trainingPasses;

    /** An uninitialised model; use {@link #create}. */
    public LearnedPositionsLM(ModelConfig config, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be positive, got " + maxLength);
        }
        this.maxLength = maxLength;
        this.decoder = addChildBlock("decoder", new DecoderLM(config));
        this.positions = addParameter(Parameter.builder().setName("positions").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(maxLength, config.dModel()))
                .optInitializer(WeightInit.normal(DecoderLM.EMBEDDING_INIT_STD)).build());
    }

    /** A model with parameters drawn on {@code manager}'s device from {@code seed} (the one way models are seeded: {@link WeightInit#initialize}). */
    public static LearnedPositionsLM create(ModelConfig config, int maxLength, NDManager manager, long seed) {
        LearnedPositionsLM model = new LearnedPositionsLM(config, maxLength);
        WeightInit.initialize(model, manager, DataType.FLOAT32, new Shape(1, 1), seed);
        return model;
    }

    /**
     * Dropout with rate {@code rate} on the embedded input in training passes (0 turns it off, the default); masks
     * drawn from {@code seed} (see the class comment).
     *
     * @return this model
     */
    public LearnedPositionsLM embeddingDropout(float rate, long seed) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("embedding dropout must be in [0, 1); got " + rate);
        }
        embeddingDropout = rate;
        dropoutSeed = seed;
        trainingPasses = 0;
        return this;
    }

    /** The embedding dropout rate (0: none). */
    public float embeddingDropout() {
        return embeddingDropout;
    }

    /** Logits {@code [B, L, vocab]} for tokens {@code [B, L]}, L at most {@link #maxLength()}. */
    public NDArray forward(ParameterStore ps, NDArray tokens, boolean training) {
        return forward(ps, tokens, training, Hooks.none());
    }

    /**
     * {@link #forward(ParameterStore, NDArray, boolean)} with the positions added at {@code embed}, then the
     * caller's {@code hooks} applied (so they see {@code Emb(tokens) + P} there).
     */
    @Override
    public NDArray forward(ParameterStore ps, NDArray tokens, boolean training, Hooks hooks) {
        long len = tokens.getShape().get(tokens.getShape().dimension() - 1);
        if (len > maxLength) {
            throw new IllegalArgumentException("input length " + len + " exceeds the position table's maxLength="
                    + maxLength);
        }
        NDArray table = ps.getValue(positions, tokens.getDevice(), training);
        // (L, d), broadcast over B; the whole table needs no slice (training runs at the full context)
        NDArray p = len == maxLength ? table : table.get(new NDIndex(":{}, :", len));
        // added before the caller's hooks see embed, not as a hook of our own: with no hooks the decoder's layers
        // then free their intermediates early (a registered hook, even this one, keeps everything to the end)
        if (training && embeddingDropout > 0) {
            long pass = trainingPasses++;
            return decoder.forward(ps, tokens, training, hooks, x -> dropout(x.add(p), pass));
        }
        return decoder.forward(ps, tokens, training, hooks, x -> x.add(p));
    }

    /** {@code x * mask}, mask 0 with probability p, else {@code 1/(1-p)}; no gradient flows into the mask. */
    private NDArray dropout(NDArray x, long pass) {
        NDArray u;
        synchronized (DROPOUT_LOCK) {
            Engine.getInstance().setRandomSeed((int) Seeds.derive(dropoutSeed, pass));
            u = x.getManager().randomUniform(0f, 1f, x.getShape(), DataType.FLOAT32, x.getDevice());
        }
        NDArray mask = u.gte(embeddingDropout).toType(x.getDataType(), false).mul(1f / (1f - embeddingDropout));
        return x.mul(mask);
    }

    /** The decoder's hook names: the positions add no point of their own (they enter at {@code embed}). */
    @Override
    public List<String> hookNames() {
        return decoder.hookNames();
    }

    @Override
    public NDArray outputProjection(ParameterStore ps, int layer) {
        return decoder.outputProjection(ps, layer);
    }

    @Override
    public NDArray unembedding(ParameterStore ps) {
        return decoder.unembedding(ps);
    }

    @Override
    public RMSNorm finalNorm() {
        return decoder.finalNorm();
    }

    @Override
    public ModelConfig config() {
        return decoder.config();
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
