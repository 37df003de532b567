package org.attnlab.attention;

import ai.djl.ndarray.NDArray;

/**
 * Standard multi-head causal softmax attention, {@code O = softmax(Q K^T / sqrt(D)) V} with {@code Q,K,V = H W},
 * then {@code W_O}; RoPE on q and k for {@link AttentionKind#STANDARD}, no position encoding for
 * {@link AttentionKind#NOPE}. Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}.
 */
public final class SoftmaxAttention extends QkvAttention {

    public SoftmaxAttention(AttentionKind kind, AttentionConfig config) {
        super(kind, config);
        if (kind != AttentionKind.STANDARD && kind != AttentionKind.NOPE) {
            throw new IllegalArgumentException("SoftmaxAttention is STANDARD or NOPE; got " + kind);
        }
    }

    @Override
    protected NDArray weights(NDArray q, NDArray k) {
        return AttentionOps.softmaxWeights(q, k, config.scale());
    }

    @Override
    protected NDArray attend(NDArray q, NDArray k, NDArray v) {
        return AttentionOps.softmax(q, k, v, config.scale());
    }
}
