package org.attnlab.train;

/**
 * What the trainer asks a {@link BatchSource} for. A source must make its batch a pure function of the request
 * (draw all randomness from {@link #seed()}), so a resumed run sees exactly the batches the uninterrupted run saw.
 *
 * @param split     train or eval
 * @param index     the training step (train) or the eval batch number 0..evalBatches-1 (eval)
 * @param seed      the seed of this batch, derived from the run seed, the split and the index
 * @param batchSize sequences wanted
 * @param context   tokens per sequence wanted (a task with its own length may use it as a maximum)
 */
public record BatchRequest(Split split, long index, long seed, int batchSize, int context) {

    /** Which data a batch is drawn from. */
    public enum Split {
        /** Batches the model learns from; index = training step. */
        TRAIN,
        /** Held-out batches for evaluation; index 0..evalBatches-1, the same batches at every evaluation. */
        EVAL
    }

    /** A fresh {@link java.util.SplittableRandom} for this batch. */
    public java.util.SplittableRandom random() {
        return new java.util.SplittableRandom(seed);
    }
}
