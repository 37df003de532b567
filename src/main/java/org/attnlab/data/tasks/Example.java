package org.attnlab.data.tasks;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One sequence of a task: {@code inputs[t]} is read at position t, {@code targets[t]} is to be predicted there,
 * and only positions with {@code lossMask[t]} are graded. For next-token tasks {@code targets[t] = inputs[t+1]}
 * along the underlying sequence; for state tasks (word problems) the target is the state after input t.
 *
 * <p>{@code positions} names interesting input positions (indices into {@code inputs}), e.g. flip-flop's
 * {@code "reads"} or the needle task's {@code "needleKey"}; each task documents its keys.
 */
public record Example(int[] inputs, int[] targets, boolean[] lossMask, Map<String, int[]> positions) {

    public Example {
        if (inputs.length != targets.length || inputs.length != lossMask.length) {
            throw new IllegalArgumentException("Example arrays disagree: inputs " + inputs.length + ", targets "
                    + targets.length + ", lossMask " + lossMask.length);
        }
        positions = Collections.unmodifiableMap(new LinkedHashMap<>(positions));
    }

    /** An example with no named positions. */
    public Example(int[] inputs, int[] targets, boolean[] lossMask) {
        this(inputs, targets, lossMask, Map.of());
    }

    /**
     * The next-token example of a whole sequence: {@code inputs = seq[0..n-2]}, {@code targets = seq[1..n-1]}, graded
     * where {@code gradedTarget[t]} (mask over targets, length n-1).
     */
    public static Example nextToken(int[] sequence, boolean[] gradedTarget, Map<String, int[]> positions) {
        int n = sequence.length;
        if (n < 2 || gradedTarget.length != n - 1) {
            throw new IllegalArgumentException("nextToken needs a sequence of at least 2 tokens and a mask of length n-1; got "
                    + n + " tokens and a mask of " + gradedTarget.length);
        }
        return new Example(Arrays.copyOf(sequence, n - 1), Arrays.copyOfRange(sequence, 1, n), gradedTarget, positions);
    }

    public int length() {
        return inputs.length;
    }

    /** Positions registered under {@code key}; fails naming the keys that exist. */
    public int[] positions(String key) {
        int[] p = positions.get(key);
        if (p == null) {
            throw new IllegalArgumentException("No positions named '" + key + "'; this example has " + positions.keySet());
        }
        return p.clone();
    }

    /** Indices t with {@code lossMask[t]}. */
    public int[] gradedPositions() {
        int n = 0;
        for (boolean m : lossMask) {
            n += m ? 1 : 0;
        }
        int[] out = new int[n];
        int k = 0;
        for (int t = 0; t < lossMask.length; t++) {
            if (lossMask[t]) {
                out[k++] = t;
            }
        }
        return out;
    }

    /** A copy padded on the right to {@code length} with {@code padId} inputs/targets and ungraded positions. */
    public Example padTo(int length, int padId) {
        return padTo(length, padId, false);
    }

    /**
     * {@link #padTo(int, int)}, and with {@code gradePadding} the added positions are graded: the model is asked to
     * predict {@code padId} there, i.e. that the sequence has ended (the iteration-heads paper's loss does this).
     */
    public Example padTo(int length, int padId, boolean gradePadding) {
        if (length < inputs.length) {
            throw new IllegalArgumentException("Cannot pad an example of length " + inputs.length + " to " + length);
        }
        int[] in = Arrays.copyOf(inputs, length);
        int[] tg = Arrays.copyOf(targets, length);
        Arrays.fill(in, inputs.length, length, padId);
        Arrays.fill(tg, targets.length, length, padId);
        boolean[] mask = Arrays.copyOf(lossMask, length);
        Arrays.fill(mask, lossMask.length, length, gradePadding);
        return new Example(in, tg, mask, positions);
    }

    @Override
    public String toString() {
        return "Example[length=" + inputs.length + ", inputs=" + Arrays.toString(inputs) + ", targets="
                + Arrays.toString(targets) + ", graded=" + Arrays.toString(gradedPositions()) + "]";
    }
}
