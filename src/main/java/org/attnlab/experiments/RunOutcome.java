package org.attnlab.experiments;

import org.attnlab.train.TrainingDiverged;

/**
 * How one training run of an experiment ended: {@link Completed} (every step, or stopped early on target) or
 * {@link Diverged} (a non-finite loss or gradient norm at {@code step}; the model is kept as of its last good step).
 * The {@code status} column of run tables is {@link #status()}.
 */
public sealed interface RunOutcome permits RunOutcome.Completed, RunOutcome.Diverged {

    /** The run trained to its end. */
    record Completed() implements RunOutcome {
    }

    /**
     * The run diverged at {@code step} (1-based, the update that went non-finite).
     *
     * @param step   the update whose loss or gradient norm was not finite
     * @param reason the trainer's account (loss, gradient norm, learning rate)
     */
    record Diverged(long step, String reason) implements RunOutcome {
    }

    /** The outcome for a run that trained to its end. */
    static RunOutcome completed() {
        return new Completed();
    }

    /** The outcome for a run the trainer stopped with {@code e}. */
    static RunOutcome diverged(TrainingDiverged e) {
        return new Diverged(e.step(), e.getMessage());
    }

    /** True when the run trained to its end. */
    default boolean isCompleted() {
        return this instanceof Completed;
    }

    /** The status a run table shows: {@code ok} or {@code diverged: <reason>}. */
    default String status() {
        return this instanceof Diverged d ? "diverged: " + d.reason() : "ok";
    }
}
