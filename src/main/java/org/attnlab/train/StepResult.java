package org.attnlab.train;

/**
 * One optimiser update.
 *
 * @param step     updates done after this one (1 for the first)
 * @param loss     masked mean cross-entropy of the batch, before the update
 * @param gradNorm global gradient norm before clipping
 * @param lr       learning rate used
 * @param tokens   tokens in the batch (B * L)
 * @param seconds  wall time of the update
 */
public record StepResult(long step, double loss, double gradNorm, double lr, long tokens, double seconds) {
}
