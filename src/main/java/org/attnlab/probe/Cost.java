package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a tensor computation costs: wall time and the memory its arrays hold, for lessons that compare how
 * attention variants scale with the sequence length L.
 *
 * <p>Time: the median over {@code repeats} runs (after one warm-up run), each ending with a read of the result so
 * that asynchronous devices (GPUs) have finished. Memory: the bytes of every array still open in the run's own
 * sub-manager when the computation returns, {@code sum size * bytesPerElement}. DJL frees an intermediate only when
 * its manager closes, so for a computation that closes nothing on its way this is its peak; one that closes
 * per-step scopes (the blockwise PaTH algorithm) holds less. Views (slices, transposes) are counted at full size.
 *
 * <pre>{@code
 * Table t = Cost.sweep(manager, new int[] {128, 256, 512}, Map.of(
 *         "softmax", (m, len) -> { NDArray q = m.randomNormal(new Shape(1, 4, len, 32)); return AttentionOps.softmax(q, q, q, 0.18f); }),
 *         3);
 * Plots.lines(t, "L", "ms", "op").logY()
 * }</pre>
 */
public final class Cost {

    private Cost() {
    }

    /** A computation at sequence length {@code length}: it creates its inputs in {@code manager} and returns its output. */
    @FunctionalInterface
    public interface Computation {
        NDArray run(NDManager manager, int length);
    }

    /** Median wall time in milliseconds and bytes held by the run's arrays. */
    public record Measurement(double millis, long bytes) {
        public double megabytes() {
            return bytes / (1024.0 * 1024.0);
        }
    }

    /** Measures {@code computation} at one length: one warm-up run, then the median of {@code repeats} runs. */
    public static Measurement of(NDManager parent, int length, Computation computation, int repeats) {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats=" + repeats + " must be >= 1");
        }
        if (length < 1) {
            throw new IllegalArgumentException("length=" + length + " must be >= 1");
        }
        runOnce(parent, length, computation);
        double[] ms = new double[repeats];
        long bytes = 0;
        for (int r = 0; r < repeats; r++) {
            long[] result = runOnce(parent, length, computation);
            ms[r] = result[0] / 1e6;
            bytes = result[1];
        }
        Arrays.sort(ms);
        double median = repeats % 2 == 1 ? ms[repeats / 2] : (ms[repeats / 2 - 1] + ms[repeats / 2]) / 2;
        return new Measurement(median, bytes);
    }

    /** {nanoseconds, bytes} of one run in a fresh sub-manager. */
    private static long[] runOnce(NDManager parent, int length, Computation computation) {
        try (NDManager sub = parent.newSubManager()) {
            long t0 = System.nanoTime();
            NDArray out = computation.run(sub, length);
            try (NDArray sync = out.max()) {
                sync.getFloat(); // waits for the device
            }
            long nanos = System.nanoTime() - t0;
            long bytes = 0;
            for (NDArray a : sub.getManagedArrays()) {
                bytes += a.getShape().size() * a.getDataType().getNumOfBytes();
            }
            return new long[] {nanos, bytes};
        }
    }

    /**
     * Every computation at every length: a long table with columns {@code op} (the map's key), {@code L},
     * {@code ms} (median wall time) and {@code MB} (bytes held, see the class comment), in the map's order.
     */
    public static Table sweep(NDManager parent, int[] lengths, Map<String, Computation> computations, int repeats) {
        if (lengths.length == 0 || computations.isEmpty()) {
            throw new IllegalArgumentException("sweep needs at least one length and one computation; got "
                    + lengths.length + " lengths and " + computations.size() + " computations");
        }
        StringColumn op = StringColumn.create("op");
        IntColumn len = IntColumn.create("L");
        DoubleColumn ms = DoubleColumn.create("ms");
        DoubleColumn mb = DoubleColumn.create("MB");
        for (Map.Entry<String, Computation> e : new LinkedHashMap<>(computations).entrySet()) {
            for (int l : lengths) {
                Measurement m = of(parent, l, e.getValue(), repeats);
                op.append(e.getKey());
                len.append(l);
                ms.append(m.millis());
                mb.append(m.megabytes());
            }
        }
        return Table.create("cost", op, len, ms, mb);
    }
}
