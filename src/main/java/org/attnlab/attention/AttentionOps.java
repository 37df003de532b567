package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The formulas of attention, once. Pure static functions on NDArrays shaped
 * {@code [batch, heads, length, headDim]} (B, H, L, D below); every op is causal and {@code scale}
 * multiplies {@code q.k} only. Blocks hold parameters and call these; notebooks and tests call them
 * directly.
 */
public final class AttentionOps {

    private AttentionOps() {
    }

    /**
     * Causal softmax attention: {@code o_i = sum_{j<=i} softmax_j(scale q_i.k_j) v_j}.
     *
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray softmax(NDArray q, NDArray k, NDArray v, float scale) {
        return softmaxWeights(q, k, scale).matMul(v); // (B,H,L,L) x (B,H,L,Dv) -> (B,H,L,Dv)
    }

    /**
     * The attention weights of {@link #softmax}: {@code a_ij = softmax_j(scale q_i.k_j)} for j<=i, 0 above the
     * diagonal.
     *
     * @return {@code [B, H, L, L]}
     */
    public static NDArray softmaxWeights(NDArray q, NDArray k, float scale) {
        checkQkv(q, k, null);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale); // (B,H,L,D) x (B,H,D,L) -> (B,H,L,L)
        return maskedSoftmax(scores);
    }

    /** Row softmax over keys j<=i of {@code [.., L, L]} logits; entries above the diagonal get weight 0. */
    public static NDArray maskedSoftmax(NDArray logits) {
        long len = logits.getShape().get(logits.getShape().dimension() - 1);
        return logits.add(causalBias(logits.getManager(), len, logits.getDataType())).softmax(-1);
    }

    /**
     * Additive {@code [L, L]} causal bias: 0 where j &lt;= i, -inf above the diagonal. (DJL's {@code where} does
     * not broadcast on PyTorch, so masks are applied by adding this.)
     */
    public static NDArray causalBias(NDManager manager, long length, DataType dataType) {
        NDArray mask = causalMask(manager, length);
        NDArray zeros = manager.zeros(new Shape(length, length), dataType);
        NDArray negInf = manager.full(new Shape(length, length), Float.NEGATIVE_INFINITY, dataType);
        return NDArrays.where(mask, zeros, negInf);
    }

    /** Boolean {@code [L, L]} lower-triangular mask (diagonal included): {@code mask[i][j] = j <= i}. */
    public static NDArray causalMask(NDManager manager, long length) {
        NDArray pos = manager.arange(0, (int) length, 1, DataType.INT32);
        return pos.reshape(1, length).lte(pos.reshape(length, 1));
    }

    /**
     * Rotary position embedding, rotate-half convention: with {@code x = [x1, x2]} (first and second half of
     * headDim) and angle {@code theta_{p,m} = p * base^(-2m/D)} for pair m at position p (0..L-1):
     * {@code rope(x)_p = [x1 cos - x2 sin, x2 cos + x1 sin]}. Then {@code rope(q)_i . rope(k)_j} depends on
     * positions only through {@code i - j}.
     *
     * @param x    {@code [B, H, L, D]}, D even
     * @param base the frequency base, 10000 in most models
     */
    public static NDArray rope(NDArray x, float base) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("rope expects [batch, heads, length, headDim], got " + s);
        }
        long len = s.get(2);
        long d = s.get(3);
        if (d % 2 != 0) {
            throw new IllegalArgumentException("rope needs an even headDim, got headDim=" + d);
        }
        long half = d / 2;
        NDManager m = x.getManager();
        NDArray pairs = m.arange(0, (int) half, 1, DataType.FLOAT32);                  // m = 0..D/2-1
        NDArray invFreq = pairs.mul(-2.0 / d).mul(Math.log(base)).exp();               // base^(-2m/D)
        NDArray positions = m.arange(0, (int) len, 1, DataType.FLOAT32).reshape(len, 1);
        NDArray angles = positions.matMul(invFreq.reshape(1, half));                   // (L, D/2)
        NDArray cos = angles.cos().toType(x.getDataType(), false);
        NDArray sin = angles.sin().toType(x.getDataType(), false);
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray r1 = x1.mul(cos).sub(x2.mul(sin));
        NDArray r2 = x2.mul(cos).add(x1.mul(sin));
        return r1.concat(r2, -1);
    }

    /**
     * Approximate (2nd-order Taylor) attention: {@code a_ij = 1 + s + s^2/2}, {@code s = scale q_i.k_j},
     * {@code o_i = sum_{j<=i} a_ij v_j / sum_{j<=i} a_ij}.
     */
    public static NDArray taylor(NDArray q, NDArray k, NDArray v, float scale) {
        throw new UnsupportedOperationException("taylor: not yet implemented");
    }

    /**
     * Non-approximate attention: one scalar score per token {@code s_j = scale q_j.k_j},
     * {@code o_i = sum_{j<=i} e^{s_j} v_j / sum_{j<=i} e^{s_j}}.
     */
    public static NDArray scalarScore(NDArray q, NDArray k, NDArray v, float scale) {
        throw new UnsupportedOperationException("scalarScore: not yet implemented");
    }

    /**
     * Forgetting attention (FoX): logits {@code scale q_i.k_j + sum_{s=j+1..i} logForget_s}, causal softmax.
     *
     * @param logForget {@code [B, H, L]}, entries &lt;= 0; the gate term is not scaled
     */
    public static NDArray forgetting(NDArray q, NDArray k, NDArray v, NDArray logForget, float scale) {
        throw new UnsupportedOperationException("forgetting: not yet implemented");
    }

    /**
     * PaTH attention: logit {@code scale q_i^T H_i H_{i-1} .. H_{j+1} k_j}, {@code H_t = I - beta_t w_t w_t^T}.
     *
     * @param w         {@code [B, H, L, D]}, unit norm
     * @param beta      {@code [B, H, L]} in (0, 2)
     * @param logForget null for PaTH, {@code [B, H, L]} for PaTH-FoX
     */
    public static NDArray path(NDArray q, NDArray k, NDArray v, NDArray w, NDArray beta, NDArray logForget,
                               float scale) {
        throw new UnsupportedOperationException("path: not yet implemented");
    }

    /** {@link #path} by the blockwise algorithm with chunks of {@code chunkSize}; memory linear in L. */
    public static NDArray pathChunked(NDArray q, NDArray k, NDArray v, NDArray w, NDArray beta,
                                      NDArray logForget, float scale, int chunkSize) {
        throw new UnsupportedOperationException("pathChunked: not yet implemented");
    }

    /** Checks that q, k (and v when given) are 4-d, agree on batch, heads and length, and q/k on headDim. */
    static void checkQkv(NDArray q, NDArray k, NDArray v) {
        Shape qs = q.getShape();
        Shape ks = k.getShape();
        if (qs.dimension() != 4 || ks.dimension() != 4) {
            throw new IllegalArgumentException("q and k must be [batch, heads, length, headDim]; got q " + qs
                    + ", k " + ks);
        }
        if (!qs.equals(ks)) {
            throw new IllegalArgumentException("q and k must have the same shape; got q " + qs + ", k " + ks);
        }
        if (v != null) {
            Shape vs = v.getShape();
            if (vs.dimension() != 4 || vs.get(0) != qs.get(0) || vs.get(1) != qs.get(1) || vs.get(2) != qs.get(2)) {
                throw new IllegalArgumentException("v must be [batch, heads, length, headDimV] matching q " + qs
                        + " in batch, heads and length; got v " + vs);
            }
        }
    }
}
