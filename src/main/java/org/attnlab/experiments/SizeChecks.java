package org.attnlab.experiments;

/** The checks every experiment's size builder runs: a missing or non-positive size fails naming it. */
final class SizeChecks {

    private SizeChecks() {
    }

    /**
     * Fails unless every value of {@code namesAndValues} (name, int value, name, int value, ...) is at least 1;
     * {@code what} names the record in the message.
     */
    static void positive(String what, Object... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            int v = (Integer) namesAndValues[i + 1];
            if (v < 1) {
                throw new IllegalArgumentException(what + ": " + namesAndValues[i] + " must be at least 1, got " + v
                        + (v == 0 ? " (not set?)" : ""));
            }
        }
    }

    /** Fails unless {@code lr} is a positive, finite learning rate. */
    static void positiveRate(String what, double lr) {
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException(what + ": lr must be a positive number, got " + lr
                    + (lr == 0 ? " (not set?)" : ""));
        }
    }
}
