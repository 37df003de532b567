package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Softmax attention with an extra zero logit, with RoPE: {@code a_ij = e^{s_ij} / (1 + sum_{j'<=i} e^{s_ij'})},
 * {@code s = Q K^T / sqrt(D)}, {@code O = a V}, then {@code W_O} ({@link AttentionOps#softmaxZero}). Its
 * {@code pattern} hook holds {@code a} over the real tokens; each row's missing {@code 1 - sum_j a_ij} is the
 * weight the query put on "nothing" ({@link AttentionKind.RowSum#BELOW_ONE}). Parameters {@code wq, wk, wv, wo},
 * each {@code [dModel, dModel]}.
 */
public final class SoftmaxZeroAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;

    public SoftmaxZeroAttention(AttentionConfig config) {
        super(AttentionKind.SOFTMAX_ZERO, config);
        int d = config.dModel();
        wq = weight("wq", d, d);
        wk = weight("wk", d, d);
        wv = weight("wv", d, d);
        wo = weight("wo", d, d);
    }

    @Override
    protected NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        NDArray x = input.hidden();
        NDArray q = hooks.apply("q", AttentionOps.rope(project(ps, x, wq, training), config.ropeBase())); // (B,H,L,D)
        NDArray k = hooks.apply("k", AttentionOps.rope(project(ps, x, wk, training), config.ropeBase()));
        NDArray v = hooks.apply("v", project(ps, x, wv, training));
        float scale = config.scale();
        NDArray z = mix(hooks, () -> AttentionOps.softmaxZeroWeights(q, k, scale),
                () -> AttentionOps.softmaxZero(q, k, v, scale), v);
        return output(hooks, z, value(ps, wo, x, training));
    }
}
