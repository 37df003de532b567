package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * The <i>Approximate</i> variant: softmax's {@code exp} replaced by its 2nd-order Taylor polynomial (as in
 * Based), {@code a_ij = (1 + s_ij + s_ij^2/2) / sum_{j'<=i} (..)}, {@code s_ij = rope(q_i).rope(k_j) / sqrt(D)},
 * computed by {@link AttentionOps#taylor}. Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}.
 */
public final class ApproximateAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;

    public ApproximateAttention(AttentionConfig config) {
        super(AttentionKind.APPROXIMATE, config);
        int d = config.dModel();
        wq = weight("wq", d, d);
        wk = weight("wk", d, d);
        wv = weight("wv", d, d);
        wo = weight("wo", d, d);
    }

    @Override
    protected NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        NDArray x = input.hidden();
        NDArray q = hooks.apply("q", AttentionOps.rope(project(ps, x, wq, training), config.ropeBase()));
        NDArray k = hooks.apply("k", AttentionOps.rope(project(ps, x, wk, training), config.ropeBase()));
        NDArray v = hooks.apply("v", project(ps, x, wv, training));
        float scale = config.scale();
        NDArray z = mix(hooks, () -> AttentionOps.taylorWeights(q, k, scale),
                () -> AttentionOps.taylor(q, k, v, scale), v);
        return output(hooks, z, value(ps, wo, x, training));
    }
}
