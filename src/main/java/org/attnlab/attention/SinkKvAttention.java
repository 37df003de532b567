package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Softmax attention with RoPE plus one learnable key/value slot per head (Gu et al. 2025's learnable key and value
 * biases): every query i also scores the head's slot key {@code k*}, and
 * {@code o_i = a_i* v* + sum_{j<=i} a_ij v_j} with one softmax over {@code [scale q_i.k*, scale q_i.k_j]}
 * ({@link AttentionOps#sinkKv}). The slot key is not rotated, so it sits at position 0 for RoPE.
 *
 * <p>Hooks, so that a probe sees where the sink's mass goes: {@code sink_weight} {@code [B, H, L]} is
 * {@code a_i*}, the weight each query puts on the slot; {@code pattern} {@code [B, H, L, L]} is {@code a_ij} over
 * the real tokens only (rows sum to {@code 1 - a_i*}, {@link AttentionKind.RowSum#BELOW_ONE}), so the
 * {@code a_i0} a sink-mass probe reads is the mass on the first real token, not on the slot. Either hook may
 * return a replacement; the block then computes {@code z = sink_weight v* + pattern . v}.
 *
 * <p>Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}; {@code sink_key_bias} {@code [H, D]} and
 * {@code sink_value_bias} {@code [H, D]} (named as biases, so the default AdamW rule does not decay them).
 */
public final class SinkKvAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;
    private final Parameter sinkKey;
    private final Parameter sinkValue;

    public SinkKvAttention(AttentionConfig config) {
        super(AttentionKind.SINK_KV, config);
        int d = config.dModel();
        wq = weight("wq", d, d);
        wk = weight("wk", d, d);
        wv = weight("wv", d, d);
        wo = weight("wo", d, d);
        sinkKey = weight("sink_key_bias", config.heads(), config.headDim());
        sinkValue = weight("sink_value_bias", config.heads(), config.headDim());
    }

    @Override
    protected NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        NDArray x = input.hidden();
        Qkv t = hooked(hooks, project(ps, x, wq, training), project(ps, x, wk, training),   // (B,H,L,D)
                project(ps, x, wv, training), true);
        NDArray q = t.q(), k = t.k(), v = t.v();
        // views owned by the step (what the op derives from a parameter would otherwise land in the model's manager)
        int h = config.heads(), d = config.headDim();
        NDArray kStar = ownedBy(value(ps, sinkKey, x, training, x.getDataType()).reshape(h, d), x);     // (H,D)
        NDArray vStar = ownedBy(value(ps, sinkValue, x, training, x.getDataType()).reshape(h, d), x);
        float scale = config.scale();
        NDArray z;
        if (!hooks.wants("sink_weight") && !hooks.wants("pattern")) {
            z = AttentionOps.sinkKv(q, k, v, kStar, vStar, scale);
        } else {
            NDArray all = AttentionOps.sinkKvWeights(q, k, kStar, scale);                // (B,H,L,1+L), slot first
            NDArray sinkWeight = hooks.apply("sink_weight", all.get(new NDIndex("..., 0")));         // (B,H,L)
            NDArray pattern = hooks.apply("pattern", all.get(new NDIndex("..., 1:")));               // (B,H,L,L)
            NDArray slot = sinkWeight.expandDims(3).mul(vStar.reshape(1, h, 1, d));
            z = pattern.matMul(v).add(slot);                                              // (B,H,L,D)
        }
        return output(hooks, z, value(ps, wo, x, training));
    }
}
