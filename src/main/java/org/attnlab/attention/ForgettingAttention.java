package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Forgetting attention (FoX): softmax attention with a per-head, data-dependent forget gate
 * {@code f_t = sigmoid(x_t . u_f + b_f)}; logits {@code q_i.k_j / sqrt(D) + sum_{s=j+1..i} log f_s}
 * ({@link AttentionOps#forgetting}). No RoPE unless {@link AttentionConfig#foxRope()}. The gate is computed in
 * at least fp32. Parameters {@code wq, wk, wv, wo} {@code [dModel, dModel]}, {@code forget_proj [dModel, H]},
 * {@code forget_bias [H]}.
 */
public final class ForgettingAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;
    private final Parameter forgetProj;
    private final Parameter forgetBias;

    public ForgettingAttention(AttentionConfig config) {
        super(AttentionKind.FOX, config);
        int d = config.dModel();
        wq = weight("wq", d, d);
        wk = weight("wk", d, d);
        wv = weight("wv", d, d);
        wo = weight("wo", d, d);
        forgetProj = weight("forget_proj", d, config.heads());
        forgetBias = zeros("forget_bias", config.heads());
    }

    @Override
    protected NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        NDArray x = input.hidden();
        Qkv t = hooked(hooks, project(ps, x, wq, training), project(ps, x, wk, training),   // (B,H,L,D)
                project(ps, x, wv, training), config.foxRope());
        DataType gateType = atLeastFloat32(x.getDataType());
        NDArray g = x.toType(gateType, false).matMul(value(ps, forgetProj, x, training, gateType))
                .add(value(ps, forgetBias, x, training, gateType));                            // (B,L,H)
        NDArray logForget = hooks.apply("log_forget",
                logSigmoid(g).transpose(0, 2, 1).toType(x.getDataType(), false)); // (B,H,L)
        float scale = config.scale();
        NDArray z = mix(hooks, () -> AttentionOps.forgettingWeights(t.q(), t.k(), logForget, scale),
                () -> AttentionOps.forgetting(t.q(), t.k(), t.v(), logForget, scale), t.v());
        return output(hooks, z, value(ps, wo, x, training));
    }
}
