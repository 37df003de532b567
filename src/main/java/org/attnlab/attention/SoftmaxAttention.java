package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Standard multi-head causal softmax attention, {@code O = softmax(Q K^T / sqrt(D)) V} with {@code Q,K,V = H W},
 * then {@code W_O}; RoPE on q and k for {@link AttentionKind#STANDARD}, no position encoding for
 * {@link AttentionKind#NOPE}. Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}.
 */
public final class SoftmaxAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;

    public SoftmaxAttention(AttentionKind kind, AttentionConfig config) {
        super(kind, config);
        if (kind != AttentionKind.STANDARD && kind != AttentionKind.NOPE) {
            throw new IllegalArgumentException("SoftmaxAttention is STANDARD or NOPE; got " + kind);
        }
        int d = config.dModel();
        wq = weight("wq", d, d);
        wk = weight("wk", d, d);
        wv = weight("wv", d, d);
        wo = weight("wo", d, d);
    }

    @Override
    protected NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        NDArray x = input.hidden();
        NDArray q = project(ps, x, wq, training);            // (B,H,L,D)
        NDArray k = project(ps, x, wk, training);
        NDArray v0 = project(ps, x, wv, training);
        if (kind.usesRope()) {
            q = AttentionOps.rope(q, config.ropeBase());
            k = AttentionOps.rope(k, config.ropeBase());
        }
        NDArray qf = hooks.apply("q", q);
        NDArray kf = hooks.apply("k", k);
        NDArray v = hooks.apply("v", v0);
        float scale = config.scale();
        NDArray z = mix(hooks, () -> AttentionOps.softmaxWeights(qf, kf, scale),
                () -> AttentionOps.softmax(qf, kf, v, scale), v);
        return output(hooks, z, value(ps, wo, x, training));
    }
}
