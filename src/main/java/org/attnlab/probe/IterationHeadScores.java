package org.attnlab.probe;

/**
 * Scores for the iteration-head circuit of parity with chain of thought (Cabannes et al., NeurIPS 2024), on one
 * sequence {@code <bos> x_1..x_L <eoi> s_1..s_L} read as inputs (positions 0..2L; {@code <eoi>} at L+1,
 * {@code s_j} at L+1+j). The input at position {@code L+t} (for t = 1..L: {@code <eoi>} for t = 1, else
 * {@code s_{t-1}}) predicts {@code s_t = s_{t-1} XOR x_t}, so it needs {@code x_t}, at position t.
 * With attention weights {@code A[i][j]} of one head:
 * <pre>
 *   eoi score       (layer 0 in the paper):  mean over i = L+2..2L of A[i][L+1]     CoT positions -> &lt;eoi&gt;
 *   iteration score (layer 1 in the paper):  mean over t = 1..L    of A[L+t][t]     step t -> its input bit x_t
 * </pre>
 * Both are 1 for the paper's idealised heads and about {@code 1/(i+1)} for uniform attention. The paper's own
 * measure counts queries instead of averaging weights: the fraction of them that put more than
 * {@value #PAPER_THRESHOLD} of their weight on the right token ({@link #eoiPeaked}, {@link #iterationPeaked}).
 */
public final class IterationHeadScores {

    /** The paper's threshold: a query "attends to" a key when it puts more than this weight on it. */
    public static final double PAPER_THRESHOLD = 0.5;

    private IterationHeadScores() {
    }

    /**
     * The fraction of positions after {@code <eoi>} that put more than {@code threshold} on it:
     * {@code mean_{i=L+2..2L} [A[i][L+1] > threshold]}; NaN for L = 1.
     *
     * @param w {@code [2L+1][2L+1]} weights of one head on a chain-of-thought sequence of L bits
     */
    public static double eoiPeaked(float[][] w, int bits, double threshold) {
        check(w, bits);
        int hits = 0;
        for (int i = bits + 2; i <= 2 * bits; i++) {
            hits += w[i][bits + 1] > threshold ? 1 : 0;
        }
        return bits < 2 ? Double.NaN : (double) hits / (bits - 1);
    }

    /**
     * The fraction of steps whose query puts more than {@code threshold} on the bit it needs:
     * {@code mean_{t=1..L} [A[L+t][t] > threshold]}.
     *
     * @param w {@code [2L+1][2L+1]} weights of one head on a chain-of-thought sequence of L bits
     */
    public static double iterationPeaked(float[][] w, int bits, double threshold) {
        check(w, bits);
        int hits = 0;
        for (int t = 1; t <= bits; t++) {
            hits += w[bits + t][t] > threshold ? 1 : 0;
        }
        return (double) hits / bits;
    }

    /**
     * The attention that positions after {@code <eoi>} pay to it: {@code mean_{i=L+2..2L} A[i][L+1]}; NaN for
     * L = 1 (no such position).
     *
     * @param w {@code [2L+1][2L+1]} weights of one head on a chain-of-thought sequence of L bits
     */
    public static double eoiScore(float[][] w, int bits) {
        check(w, bits);
        double sum = 0;
        for (int i = bits + 2; i <= 2 * bits; i++) {
            sum += w[i][bits + 1];
        }
        return bits < 2 ? Double.NaN : sum / (bits - 1);
    }

    /**
     * The attention from the position predicting {@code s_t} to the bit it needs: {@code mean_{t=1..L}
     * A[L+t][t]}.
     *
     * @param w {@code [2L+1][2L+1]} weights of one head on a chain-of-thought sequence of L bits
     */
    public static double iterationScore(float[][] w, int bits) {
        check(w, bits);
        double sum = 0;
        for (int t = 1; t <= bits; t++) {
            sum += w[bits + t][t];
        }
        return sum / bits;
    }

    private static void check(float[][] w, int bits) {
        if (bits < 1) {
            throw new IllegalArgumentException("bits must be at least 1, got " + bits);
        }
        int l = 2 * bits + 1;
        if (w.length != l) {
            throw new IllegalArgumentException("a chain-of-thought sequence of " + bits + " bits has " + l
                    + " input positions, but the weights have " + w.length + " rows");
        }
        for (float[] row : w) {
            if (row.length != l) {
                throw new IllegalArgumentException("weights must be [" + l + "][" + l + "]; a row has " + row.length
                        + " entries");
            }
        }
    }
}
