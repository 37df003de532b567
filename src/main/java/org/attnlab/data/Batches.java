package org.attnlab.data;

import org.attnlab.Seeds;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cuts (input, target) windows of any context length L from a token stream.
 *
 * <ul>
 *   <li>{@link #sample(int, int, long)}: B windows at uniformly random starts {@code s in [0, n-L-1]}; a pure
 *       function of the seed, so pass {@code Seeds.derive(runSeed, step)} to make step k's batch reproducible
 *       after a checkpoint restore.</li>
 *   <li>{@link #sequential(int, int)}: non-overlapping windows from the start, for evaluation over the whole
 *       stream (every token is predicted once, except the first).</li>
 * </ul>
 * Example: tokens {@code [5,6,7,8,9]}, L=3, start 1 gives inputs {@code [6,7,8]}, targets {@code [7,8,9]}.
 */
public final class Batches {

    private final int[] tokens;

    private Batches(int[] tokens) {
        this.tokens = tokens;
    }

    /** Windows over {@code tokens} (kept by reference: do not modify it afterwards). */
    public static Batches of(int[] tokens) {
        if (tokens == null || tokens.length < 2) {
            throw new IllegalArgumentException("A token stream needs at least 2 tokens to make one (input, target) pair, got "
                    + (tokens == null ? "null" : tokens.length));
        }
        return new Batches(tokens);
    }

    /** Number of tokens in the stream. */
    public int tokenCount() {
        return tokens.length;
    }

    /** B random windows of length L; a pure function of {@code seed}. */
    public LmBatch sample(int batchSize, int contextLength, long seed) {
        return sample(batchSize, contextLength, new SplittableRandom(seed));
    }

    /** B random windows of length L drawn with {@code rng} (advances it). */
    public LmBatch sample(int batchSize, int contextLength, SplittableRandom rng) {
        check(batchSize, contextLength);
        int[] starts = new int[batchSize];
        int maxStart = tokens.length - contextLength - 1; // inclusive: the target window ends at the last token
        for (int b = 0; b < batchSize; b++) {
            starts[b] = rng.nextInt(maxStart + 1);
        }
        return windows(starts, contextLength);
    }

    /** How many non-overlapping windows of length L fit: {@code floor((n - 1) / L)}. */
    public int windowCount(int contextLength) {
        check(1, contextLength);
        return (tokens.length - 1) / contextLength;
    }

    /**
     * Non-overlapping windows starting at 0, L, 2L, ..., grouped B at a time (the last batch may be smaller);
     * the stream's tail shorter than L is left out.
     */
    public List<LmBatch> sequential(int batchSize, int contextLength) {
        check(batchSize, contextLength);
        int count = windowCount(contextLength);
        List<LmBatch> out = new ArrayList<>();
        for (int first = 0; first < count; first += batchSize) {
            int rows = Math.min(batchSize, count - first);
            int[] starts = new int[rows];
            for (int b = 0; b < rows; b++) {
                starts[b] = (first + b) * contextLength;
            }
            out.add(windows(starts, contextLength));
        }
        return out;
    }

    /** The windows at the given starts. */
    public LmBatch windows(int[] starts, int contextLength) {
        check(Math.max(1, starts.length), contextLength);
        int[][] in = new int[starts.length][contextLength];
        int[][] tg = new int[starts.length][contextLength];
        for (int b = 0; b < starts.length; b++) {
            int s = starts[b];
            if (s < 0 || s + contextLength >= tokens.length) {
                throw new IllegalArgumentException("Window start " + s + " with context " + contextLength
                        + " does not fit a stream of " + tokens.length + " tokens (allowed starts: 0.."
                        + (tokens.length - contextLength - 1) + ")");
            }
            System.arraycopy(tokens, s, in[b], 0, contextLength);
            System.arraycopy(tokens, s + 1, tg[b], 0, contextLength);
        }
        return new LmBatch(in, tg, starts.clone());
    }

    private void check(int batchSize, int contextLength) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        if (contextLength <= 0 || contextLength > tokens.length - 1) {
            throw new IllegalArgumentException("contextLength must be in [1, " + (tokens.length - 1) + "] for a stream of "
                    + tokens.length + " tokens, got " + contextLength);
        }
    }

    /** An {@code [B, L]} array of {@code rows} with the given integer type, on {@code manager}'s device. */
    public static NDArray toArray(NDManager manager, int[][] rows, DataType type) {
        int b = rows.length;
        int l = b == 0 ? 0 : rows[0].length;
        Shape shape = new Shape(b, l);
        if (type == DataType.INT64) {
            long[] flat = new long[b * l];
            for (int i = 0; i < b; i++) {
                checkRow(rows, i, l);
                for (int t = 0; t < l; t++) {
                    flat[i * l + t] = rows[i][t];
                }
            }
            return manager.create(flat, shape);
        }
        if (type == DataType.INT32) {
            int[] flat = new int[b * l];
            for (int i = 0; i < b; i++) {
                checkRow(rows, i, l);
                System.arraycopy(rows[i], 0, flat, i * l, l);
            }
            return manager.create(flat, shape);
        }
        throw new IllegalArgumentException("Token arrays are INT64 or INT32, got " + type);
    }

    private static void checkRow(int[][] rows, int i, int l) {
        if (rows[i].length != l) {
            throw new IllegalArgumentException("Row " + i + " has length " + rows[i].length + ", row 0 has " + l
                    + ": a batch must be rectangular");
        }
    }
}
