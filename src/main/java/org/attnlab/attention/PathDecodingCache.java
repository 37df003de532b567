package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Token-by-token decoding for PaTH and PaTH-FoX. The cache holds every earlier key already multiplied by all
 * later Householder-like factors, {@code k~_j = H_t .. H_{j+1} k_j}; appending token t first updates each
 * cached key in place, {@code k~_j <- k~_j - beta_t (k~_j . w_t) w_t} (that is {@code H_t k~_j}), then stores
 * {@code k_t} unchanged, and returns
 * {@code o_t = sum_{j<=t} softmax_j(scale q_t . k~_j + G_t - G_j) v_j} with {@code G = cumsum(logForget)}
 * (no gate for plain PaTH). The outputs equal {@link AttentionOps#path} on the whole prefix.
 *
 * <p>Shapes per call (B batch, H heads, D headDim, Dv value dim): {@code q, k, w [B, H, D]}, {@code v [B, H, Dv]},
 * {@code beta, logForget [B, H]}. The first call fixes B, H, D, Dv and whether a gate is used. Inference only:
 * no gradients flow through the in-place updates. Keys, values and gates are kept in float32 (float64 when
 * the inputs are float64). Close the cache to free its arrays.
 */
public final class PathDecodingCache implements AutoCloseable {

    private final NDManager manager;
    private final float scale;
    private NDArray keys;    // (B,H,t,D): H_t..H_{j+1} k_j
    private NDArray values;  // (B,H,t,Dv)
    private NDArray gates;   // (B,H,t): G_j, only with a forget gate
    private Boolean gated;
    private Shape tokenShape; // (B,H,D)
    private long valueDim;
    private int length;

    /**
     * @param parent the cache's arrays live in a sub-manager of this one
     * @param scale  multiplies {@code q.k} (not the gate), as in {@link AttentionOps#path}
     */
    public PathDecodingCache(NDManager parent, float scale) {
        this.manager = parent.newSubManager();
        this.scale = scale;
    }

    /** Number of tokens appended so far. */
    public int length() {
        return length;
    }

    /** The cached, transformed keys {@code H_t .. H_{j+1} k_j}, {@code [B, H, t, D]} (owned by the cache). */
    public NDArray keys() {
        if (keys == null) {
            throw new IllegalStateException("the cache is empty: append a token first");
        }
        return keys;
    }

    /**
     * Appends token t and returns its output.
     *
     * @param logForget {@code [B, H]} log forget gate (&lt;= 0) for PaTH-FoX, null for plain PaTH
     * @return {@code [B, H, Dv]}, owned by {@code q}'s manager
     */
    public NDArray append(NDArray q, NDArray k, NDArray v, NDArray w, NDArray beta, NDArray logForget) {
        check(q, k, v, w, beta, logForget);
        NDManager outManager = q.getManager();
        DataType gdt = AttentionOps.gateType(q.getDataType());
        long b = tokenShape.get(0), h = tokenShape.get(1), d = tokenShape.get(2);
        NDArray result;
        try (NDManager step = manager.newSubManager()) {
            // every temporary is attached to `step` (an op's result belongs to its first operand's manager)
            NDArray qt = inStep(step, q.toType(gdt, true)), kt = inStep(step, k.toType(gdt, true));
            NDArray vt = inStep(step, v.toType(gdt, true)), wt = inStep(step, w.toType(gdt, true));
            NDArray bt = inStep(step, beta.toType(gdt, true));
            if (keys != null) {
                NDArray proj = inStep(step, keys.matMul(wt.reshape(b, h, d, 1)));  // (B,H,t,D) x (B,H,D,1): k~_j . w_t
                keys.subi(proj.mul(bt.reshape(b, h, 1, 1)).mul(wt.reshape(b, h, 1, d))); // k~_j <- H_t k~_j, in place
            }
            keys = grow(keys, kt.reshape(b, h, 1, d));
            values = grow(values, vt.reshape(b, h, 1, valueDim));
            NDArray g = null;
            if (gated) {
                NDArray lf = inStep(step, logForget.toType(gdt, true)).reshape(b, h, 1);
                NDArray gNew = gates == null ? lf : lf.add(inStep(step, gates.get(":, :, -1:"))); // G_t = G_{t-1} + lf_t
                gates = grow(gates, gNew);
                g = inStep(step, gates.duplicate());                                 // (B,H,t)
            }
            NDArray keysT = inStep(step, keys.transpose(0, 1, 3, 2));                 // (B,H,D,t)
            NDArray logits = qt.reshape(b, h, 1, d).matMul(keysT).mul(scale);         // (B,H,1,t)
            if (g != null) {
                logits = logits.add(gNew(g, b, h)).sub(g.reshape(b, h, 1, length + 1)); // + G_t - G_j
            }
            NDArray vals = inStep(step, values.duplicate());
            result = logits.softmax(3).matMul(vals).reshape(b, h, valueDim)           // (B,H,1,t) x (B,H,t,Dv)
                    .toType(v.getDataType(), true);
            result.attach(outManager);
        }
        length++;
        return result;
    }

    private static NDArray inStep(NDManager step, NDArray x) {
        x.attach(step);
        return x;
    }

    /** {@code G_t} (the last entry of {@code g [B,H,t]}) as {@code [B,H,1,1]}. */
    private static NDArray gNew(NDArray g, long b, long h) {
        return g.get(":, :, -1:").reshape(b, h, 1, 1);
    }

    /** Appends {@code x} ({@code [B,H,1,...]}) to {@code cache} along axis 2; the new array belongs to the cache. */
    private NDArray grow(NDArray cache, NDArray x) {
        NDArray grown = cache == null ? x.duplicate() : cache.concat(x, 2);
        grown.attach(manager);
        if (cache != null) {
            cache.close();
        }
        return grown;
    }

    private void check(NDArray q, NDArray k, NDArray v, NDArray w, NDArray beta, NDArray logForget) {
        Shape qs = q.getShape();
        if (qs.dimension() != 3) {
            throw new IllegalArgumentException("append expects one token: q [batch, heads, headDim]; got q " + qs);
        }
        for (NDArray x : new NDArray[] {k, w}) {
            if (!x.getShape().equals(qs)) {
                throw new IllegalArgumentException("k and w must have the shape of q " + qs + "; got k "
                        + k.getShape() + ", w " + w.getShape());
            }
        }
        Shape vs = v.getShape();
        if (vs.dimension() != 3 || vs.get(0) != qs.get(0) || vs.get(1) != qs.get(1)) {
            throw new IllegalArgumentException("v must be [batch, heads, headDimV] matching q " + qs + "; got v " + vs);
        }
        Shape bh = new Shape(qs.get(0), qs.get(1));
        if (!beta.getShape().equals(bh)) {
            throw new IllegalArgumentException("beta must be [batch, heads] = " + bh + "; got beta " + beta.getShape());
        }
        if (logForget != null && !logForget.getShape().equals(bh)) {
            throw new IllegalArgumentException("logForget must be [batch, heads] = " + bh + "; got logForget "
                    + logForget.getShape());
        }
        if (tokenShape == null) {
            tokenShape = qs;
            valueDim = vs.get(2);
            gated = logForget != null;
            return;
        }
        if (!qs.equals(tokenShape) || vs.get(2) != valueDim) {
            throw new IllegalArgumentException("every token must keep the first token's shapes q " + tokenShape
                    + ", v headDimV=" + valueDim + "; got q " + qs + ", v " + vs);
        }
        if (gated != (logForget != null)) {
            throw new IllegalArgumentException("the cache was started " + (gated ? "with" : "without")
                    + " a forget gate; got logForget " + (logForget == null ? "null" : logForget.getShape()));
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
