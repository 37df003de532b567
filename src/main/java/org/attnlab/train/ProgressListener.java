package org.attnlab.train;

import java.util.Map;

/**
 * Receives a run's progress. All methods default to doing nothing; the trainer calls {@link #onStep} after every
 * update (listeners throttle their own output).
 *
 * @see TerminalProgress
 * @see NotebookProgress
 */
public interface ProgressListener {

    /** Before the first step of {@link Trainer#run()}. */
    default void onStart(String run, TrainConfig config, long startStep) {
    }

    /** After each update. */
    default void onStep(Progress progress) {
    }

    /** After each evaluation with all eval metrics (loss, accuracy, batch metrics, hook metrics). */
    default void onEval(Progress progress, Map<String, Double> metrics) {
    }

    /** When the run ends (all steps done or early stop). */
    default void onEnd(TrainResult result) {
    }

    /**
     * A notebook display when running inside the rapaio Java kernel, else a terminal line
     * ({@code \r}-updated on a terminal, one line per {@code logEvery} steps otherwise).
     */
    static ProgressListener auto() {
        return NotebookProgress.inKernel() ? new NotebookProgress() : new TerminalProgress();
    }

    /**
     * {@link #auto()} without the evaluations: one updating progress line per run (step, loss, ETA) and nothing
     * per evaluation; for notebooks that train many runs and print one summary table at the end.
     */
    static ProgressListener linePerRun() {
        return auto().withoutEvaluations();
    }

    /**
     * {@code inner} with every call made under one lock, for a listener of one's own shared by runs in threads at
     * once ({@code experiments.ParallelRuns}); it still sees the calls of several runs interleaved, each carrying its
     * run's name. ({@link TerminalProgress} and {@link NotebookProgress} need no wrapper.)
     */
    static ProgressListener synchronizedListener(ProgressListener inner) {
        java.util.Objects.requireNonNull(inner, "inner");
        return new ProgressListener() {
            @Override
            public synchronized void onStart(String run, TrainConfig config, long startStep) {
                inner.onStart(run, config, startStep);
            }

            @Override
            public synchronized void onStep(Progress progress) {
                inner.onStep(progress);
            }

            @Override
            public synchronized void onEval(Progress progress, Map<String, Double> metrics) {
                inner.onEval(progress, metrics);
            }

            @Override
            public synchronized void onEnd(TrainResult result) {
                inner.onEnd(result);
            }
        };
    }

    /** This listener with {@link #onEval} dropped: start, steps and end still reach it. */
    default ProgressListener withoutEvaluations() {
        ProgressListener inner = this;
        return new ProgressListener() {
            @Override
            public void onStart(String run, TrainConfig config, long startStep) {
                inner.onStart(run, config, startStep);
            }

            @Override
            public void onStep(Progress progress) {
                inner.onStep(progress);
            }

            @Override
            public void onEnd(TrainResult result) {
                inner.onEnd(result);
            }
        };
    }

    /**
     * Where a run is.
     *
     * @param run              the run's name
     * @param step             updates done
     * @param totalSteps       updates planned
     * @param loss             training loss of the last update
     * @param smoothLoss       exponential moving average of the training loss (weight 0.9 on the past)
     * @param lr               learning rate of the last update
     * @param tokensPerSecond  training tokens (B * L) per second of training time this run
     * @param elapsedSeconds   wall time since {@link Trainer#run()} started
     * @param etaSeconds       estimated seconds left (NaN before the first step)
     * @param lastEval         the latest eval metrics (empty before the first evaluation)
     */
    record Progress(String run, long step, long totalSteps, double loss, double smoothLoss, double lr,
                    double tokensPerSecond, double elapsedSeconds, double etaSeconds, Map<String, Double> lastEval) {

        /** One line: {@code run  step 120/2000  loss 2.345  eval_loss 2.1  12.3k tok/s  ETA 1m23s}. */
        public String line() {
            StringBuilder sb = new StringBuilder();
            sb.append(run).append("  step ").append(step).append('/').append(totalSteps)
                    .append(String.format(java.util.Locale.ROOT, "  loss %.4f", smoothLoss));
            Double el = lastEval.get("eval_loss");
            if (el != null) {
                sb.append(String.format(java.util.Locale.ROOT, "  eval_loss %.4f", el));
            }
            Double ea = lastEval.get("eval_accuracy");
            if (ea != null) {
                sb.append(String.format(java.util.Locale.ROOT, "  eval_acc %.3f", ea));
            }
            sb.append("  ").append(rate(tokensPerSecond)).append(" tok/s  ETA ").append(duration(etaSeconds));
            return sb.toString();
        }

        /** {@code 950}, {@code 12.3k}, {@code 4.1M}. */
        static String rate(double perSecond) {
            if (!Double.isFinite(perSecond)) {
                return "-";
            }
            if (perSecond >= 1e6) {
                return String.format(java.util.Locale.ROOT, "%.1fM", perSecond / 1e6);
            }
            if (perSecond >= 1e3) {
                return String.format(java.util.Locale.ROOT, "%.1fk", perSecond / 1e3);
            }
            return String.format(java.util.Locale.ROOT, "%.0f", perSecond);
        }

        /** {@code 42s}, {@code 3m05s}, {@code 1h02m}; {@code -} when unknown. */
        static String duration(double seconds) {
            if (!Double.isFinite(seconds) || seconds < 0) {
                return "-";
            }
            long s = Math.round(seconds);
            if (s < 60) {
                return s + "s";
            }
            if (s < 3600) {
                return String.format(java.util.Locale.ROOT, "%dm%02ds", s / 60, s % 60);
            }
            return String.format(java.util.Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
    }
}
