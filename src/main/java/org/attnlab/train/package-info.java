/**
 * Training: {@link org.attnlab.train.Trainer} runs AdamW ({@link org.attnlab.train.AdamW}) with a warmup-cosine
 * {@link org.attnlab.train.LrSchedule} and global-norm {@link org.attnlab.train.GradientClip clipping} on any DJL
 * Block that maps tokens {@code [B, L]} to logits {@code [B, L, V]}, with batches from a
 * {@link org.attnlab.train.BatchSource}, masked cross-entropy ({@link org.attnlab.train.MaskedLoss}), periodic
 * evaluation, {@link org.attnlab.train.EarlyStop early stop}, exact {@link org.attnlab.train.Checkpoint checkpoints},
 * {@link org.attnlab.train.ProgressListener progress} for terminals and notebooks, and a long-format
 * {@link org.attnlab.train.MetricsLog} (run, step, metric, value).
 *
 * <p>Guarantees, each with a test: one seed gives one sequence of losses on one device; a checkpoint restores the
 * next steps bit for bit; the number of live NDArrays does not grow with the number of steps.
 */
package org.attnlab.train;
