package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Sliding-window causal softmax attention with RoPE: query i attends to keys {@code i-W+1 .. i} only,
 * {@code W = }{@link AttentionConfig#window()} ({@link AttentionOps#windowSoftmax}); beyond W tokens back the first
 * token is out of reach, so it cannot become a sink for later queries. Its {@code pattern} is 0 outside the window
 * and rows sum to 1. Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}.
 */
public final class WindowAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;

    public WindowAttention(AttentionConfig config) {
        super(AttentionKind.WINDOW, config);
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
        int window = config.window();
        NDArray z = mix(hooks, () -> AttentionOps.windowWeights(q, k, scale, window),
                () -> AttentionOps.windowSoftmax(q, k, v, scale, window), v);
        return output(hooks, z, value(ps, wo, x, training));
    }
}
