package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * The plumbing shared by the kinds that differ from standard attention only in how q and k become weights:
 * {@code q = queries(S W_Q)}, {@code k = S W_K}, {@code v = H W_V} ({@code S} the Q,K source, the hidden state
 * {@code H} unless overridden), RoPE on q and k when the kind {@link AttentionKind#usesRope() uses it}, the
 * {@code q, k, v} hooks, then {@link #mix} of the kind's {@link #weights} and its fast {@link #attend}, the
 * {@code z} hook and {@code W_O}. A subclass supplies the two ops. Parameters {@code wq, wk, wv, wo}, each
 * {@code [dModel, dModel]}.
 */
abstract class QkvAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;

    QkvAttention(AttentionKind kind, AttentionConfig config) {
        super(kind, config);
        int d = config.dModel();
        wq = weight("wq", d, d);
        wk = weight("wk", d, d);
        wv = weight("wv", d, d);
        wo = weight("wo", d, d);
    }

    /** The weights {@code [B|1, H, L, L]} (rows over the real tokens) of rotated q, k {@code [B|1, H, L, D]}. */
    protected abstract NDArray weights(NDArray q, NDArray k);

    /** The output {@code [B, H, L, D]}, equal to {@code weights(q, k) . v}, by the kind's op (which need not form them). */
    protected abstract NDArray attend(NDArray q, NDArray k, NDArray v);

    /** The queries from their projection {@code [B|1, H, L, D]}: as they are, unless a kind transforms them. */
    protected NDArray queries(NDArray projected) {
        return projected;
    }

    /** Where queries and keys are read from: the hidden state, unless a kind takes another stream. */
    protected NDArray qkSource(AttentionInput input) {
        return input.hidden();
    }

    @Override
    protected final NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        NDArray x = input.hidden();
        NDArray s = qkSource(input);
        // q, k: (B|1,H,L,D) from a shared source; v: (B,H,L,D)
        Qkv t = hooked(hooks, queries(project(ps, s, wq, training)), project(ps, s, wk, training),
                project(ps, x, wv, training), kind.usesRope());
        NDArray z = mix(hooks, () -> weights(t.q(), t.k()), () -> attend(t.q(), t.k(), t.v()), t.v());
        return output(hooks, z, value(ps, wo, x, training));
    }
}
