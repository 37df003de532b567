package org.attnlab.train;

import java.util.Map;

/**
 * Extra metrics computed after each evaluation, e.g. accuracy on an out-of-distribution split:
 * <pre>{@code
 * EvalHook ood = (trainer, step) -> Map.of("ood_accuracy", trainer.evaluate(oodSource, 4).get("accuracy"));
 * }</pre>
 * The returned names go into the {@link MetricsLog} as they are and can be an {@link EarlyStop} target.
 */
@FunctionalInterface
public interface EvalHook {

    /** Metrics at {@code step} (number of updates done). */
    Map<String, Double> evaluate(Trainer trainer, long step);
}
