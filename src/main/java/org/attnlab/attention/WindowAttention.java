package org.attnlab.attention;

import ai.djl.ndarray.NDArray;

/**
 * Sliding-window causal softmax attention with RoPE: query i attends to keys {@code i-W+1 .. i} only,
 * {@code W = }{@link AttentionConfig#window()} ({@link AttentionOps#windowSoftmax}); beyond W tokens back the first
 * token is out of reach, so it cannot become a sink for later queries. Its {@code pattern} is 0 outside the window
 * and rows sum to 1. Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}.
 */
public final class WindowAttention extends QkvAttention {

    public WindowAttention(AttentionConfig config) {
        super(AttentionKind.WINDOW, config);
    }

    @Override
    protected NDArray weights(NDArray q, NDArray k) {
        return AttentionOps.windowWeights(q, k, config.scale(), config.window());
    }

    @Override
    protected NDArray attend(NDArray q, NDArray k, NDArray v) {
        return AttentionOps.windowSoftmax(q, k, v, config.scale(), config.window());
    }
}
