package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Un-normalised sigmoid attention with RoPE: {@code O = (sigmoid(Q K^T / sqrt(D) + b) . causal mask) V},
 * {@code Q,K,V = H W}, then {@code W_O} ({@link AttentionOps#sigmoid}); b is the fixed
 * {@link AttentionConfig#sigmoidBias()}. Its {@code pattern} hook holds the sigmoid weights themselves: rows do
 * not sum to 1 ({@link AttentionKind.RowSum#UNNORMALISED}). Parameters {@code wq, wk, wv, wo}, each
 * {@code [dModel, dModel]}.
 */
public final class SigmoidAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;

    public SigmoidAttention(AttentionConfig config) {
        super(AttentionKind.SIGMOID, config);
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
        float bias = config.sigmoidBias();
        NDArray z = mix(hooks, () -> AttentionOps.sigmoidWeights(q, k, scale, bias),
                () -> AttentionOps.sigmoid(q, k, v, scale, bias), v);
        return output(hooks, z, value(ps, wo, x, training));
    }
}
