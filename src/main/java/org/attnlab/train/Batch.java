package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Objects;

/**
 * One batch: input tokens, the target at each position and which positions count in the loss.
 *
 * @param tokens   {@code [B, L]} integer token ids fed to the model
 * @param targets  {@code [B, L]} integer token id to predict at each position
 * @param lossMask {@code [B, L]} 1 where the position counts in loss and accuracy, 0 elsewhere (any numeric
 *                 or boolean type; the loss uses it as float)
 */
public record Batch(NDArray tokens, NDArray targets, NDArray lossMask) {

    public Batch {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(targets, "targets");
        Objects.requireNonNull(lossMask, "lossMask");
        Shape s = tokens.getShape();
        if (s.dimension() != 2) {
            throw new IllegalArgumentException("tokens must be [batch, length], got shape " + s);
        }
        if (!targets.getShape().equals(s)) {
            throw new IllegalArgumentException("targets shape " + targets.getShape() + " must equal tokens shape " + s);
        }
        if (!lossMask.getShape().equals(s)) {
            throw new IllegalArgumentException("lossMask shape " + lossMask.getShape() + " must equal tokens shape " + s);
        }
        if (!tokens.getDataType().isInteger() || !targets.getDataType().isInteger()) {
            throw new IllegalArgumentException("tokens and targets must be integer ids, got " + tokens.getDataType()
                    + " and " + targets.getDataType());
        }
    }

    /** A batch where every position counts. */
    public static Batch of(NDArray tokens, NDArray targets) {
        return new Batch(tokens, targets, tokens.onesLike().toType(DataType.FLOAT32, false));
    }

    /** Number of sequences, B. */
    public long batchSize() {
        return tokens.getShape().get(0);
    }

    /** Tokens per sequence, L. */
    public long length() {
        return tokens.getShape().get(1);
    }
}
