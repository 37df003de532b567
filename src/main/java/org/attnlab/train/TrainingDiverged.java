package org.attnlab.train;

/**
 * Thrown by {@link Trainer#step()} when an update's loss or global gradient norm is not finite. The update is not
 * applied: the model stays as of its last good step. Carries the step and values, so callers need not read the
 * message.
 */
public final class TrainingDiverged extends IllegalStateException {

    private final String run;
    private final long step;
    private final double loss;
    private final double gradientNorm;
    private final double lr;

    public TrainingDiverged(String run, long step, double loss, double gradientNorm, double lr) {
        super("run '" + run + "' diverged at step " + step + ": loss=" + loss + ", gradient norm=" + gradientNorm
                + ", lr=" + lr + "; lower the learning rate or check the model");
        this.run = run;
        this.step = step;
        this.loss = loss;
        this.gradientNorm = gradientNorm;
        this.lr = lr;
    }

    /** The run's name. */
    public String run() {
        return run;
    }

    /** The update (1-based) whose loss or gradient norm was not finite. */
    public long step() {
        return step;
    }

    public double loss() {
        return loss;
    }

    public double gradientNorm() {
        return gradientNorm;
    }

    public double lr() {
        return lr;
    }
}
