package org.attnlab.attention;

import ai.djl.ndarray.NDArray;

/**
 * What an attention block reads: its (normalised) hidden state, and for the kinds that take queries and keys
 * from elsewhere ({@link AttentionKind#needsQkSource()}) the stream to compute them from.
 *
 * @param hidden   {@code [B, L, dModel]}: values (and, for most kinds, queries and keys) come from here
 * @param qkSource {@code [B or 1, L, dModel]} or null (= {@code hidden}); a batch of 1 is shared by the batch
 */
public record AttentionInput(NDArray hidden, NDArray qkSource) {

    public AttentionInput {
        if (hidden == null || hidden.getShape().dimension() != 3) {
            throw new IllegalArgumentException("hidden must be [batch, length, dModel]; got "
                    + (hidden == null ? "null" : hidden.getShape()));
        }
        if (qkSource != null) {
            var h = hidden.getShape();
            var s = qkSource.getShape();
            if (s.dimension() != 3 || s.get(1) != h.get(1) || s.get(2) != h.get(2)
                    || (s.get(0) != h.get(0) && s.get(0) != 1)) {
                throw new IllegalArgumentException("qkSource must be [batch or 1, length, dModel] matching hidden "
                        + h + "; got " + s);
            }
        }
    }

    /** Queries, keys and values all from {@code hidden}. */
    public static AttentionInput of(NDArray hidden) {
        return new AttentionInput(hidden, null);
    }

    /** Values from {@code hidden}, queries and keys from {@code qkSource}. */
    public static AttentionInput of(NDArray hidden, NDArray qkSource) {
        return new AttentionInput(hidden, qkSource);
    }

    /** The stream queries and keys come from: {@code qkSource}, or {@code hidden} when there is none. */
    public NDArray qkOrHidden() {
        return qkSource == null ? hidden : qkSource;
    }
}
