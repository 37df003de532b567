package org.attnlab.train;

/**
 * The learning rate of each update, indexed by the 0-based update number {@code t}.
 */
@FunctionalInterface
public interface LrSchedule {

    /** The learning rate of update {@code t} (0-based). */
    double at(long t);

    /** The same rate at every step. */
    static LrSchedule constant(double lr) {
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate " + lr + " must be a finite number > 0");
        }
        return t -> lr;
    }

    /**
     * Linear warmup then cosine decay:
     * <pre>
     *   lr(t) = peak * (t + 1) / W                                   for t &lt; W
     *   lr(t) = min + (peak - min) * (1 + cos(pi * p)) / 2,  p = (t - W) / (T - W)   for W &lt;= t &lt;= T
     *   lr(t) = min                                                    for t &gt; T
     * </pre>
     * so the first update already has a non-zero rate {@code peak / W}, update {@code W - 1} and {@code W} use
     * {@code peak}, and {@code lr(T) = min}. With {@code W = 0} there is no warmup.
     *
     * @param peak   the rate after warmup, &gt; 0
     * @param warmup W, number of warmup updates, 0 &lt;= W &lt;= T
     * @param total  T, the update at which the rate reaches {@code min} (the run's length), &gt;= 1
     * @param min    the final rate, 0 &lt;= min &lt;= peak
     */
    static LrSchedule warmupCosine(double peak, long warmup, long total, double min) {
        if (!(peak > 0) || !Double.isFinite(peak)) {
            throw new IllegalArgumentException("peak learning rate " + peak + " must be a finite number > 0");
        }
        if (total < 1) {
            throw new IllegalArgumentException("total steps " + total + " must be >= 1");
        }
        if (warmup < 0 || warmup > total) {
            throw new IllegalArgumentException("warmup " + warmup + " must be in [0, total=" + total + "]");
        }
        if (!(min >= 0) || min > peak) {
            throw new IllegalArgumentException("min learning rate " + min + " must be in [0, peak=" + peak + "]");
        }
        return t -> {
            if (t < 0) {
                throw new IllegalArgumentException("step " + t + " must be >= 0");
            }
            if (t < warmup) {
                return peak * (t + 1) / warmup;
            }
            if (t >= total) {
                return min;
            }
            double p = (double) (t - warmup) / (total - warmup);
            return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * p));
        };
    }
}
