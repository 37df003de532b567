package org.attnlab.attention;

import ai.djl.ndarray.NDArray;

/**
 * Un-normalised sigmoid attention with RoPE: {@code O = (sigmoid(Q K^T / sqrt(D) + b) . causal mask) V},
 * {@code Q,K,V = H W}, then {@code W_O} ({@link AttentionOps#sigmoid}); b is the fixed
 * {@link AttentionConfig#sigmoidBias()}. Its {@code pattern} hook holds the sigmoid weights themselves: rows do
 * not sum to 1 ({@link AttentionKind.RowSum#UNNORMALISED}). Parameters {@code wq, wk, wv, wo}, each
 * {@code [dModel, dModel]}.
 */
public final class SigmoidAttention extends QkvAttention {

    public SigmoidAttention(AttentionConfig config) {
        super(AttentionKind.SIGMOID, config);
    }

    @Override
    protected NDArray weights(NDArray q, NDArray k) {
        return AttentionOps.sigmoidWeights(q, k, config.scale(), config.sigmoidBias());
    }

    @Override
    protected NDArray attend(NDArray q, NDArray k, NDArray v) {
        return AttentionOps.sigmoid(q, k, v, config.scale(), config.sigmoidBias());
    }
}
