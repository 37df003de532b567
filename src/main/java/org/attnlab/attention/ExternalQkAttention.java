package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * Softmax attention whose queries and keys come from another stream than its values: the
 * <i>Deconstructing Attention</i> variants RndEmbQK, FixedSeqQK and StaticEmbQK. With {@code S} the Q,K source
 * ({@link AttentionInput#qkSource()}) and {@code X} the hidden state:
 * {@code O = softmax(rope(S W_Q) rope(S W_K)^T / sqrt(D)) (X W_V)}, then {@code W_O}.
 *
 * <p>The block is the same for the three kinds; they differ in what the model passes as {@code S}: the layer's
 * normalised hidden state when the stack runs on a fixed random input (RndEmbQK) or on a fixed token sequence
 * (FixedSeqQK), or the normalised static token embeddings (StaticEmbQK). A source with batch 1 gives one
 * pattern shared by the whole batch. Parameters {@code wq, wk, wv, wo}, each {@code [dModel, dModel]}.
 */
public final class ExternalQkAttention extends AttentionBlock {

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;

    public ExternalQkAttention(AttentionKind kind, AttentionConfig config) {
        super(kind, config);
        if (!kind.needsQkSource()) {
            throw new IllegalArgumentException("ExternalQkAttention is RND_EMB_QK, FIXED_SEQ_QK or STATIC_EMB_QK; got "
                    + kind);
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
        NDArray s = input.qkSource();
        NDArray q = hooks.apply("q", AttentionOps.rope(project(ps, s, wq, training), config.ropeBase())); // (B|1,H,L,D)
        NDArray k = hooks.apply("k", AttentionOps.rope(project(ps, s, wk, training), config.ropeBase()));
        NDArray v = hooks.apply("v", project(ps, x, wv, training));            // (B,H,L,D)
        float scale = config.scale();
        // (B|1,H,L,L) x (B,H,L,D): matMul broadcasts a shared pattern over the batch
        NDArray z = mix(hooks, () -> AttentionOps.softmaxWeights(q, k, scale),
                () -> AttentionOps.softmaxWeights(q, k, scale).matMul(v), v);
        return output(hooks, z, value(ps, wo, x, training));
    }
}
