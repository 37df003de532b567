package org.attnlab.attention;

import ai.djl.ndarray.NDArray;

/**
 * Softmax attention with an extra zero logit, with RoPE: {@code a_ij = e^{s_ij} / (1 + sum_{j'<=i} e^{s_ij'})},
 * {@code s = Q K^T / sqrt(D)}, {@code O = a V}, then {@code W_O} ({@link AttentionOps#softmaxZero}). Its
 * {@code pattern} hook holds {@code a} over the real tokens; each row's missing {@code 1 - sum_j a_ij} is the
 * weight the query put on "nothing" ({@link AttentionKind.RowSum#BELOW_ONE}). Parameters {@code wq, wk, wv, wo},
 * each {@code [dModel, dModel]}.
 */
public final class SoftmaxZeroAttention extends QkvAttention {

    public SoftmaxZeroAttention(AttentionConfig config) {
        super(AttentionKind.SOFTMAX_ZERO, config);
    }

    @Override
    protected NDArray weights(NDArray q, NDArray k) {
        return AttentionOps.softmaxZeroWeights(q, k, config.scale());
    }

    @Override
    protected NDArray attend(NDArray q, NDArray k, NDArray v) {
        return AttentionOps.softmaxZero(q, k, v, config.scale());
    }
}
