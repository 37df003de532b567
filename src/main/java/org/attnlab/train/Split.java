package org.attnlab.train;

/** Which data a batch is drawn from. */
public enum Split {
    /** Batches the model learns from. */
    TRAIN,
    /** Held-out batches for evaluation; the same batches at every evaluation. */
    EVAL
}
