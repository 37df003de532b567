package org.attnlab.attention;

import ai.djl.ndarray.NDArray;

/**
 * The <i>Non-approximate</i> variant: no pairwise similarity, one score per key
 * {@code s_j = q_j.k_j / sqrt(D)} with {@code q = SiLU(H W_Q)}, {@code k = H W_K};
 * {@code o_i = sum_{j<=i} e^{s_j} v_j / sum_{j<=i} e^{s_j}} ({@link AttentionOps#scalarScore}). No RoPE: rotating
 * q_j and k_j by the same angle would leave {@code q_j.k_j} unchanged. Its pattern is the implied
 * {@code a_ij = e^{s_j} / sum_{j'<=i} e^{s_j'}}. Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}.
 */
public final class NonApproximateAttention extends QkvAttention {

    public NonApproximateAttention(AttentionConfig config) {
        super(AttentionKind.NON_APPROXIMATE, config);
    }

    /** {@code q = SiLU(H W_Q)}. */
    @Override
    protected NDArray queries(NDArray projected) {
        return silu(projected);
    }

    @Override
    protected NDArray weights(NDArray q, NDArray k) {
        return AttentionOps.scalarScoreWeights(q, k, config.scale());
    }

    @Override
    protected NDArray attend(NDArray q, NDArray k, NDArray v) {
        return AttentionOps.scalarScore(q, k, v, config.scale());
    }
}
