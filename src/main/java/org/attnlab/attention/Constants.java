package org.attnlab.attention;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Constant tables the attention ops use on every call (causal masks and biases, identity matrices, RoPE's
 * cos/sin/rotation tables, scalars), built once per size, data type and device instead of five to twenty ops per
 * call. They live in one manager per device that is never closed, so they are never attached to a step's manager
 * and never freed under a running op: callers must not close them, attach them elsewhere, or write into them.
 *
 * <p>Sizes: a table is kept at the exact size asked for, for up to {@value #EXACT_SIZES} sizes per kind (training
 * uses one or two lengths); other sizes are served as a view of one larger table (powers of two), a single slice
 * op whose view belongs to the caller's manager. Every table is built by the same code as the uncached form, so
 * the values are identical.
 */
final class Constants {

    static final int EXACT_SIZES = 8;
    private static final int MAX_SCALARS = 4096;

    private static final Map<String, NDManager> MANAGERS = new HashMap<>();
    private static final Map<String, Entry> TABLES = new HashMap<>();
    private static final Map<String, NDArray> SCALARS = new HashMap<>();

    private static final class Entry {
        final Map<Long, NDList> exact = new LinkedHashMap<>();
        NDList big;
        long bigSize;
    }

    /** How a table of size {@code n} is cut from a larger one: square [n, n], or the first n rows. */
    enum Cut {
        SQUARE, ROWS, NONE
    }

    private Constants() {
    }

    /** {@code [n, n]} 0/1 lower-triangular ({@code j <= i}, or {@code j < i} when strict), as {@link AttentionOps#lowerOnes}. */
    static NDArray lowerOnes(long n, boolean strict, DataType dt, NDManager caller) {
        return table("lowerOnes|" + strict + "|" + dt, n, Cut.SQUARE, caller,
                (m, size) -> new NDList(AttentionOps.lowerOnes(m, size, strict, dt))).get(0);
    }

    /** {@code [n, n]} additive causal bias, as {@link AttentionOps#causalBias}. */
    static NDArray causalBias(long n, DataType dt, NDManager caller) {
        return table("causalBias|" + dt, n, Cut.SQUARE, caller,
                (m, size) -> new NDList(AttentionOps.causalBias(m, size, dt))).get(0);
    }

    /** {@code [n, n]} additive band bias of a window of {@code w} keys, as {@link AttentionOps#windowBias}. */
    static NDArray windowBias(long n, int w, DataType dt, NDManager caller) {
        return table("windowBias|" + w + "|" + dt, n, Cut.SQUARE, caller,
                (m, size) -> new NDList(AttentionOps.windowBias(m, size, w, dt))).get(0);
    }

    /** {@code [n, n]} identity. */
    static NDArray eye(long n, DataType dt, NDManager caller) {
        return table("eye|" + dt, n, Cut.SQUARE, caller,
                (m, size) -> new NDList(m.eye((int) (long) size, (int) (long) size, 0, dt))).get(0);
    }

    /**
     * RoPE tables for length {@code n}, head size {@code d}: {@code cos2 = [cos, cos]} and {@code sin2 = [-sin, sin]}
     * ({@code [n, d]}, angles as {@link AttentionOps#ropeReference}; the rotation's sign folded into the table).
     */
    static NDList rope(long n, long d, float base, DataType dt, NDManager caller) {
        return table("rope|" + d + "|" + base + "|" + dt, n, Cut.ROWS, caller, (m, size) -> {
            NDArray[] t = AttentionOps.ropeCosSin(m, size, d, base, dt);
            return new NDList(t[0].concat(t[0], -1), t[1].neg().concat(t[1], -1));
        });
    }

    /** {@code s} as a 0-d array of type {@code dt} on {@code device} (see {@link AttentionOps#times}). */
    static synchronized NDArray scalar(double s, DataType dt, Device device, NDManager caller) {
        String key = Float.floatToIntBits((float) s) + "|" + dt + "|" + device;
        NDArray a = SCALARS.get(key);
        if (a == null) {
            if (SCALARS.size() >= MAX_SCALARS) {
                return caller.full(new Shape(), (float) s, dt);
            }
            a = manager(device).full(new Shape(), (float) s, dt);
            SCALARS.put(key, a);
        }
        return a;
    }

    private static synchronized NDList table(String kind, long n, Cut cut, NDManager caller,
                                             BiFunction<NDManager, Long, NDList> build) {
        Device device = caller.getDevice();
        String key = kind + "|" + device;
        Entry e = TABLES.computeIfAbsent(key, k -> new Entry());
        NDList t = e.exact.get(n);
        if (t != null) {
            return t;
        }
        NDManager m = manager(device);
        if (e.exact.size() < EXACT_SIZES || cut == Cut.NONE) {
            t = build.apply(m, n);
            e.exact.put(n, t);
            return t;
        }
        if (e.big == null || e.bigSize < n) {
            long size = Long.highestOneBit(n) == n ? n : Long.highestOneBit(n) << 1;
            e.big = build.apply(m, size);     // a smaller big table stays alive: views of it may be in use
            e.bigSize = size;
        }
        NDList out = new NDList(e.big.size());
        for (NDArray a : e.big) {
            NDArray v = cut == Cut.SQUARE ? a.get(new NDIndex(":{}, :{}", n, n)) : a.get(new NDIndex(":{}", n));
            v.attach(caller);
            out.add(v);
        }
        return out;
    }

    private static synchronized NDManager manager(Device device) {
        return MANAGERS.computeIfAbsent(device.toString(), k -> {
            NDManager m = NDManager.newBaseManager(device);
            m.setName("attention constants " + device);
            return m;
        });
    }
}
