package org.attnlab.train;

import java.util.Objects;

/**
 * Stop training once an evaluation metric reaches a target: {@code eval_accuracy AT_LEAST 0.99} or
 * {@code eval_loss AT_MOST 0.01}. Checked after every evaluation; the metric name is one the trainer's
 * evaluation produces ({@code eval_loss}, {@code eval_accuracy}, {@code eval_<batchMetric>}) or one an
 * {@link EvalHook} returns. An unknown name fails at the first evaluation, listing the names there are.
 * {@link #heldFor} asks for the target at several evaluations in a row, so a run that touches it once (a small eval
 * set can read 0.999 while some inputs still fail) trains on until it holds.
 *
 * @param metric      the metric's name, as in the {@link MetricsLog}
 * @param threshold   the target value
 * @param direction   whether the metric must fall to the target or rise to it
 * @param evaluations how many evaluations in a row must reach the target (1: the first one that does stops)
 */
public record EarlyStop(String metric, double threshold, Direction direction, int evaluations) {

    /** Which side of the threshold ends the run. */
    public enum Direction {
        /** Stop when {@code value <= threshold} (losses, error rates). */
        AT_MOST,
        /** Stop when {@code value >= threshold} (accuracies). */
        AT_LEAST
    }

    public EarlyStop {
        Objects.requireNonNull(direction, "direction");
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException("EarlyStop metric name is empty; e.g. \"eval_loss\" or \"eval_accuracy\"");
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("EarlyStop threshold for '" + metric + "' is " + threshold + "; it must be finite");
        }
        if (evaluations < 1) {
            throw new IllegalArgumentException("EarlyStop on '" + metric + "' held for " + evaluations
                    + " evaluations; it must be at least 1 (1: stop at the first evaluation that reaches it)");
        }
    }

    /** The target reached at one evaluation stops the run. */
    public EarlyStop(String metric, double threshold, Direction direction) {
        this(metric, threshold, direction, 1);
    }

    /** The same target, which must hold at {@code n} evaluations in a row before the run stops. */
    public EarlyStop heldFor(int n) {
        return new EarlyStop(metric, threshold, direction, n);
    }

    /** Stop when {@code metric <= threshold}. */
    public static EarlyStop atMost(String metric, double threshold) {
        return new EarlyStop(metric, threshold, Direction.AT_MOST);
    }

    /** Stop when {@code metric >= threshold}. */
    public static EarlyStop atLeast(String metric, double threshold) {
        return new EarlyStop(metric, threshold, Direction.AT_LEAST);
    }

    /** Whether {@code value} reaches the target (NaN never does). */
    public boolean reached(double value) {
        return direction == Direction.AT_MOST ? value <= threshold : value >= threshold;
    }

    @Override
    public String toString() {
        return metric + (direction == Direction.AT_MOST ? " <= " : " >= ") + threshold
                + (evaluations > 1 ? " at " + evaluations + " evaluations in a row" : "");
    }
}
