package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * The <i>Non-approximate</i> variant: no pairwise similarity, one score per key
 * {@code s_j = q_j.k_j / sqrt(D)} with {@code q = SiLU(H W_Q)}, {@code k = H W_K};
 * {@code o_i = sum_{j<=i} e^{s_j} v_j / sum_{j<=i} e^{s_j}} ({@link AttentionOps#scalarScore}). No RoPE: rotating
 * q_j and k_j by the same angle would leave {@code q_j.k_j} unchanged. Its pattern is the implied
 * {@code a_ij = e^{s_j} / sum_{j'<=i} e^{s_j'}}. Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}.
 */
public final class NonApproximateAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;

    public NonApproximateAttention(AttentionConfig config) {
        super(AttentionKind.NON_APPROXIMATE, config);
        int d = config.dModel();
        wq = weight("wq", d, d);
        wk = weight("wk", d, d);
        wv = weight("wv", d, d);
        wo = weight("wo", d, d);
    }

    @Override
    protected NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        NDArray x = input.hidden();
        NDArray q = hooks.apply("q", silu(project(ps, x, wq, training)));     // (B,H,L,D)
        NDArray k = hooks.apply("k", project(ps, x, wk, training));
        NDArray v = hooks.apply("v", project(ps, x, wv, training));
        float scale = config.scale();
        NDArray z = mix(hooks, () -> AttentionOps.scalarScoreWeights(q, k, scale),
                () -> AttentionOps.scalarScore(q, k, v, scale), v);
        return output(hooks, z, value(ps, wo, x, training));
    }
}
