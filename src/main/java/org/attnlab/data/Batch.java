package org.attnlab.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * What a training step consumes: B rows of (input ids, target ids, loss mask), all {@code [B, L]}.
 * {@code targets[b][t]} is what the model should predict after reading {@code inputs[b][0..t]}, and the loss
 * counts only positions where {@code lossMask[b][t]} is true:
 * {@code loss = sum_{b,t} mask[b][t] * CE(logits[b][t], targets[b][t]) / sum_{b,t} mask[b][t]}.
 */
public interface Batch {

    /** {@code [B][L]} token ids read by the model. */
    int[][] inputs();

    /** {@code [B][L]} ids to predict at each position. */
    int[][] targets();

    /** {@code [B][L]}: true where the target is graded. */
    boolean[][] lossMask();

    /** B. */
    default int batchSize() {
        return inputs().length;
    }

    /** L. */
    default int length() {
        return inputs().length == 0 ? 0 : inputs()[0].length;
    }

    /** How many positions are graded (the loss denominator). */
    default long gradedCount() {
        long n = 0;
        for (boolean[] row : lossMask()) {
            for (boolean m : row) {
                n += m ? 1 : 0;
            }
        }
        return n;
    }

    /** Inputs as an {@code INT64 [B, L]} array on {@code manager}'s device (PyTorch wants int64 indices). */
    default NDArray inputArray(NDManager manager) {
        return Batches.toArray(manager, inputs(), DataType.INT64);
    }

    /** Targets as an {@code INT64 [B, L]} array on {@code manager}'s device. */
    default NDArray targetArray(NDManager manager) {
        return Batches.toArray(manager, targets(), DataType.INT64);
    }

    /** The loss mask as a {@code FLOAT32 [B, L]} array of 1 (graded) and 0. */
    default NDArray maskArray(NDManager manager) {
        boolean[][] m = lossMask();
        int b = m.length;
        int l = b == 0 ? 0 : m[0].length;
        float[] flat = new float[b * l];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < l; t++) {
                flat[i * l + t] = m[i][t] ? 1f : 0f;
            }
        }
        return manager.create(flat, new ai.djl.ndarray.types.Shape(b, l));
    }

}
