package org.attnlab.attention;

import ai.djl.ndarray.NDArray;

/**
 * The <i>Approximate</i> variant: softmax's {@code exp} replaced by its 2nd-order Taylor polynomial (as in
 * Based), {@code a_ij = (1 + s_ij + s_ij^2/2) / sum_{j'<=i} (..)}, {@code s_ij = rope(q_i).rope(k_j) / sqrt(D)},
 * computed by {@link AttentionOps#taylor}. Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}.
 */
public final class ApproximateAttention extends QkvAttention {

    public ApproximateAttention(AttentionConfig config) {
        super(AttentionKind.APPROXIMATE, config);
    }

    @Override
    protected NDArray weights(NDArray q, NDArray k) {
        return AttentionOps.taylorWeights(q, k, config.scale());
    }

    @Override
    protected NDArray attend(NDArray q, NDArray k, NDArray v) {
        return AttentionOps.taylor(q, k, v, config.scale());
    }
}
