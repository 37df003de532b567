package org.attnlab.data;

import java.util.Arrays;

/**
 * Language-modelling windows cut from one token stream: row b is {@code inputs[b] = tokens[s .. s+L-1]},
 * {@code targets[b] = tokens[s+1 .. s+L]} with {@code s = starts[b]}; every position is graded.
 */
public record LmBatch(int[][] inputs, int[][] targets, int[] starts) implements Batch {

    public LmBatch {
        if (inputs.length != targets.length || inputs.length != starts.length) {
            throw new IllegalArgumentException("LmBatch rows disagree: " + inputs.length + " inputs, " + targets.length
                    + " targets, " + starts.length + " starts");
        }
    }

    /** All true: next-token prediction grades every position. */
    @Override
    public boolean[][] lossMask() {
        boolean[][] m = new boolean[inputs.length][];
        for (int b = 0; b < inputs.length; b++) {
            m[b] = new boolean[inputs[b].length];
            Arrays.fill(m[b], true);
        }
        return m;
    }
}
