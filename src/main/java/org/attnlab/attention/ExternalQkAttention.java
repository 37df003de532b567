package org.attnlab.attention;

import ai.djl.ndarray.NDArray;

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
public final class ExternalQkAttention extends QkvAttention {

    public ExternalQkAttention(AttentionKind kind, AttentionConfig config) {
        super(kind, config);
        if (!kind.needsQkSource()) {
            throw new IllegalArgumentException("ExternalQkAttention is RND_EMB_QK, FIXED_SEQ_QK or STATIC_EMB_QK; got "
                    + kind);
        }
    }

    @Override
    protected NDArray qkSource(AttentionInput input) {
        return input.qkSource();
    }

    @Override
    protected NDArray weights(NDArray q, NDArray k) {
        return AttentionOps.softmaxWeights(q, k, config.scale());
    }

    /** {@code (B|1,H,L,L) x (B,H,L,D)}: matMul broadcasts a shared pattern over the batch. */
    @Override
    protected NDArray attend(NDArray q, NDArray k, NDArray v) {
        return AttentionOps.softmaxWeights(q, k, config.scale()).matMul(v);
    }
}
