package org.attnlab.probe;

import java.util.function.ToDoubleBiFunction;

/**
 * A named score of every head of one layer, from that layer's attention weights and the tokens the model read:
 * the pluggable part of {@link HeadScores}. {@code pattern[b][h][i][j]} is the weight query i of sequence b puts
 * on key j in head h (rows sum to 1, zero above the diagonal for causal kinds).
 *
 * <pre>{@code
 * // the attention the last token pays to the first: one line
 * HeadScore lastToFirst = HeadScore.perSequence("last_to_first", (w, tokens) -> w[w.length - 1][0]);
 * }</pre>
 */
public interface HeadScore {

    /** The metric name this score's rows get. */
    String name();

    /**
     * One value per head: {@code double[H]} for a pattern {@code float[B][H][L][L]} and tokens {@code int[B][L]}.
     */
    double[] perHead(float[][][][] pattern, int[][] tokens);

    /** A score from a function of the whole layer: {@code (pattern [B][H][L][L], tokens [B][L]) -> double[H]}. */
    static HeadScore of(String name, PerLayer fn) {
        requireName(name);
        return new HeadScore() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double[] perHead(float[][][][] pattern, int[][] tokens) {
                double[] v = fn.perHead(pattern, tokens);
                int heads = pattern.length == 0 ? 0 : pattern[0].length;
                if (v == null || v.length != heads) {
                    throw new IllegalStateException("score '" + name + "' returned " + (v == null ? "null" : v.length
                            + " values") + " for a layer of " + heads + " heads; return one value per head");
                }
                return v;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /**
     * A score from one head on one sequence, {@code (w [L][L], tokens [L]) -> value}, averaged over the sequences
     * of the batch; sequences where it is NaN (nothing to score there) are left out of the mean, which is NaN when
     * every sequence is.
     */
    static HeadScore perSequence(String name, ToDoubleBiFunction<float[][], int[]> fn) {
        return of(name, (pattern, tokens) -> {
            int heads = pattern.length == 0 ? 0 : pattern[0].length;
            double[] out = new double[heads];
            for (int h = 0; h < heads; h++) {
                double sum = 0;
                int n = 0;
                for (int b = 0; b < pattern.length; b++) {
                    double v = fn.applyAsDouble(pattern[b][h], tokens[b]);
                    if (!Double.isNaN(v)) {
                        sum += v;
                        n++;
                    }
                }
                out[h] = n == 0 ? Double.NaN : sum / n;
            }
            return out;
        });
    }

    /** {@code (pattern [B][H][L][L], tokens [B][L]) -> double[H]}. */
    @FunctionalInterface
    interface PerLayer {
        double[] perHead(float[][][][] pattern, int[][] tokens);
    }

    private static void requireName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a head score needs a non-blank name (its metric column value)");
        }
    }
}
