package org.attnlab.train;

/**
 * Thrown by {@link Trainer#run()} when its thread is interrupted (Jupyter's stop button, {@link Thread#interrupt()}):
 * the run stops between two steps, so the model and the optimiser hold the last complete step, {@link #step()}.
 * The message is one line, {@code interrupted at step N of M (run 'name')}, and the exception carries no stack
 * trace, so a notebook cell that is stopped ends with that line alone. The thread's interrupt flag is cleared.
 */
public final class TrainingInterrupted extends RuntimeException {

    private final String run;
    private final long step;

    public TrainingInterrupted(String run, long step, long totalSteps) {
        super("interrupted at step " + step + " of " + totalSteps + " (run '" + run + "'); the model keeps step "
                + step + "'s weights", null, false, false);
        this.run = run;
        this.step = step;
    }

    /** The run that was stopped. */
    public String run() {
        return run;
    }

    /** Updates done when the run stopped: the model holds the weights after this step. */
    public long step() {
        return step;
    }
}
