package org.attnlab.train;

import java.util.Map;

/**
 * How a call to {@link Trainer#run()} ended.
 *
 * @param run             the run's name
 * @param steps           updates done in total (including those before a resume)
 * @param stoppedEarly    whether the {@link EarlyStop} target was reached before the last step
 * @param finalEval       the last evaluation's metrics (empty if there was no eval source)
 * @param trainLoss       training loss of the last update
 * @param seconds         wall time of this call
 * @param tokensPerSecond training throughput of this call
 * @param metrics         the run's metrics log (live: the trainer keeps appending to it)
 */
public record TrainResult(String run, long steps, boolean stoppedEarly, Map<String, Double> finalEval,
                          double trainLoss, double seconds, double tokensPerSecond, MetricsLog metrics) {
}
