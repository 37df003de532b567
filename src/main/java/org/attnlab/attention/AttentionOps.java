package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.util.Map;

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
        // softmaxWeightsReference with each dead intermediate closed as soon as it is used: no backward pass reads
        // q k^T, its scaled or its biased copy (the product's backward reads q and k, the softmax's its output), so
        // the allocator can hand their memory, still in cache, to the next op, as PyTorch's reference counting
        // does (three B H L^2 arrays per layer otherwise stay until the layer's manager closes). Closing a DJL
        // handle never frees what autograd holds. Same ops, same numbers (FastPathsTest).
        checkQkv(q, k, null);
        NDArray kt = k.transpose(0, 1, 3, 2);
        NDArray s = q.matMul(kt); // (B,H,L,D) x (B,H,D,L) -> (B,H,L,L)
        kt.close();
        NDArray scaled = times(s, scale);
        s.close();
        long len = scaled.getShape().get(scaled.getShape().dimension() - 1);
        NDArray biased = scaled.add(Constants.causalBias(len, scaled.getDataType(), scaled.getManager()));
        scaled.close();
        NDArray w = biased.softmax(-1);
        biased.close();
        return w;
    }

    /** The plain form of {@link #softmaxWeights}, nothing closed early: the reference the fast path is tested against. */
    static NDArray softmaxWeightsReference(NDArray q, NDArray k, float scale) {
        return maskedSoftmax(dotLogits(q, k, scale));
    }

    /**
     * The pairwise scores {@code s_ij = scale q_i.k_j}: the logits of softmax attention (and of the kinds that
     * take Q,K from elsewhere) and the {@code s} of {@link #taylor}.
     *
     * @return {@code [B, H, L, L]}; entries above the diagonal are meaningless (the weights mask them)
     */
    public static NDArray dotLogits(NDArray q, NDArray k, float scale) {
        checkQkv(q, k, null);
        return times(q.matMul(k.transpose(0, 1, 3, 2)), scale); // (B,H,L,D) x (B,H,D,L) -> (B,H,L,L)
    }

    /**
     * The pre-softmax logits {@code kind}'s weights are computed from, given the values its hooks saw, by local
     * name ({@code q}, {@code k} and, per kind, PaTH's {@code w}, {@code beta}, FoX's {@code log_forget}; see
     * {@link AttentionKind#hookNames()}): {@link #dotLogits} for softmax, NoPE, Approximate (its {@code s}) and
     * the external-Q,K kinds, and for Sigmoid (before its bias b), Softmax-zero, Sink-KV (the real keys only: the
     * slot's logit is not included) and Window (every causal pair, also those outside the window);
     * {@link #forgettingLogits} for FoX; {@link #pathLogits} for PaTH and PaTH-FoX
     * (Householder products and gate included); {@link #scalarScoreLogits} for Non-approximate.
     *
     * @return {@code [B, H, L, L]} ({@code [B, H, L]}, one score per key, for Non-approximate); entries above the
     *         diagonal are meaningless
     * @throws IllegalArgumentException for MLP (no logits) or when a value the kind needs is missing
     */
    public static NDArray logits(AttentionKind kind, Map<String, NDArray> hookValues, float scale) {
        if (!kind.hasPattern()) {
            throw new IllegalArgumentException(kind.label() + " mixes no tokens: it has no attention logits");
        }
        for (String name : kind.hookNames()) {
            if (!name.equals("v") && !name.equals("pattern") && !name.equals("z") && !name.equals("sink_weight")
                    && hookValues.get(name) == null) {
                throw new IllegalArgumentException(kind.label() + " logits need the '" + name + "' hook's value; got "
                        + hookValues.keySet());
            }
        }
        NDArray q = hookValues.get("q");
        NDArray k = hookValues.get("k");
        return switch (kind) {
            case NON_APPROXIMATE -> scalarScoreLogits(q, k, scale);
            case FOX -> forgettingLogits(q, k, hookValues.get("log_forget"), scale);
            case PATH -> pathLogits(q, k, hookValues.get("w"), hookValues.get("beta"), null, scale);
            case PATH_FOX -> pathLogits(q, k, hookValues.get("w"), hookValues.get("beta"),
                    hookValues.get("log_forget"), scale);
            default -> dotLogits(q, k, scale);
        };
    }

    /** Row softmax over keys j<=i of {@code [.., L, L]} logits; entries above the diagonal get weight 0. */
    public static NDArray maskedSoftmax(NDArray logits) {
        long len = logits.getShape().get(logits.getShape().dimension() - 1);
        return logits.add(Constants.causalBias(len, logits.getDataType(), logits.getManager())).softmax(-1);
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
     * {@code rope(x)_p = [x1 cos - x2 sin, x2 cos + x1 sin]}. Then {@code rope(q)_i . rope(k_j)} depends on
     * positions only through {@code i - j}.
     *
     * <p>Computed as {@code [x2, x1] [-sin, sin] + x [cos, cos]} from tables cached per length, head size and
     * device: six ops instead of about twenty, and the same numbers as {@link #ropeReference} bit for bit
     * ({@code x2 (-sin) + x1 cos} rounds as {@code x1 cos - x2 sin}). The sign sits in the table, not in a
     * negated copy of {@code x2}: a pass over a strided half fewer, forward and backward. (A product with a signed permutation
     * matrix would do the rotation in one op instead of four, but costs {@code 2 D} flops per element, about 2.4
     * GFLOP per step of the large bench model.)
     *
     * <p>The sum is formed into the rotated half's product, in place: {@code x} is usually a view with its heads
     * axis swapped ({@code [B, L, H, D]} in memory), and an op's result takes the memory order of its first input,
     * so {@code x cos + ...} came out in that order too; then {@code q k^T} could not be one batched product over
     * the memory as it is, and libtorch copied q and k at every attention (mid bench model, forward: 2.2 ms more in
     * copies, 1.3 ms more in element-wise adds, and the products without their transposed-operand kernels, against
     * PyTorch, whose rotary ends in a concatenation). {@code [x2, x1]} is a fresh concatenation, laid out in
     * {@code [B, H, L, D]} order, and so is everything formed into it. The same numbers ({@code a + b = b + a}
     * exactly).
     *
     * @param x    {@code [B, H, L, D]}, D even
     * @param base the frequency base, 10000 in most models
     */
    public static NDArray rope(NDArray x, float base) {
        Shape s = checkRope(x);
        long half = s.get(3) / 2;
        NDList t = Constants.rope(s.get(2), s.get(3), base, x.getDataType(), x.getManager());
        // the halves' indices built directly, not parsed from a format string on every call
        NDIndex second = new NDIndex().addEllipseDim().addSliceDim(half, s.get(3));
        NDIndex first = new NDIndex().addEllipseDim().addSliceDim(0, half);
        NDArray rotated = x.get(second).concat(x.get(first), -1);        // laid out [B, H, L, D]
        NDArray out = rotated.mul(t.get(1));                                // so is this
        return out.addi(x.mul(t.get(0)));                                   // in place: keeps that layout
    }

    /** {@link #rope}, the plain way: tables built on every call, halves sliced, rotated and concatenated. */
    public static NDArray ropeReference(NDArray x, float base) {
        Shape s = checkRope(x);
        long half = s.get(3) / 2;
        NDArray[] cs = ropeCosSin(x.getManager(), s.get(2), s.get(3), base, x.getDataType());
        NDArray cos = cs[0];
        NDArray sin = cs[1];
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray r1 = x1.mul(cos).sub(x2.mul(sin));
        NDArray r2 = x2.mul(cos).add(x1.mul(sin));
        return r1.concat(r2, -1);
    }

    /**
     * {@link #ropeReference} at positions {@code first .. first+L-1} instead of {@code 0 .. L-1} (a negative
     * {@code first} rotates back: for one position, {@code rope(rope(x, b, p), b, -p) = x}). A decoding cache needs it: a key computed at
     * position p is stored un-rotated ({@code first = -p}) and rotated again at its place in the cache.
     */
    public static NDArray rope(NDArray x, float base, long first) {
        Shape s = checkRope(x);
        long half = s.get(3) / 2;
        NDArray[] cs = ropeCosSin(x.getManager(), first, s.get(2), s.get(3), base, x.getDataType());
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        return x1.mul(cs[0]).sub(x2.mul(cs[1])).concat(x2.mul(cs[0]).add(x1.mul(cs[1])), -1);
    }

    /** {@code cos} and {@code sin} of the angles {@code p * base^(-2m/D)}, {@code [L, D/2]} each, in {@code dt}. */
    static NDArray[] ropeCosSin(NDManager m, long len, long d, float base, DataType dt) {
        return ropeCosSin(m, 0, len, d, base, dt);
    }

    /** {@link #ropeCosSin(NDManager, long, long, float, DataType)} for positions {@code first .. first+len-1}. */
    static NDArray[] ropeCosSin(NDManager m, long first, long len, long d, float base, DataType dt) {
        long half = d / 2;
        NDArray pairs = m.arange(0, (int) half, 1, DataType.FLOAT32);                  // m = 0..D/2-1
        NDArray invFreq = pairs.mul(-2.0 / d).mul(Math.log(base)).exp();               // base^(-2m/D)
        NDArray positions = m.arange((float) first, (float) (first + len), 1f, DataType.FLOAT32).reshape(len, 1);
        NDArray angles = positions.matMul(invFreq.reshape(1, half));                   // (L, D/2)
        return new NDArray[] {angles.cos().toType(dt, false), angles.sin().toType(dt, false)};
    }

    private static Shape checkRope(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("rope expects [batch, heads, length, headDim], got " + s);
        }
        if (s.get(3) % 2 != 0) {
            throw new IllegalArgumentException("rope needs an even headDim, got headDim=" + s.get(3));
        }
        return s;
    }

    /**
     * Approximate (2nd-order Taylor) attention, the quadratic form: {@code a_ij = 1 + s + s^2/2} with
     * {@code s = scale q_i.k_j}, {@code o_i = sum_{j<=i} a_ij v_j / sum_{j<=i} a_ij}. Every {@code a_ij} is
     * positive ({@code 1 + s + s^2/2 = ((1+s)^2 + 1)/2}), so the normaliser never vanishes.
     *
     * @return {@code [B, H, L, Dv]}; {@link #taylorRecurrent} computes the same in linear time
     */
    public static NDArray taylor(NDArray q, NDArray k, NDArray v, float scale) {
        checkQkv(q, k, v);
        return taylorWeights(q, k, scale).matMul(v); // (B,H,L,L) x (B,H,L,Dv) -> (B,H,L,Dv)
    }

    /**
     * The weights of {@link #taylor}: {@code a_ij / sum_{j'<=i} a_ij'} with {@code a_ij = 1 + s + s^2/2},
     * 0 above the diagonal.
     *
     * @return {@code [B, H, L, L]}
     */
    public static NDArray taylorWeights(NDArray q, NDArray k, float scale) {
        long len = q.getShape().get(2);
        NDArray s = dotLogits(q, k, scale);                                         // (B,H,L,L)
        NDArray a = times(s.mul(s), 0.5).add(s).add(1)
                .mul(Constants.lowerOnes(len, false, q.getDataType(), q.getManager()));   // zero where j > i
        return a.div(a.sum(new int[] {3}, true));
    }

    /** {@link #taylorRecurrent(NDArray, NDArray, NDArray, float, int)} with chunks of 64 tokens. */
    public static NDArray taylorRecurrent(NDArray q, NDArray k, NDArray v, float scale) {
        return taylorRecurrent(q, k, v, scale, 64);
    }

    /**
     * {@link #taylor} in linear time, as a recurrence over chunks of {@code chunkSize} tokens. With the
     * feature maps {@code phi_q(x) = [1, scale x, scale^2/2 (x (x) x)]} and {@code phi_k(x) = [1, x, x (x) x]}
     * ({@code (x)} the outer product, flattened; {@code F = 1 + D + D^2} features),
     * {@code phi_q(q).phi_k(k) = 1 + s + s^2/2}. The state {@code S = sum_j phi_k(k_j) v_j^T} ({@code [F, Dv]})
     * and {@code z = sum_j phi_k(k_j)} carry all earlier chunks; inside a chunk the quadratic form is used:
     * {@code o_i = (sum_{j in chunk, j<=i} a_ij v_j + phi_q(q_i)^T S) / (sum_{j in chunk, j<=i} a_ij
     * + phi_q(q_i).z)}. {@code chunkSize = 1} is the token-by-token recurrence.
     *
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray taylorRecurrent(NDArray q, NDArray k, NDArray v, float scale, int chunkSize) {
        checkQkv(q, k, v);
        checkChunkSize("taylorRecurrent", chunkSize);
        Shape s = q.getShape();
        long b = s.get(0), h = s.get(1), len = s.get(2);
        long dv = v.getShape().get(3);
        NDManager m = q.getManager();
        NDArray phiQ = taylorFeatures(q, scale, true);                            // (B,H,L,F)
        NDArray phiK = taylorFeatures(k, 1f, false);                              // (B,H,L,F)
        long f = phiQ.getShape().get(3);
        NDArray state = m.zeros(new Shape(b, h, f, dv), q.getDataType());        // sum phi_k(k_j) v_j^T
        NDArray norm = m.zeros(new Shape(b, h, f, 1), q.getDataType());          // sum phi_k(k_j)
        NDList outs = new NDList();
        for (long start = 0; start < len; start += chunkSize) {
            long n = Math.min(chunkSize, len - start);
            NDIndex idx = new NDIndex(":, :, {}:{}", start, start + n);
            NDArray qc = q.get(idx), kc = k.get(idx), vc = v.get(idx);
            NDArray pq = phiQ.get(idx), pk = phiK.get(idx);
            NDArray sc = times(qc.matMul(transposeLast(kc)), scale);               // (B,H,n,n)
            NDArray a = times(sc.mul(sc), 0.5).add(sc).add(1).mul(Constants.lowerOnes(n, false, q.getDataType(), m));
            NDArray num = a.matMul(vc).add(pq.matMul(state));                    // (B,H,n,Dv)
            NDArray den = a.sum(new int[] {3}, true).add(pq.matMul(norm));       // (B,H,n,1)
            outs.add(num.div(den));
            state = state.add(transposeLast(pk).matMul(vc));                     // (B,H,F,n) x (B,H,n,Dv)
            norm = norm.add(transposeLast(pk).sum(new int[] {3}, true));
        }
        return concatLength(outs);
    }

    /** {@code [1, c x, c^2/2 (x (x) x)]} for the query side, {@code [1, x, x (x) x]} for keys: {@code [B,H,L,F]}. */
    private static NDArray taylorFeatures(NDArray x, float scale, boolean query) {
        Shape s = x.getShape();
        long d = s.get(3);
        NDArray outer = x.expandDims(4).mul(x.expandDims(3))                     // (B,H,L,D,D)
                .reshape(s.get(0), s.get(1), s.get(2), d * d);
        NDArray ones = x.getManager().ones(new Shape(s.get(0), s.get(1), s.get(2), 1), x.getDataType());
        if (query) {
            return NDArrays.concat(new NDList(ones, times(x, scale), times(outer, 0.5 * scale * scale)), 3);
        }
        return NDArrays.concat(new NDList(ones, x, outer), 3);
    }

    /**
     * Non-approximate attention: one scalar score per token {@code s_j = scale q_j.k_j},
     * {@code o_i = sum_{j<=i} e^{s_j} v_j / sum_{j<=i} e^{s_j}}. There is no pairwise similarity: every query
     * position sees the same scores, only the causal prefix differs. Computed as a causal softmax over logits
     * that depend on j alone, which stays finite for any score size.
     *
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray scalarScore(NDArray q, NDArray k, NDArray v, float scale) {
        checkQkv(q, k, v);
        return scalarScoreWeights(q, k, scale).matMul(v); // (B,H,L,L) x (B,H,L,Dv) -> (B,H,L,Dv)
    }

    /**
     * The weights of {@link #scalarScore}: {@code e^{s_j} / sum_{j'<=i} e^{s_j'}} for j&lt;=i, 0 above.
     *
     * @return {@code [B, H, L, L]}
     */
    public static NDArray scalarScoreWeights(NDArray q, NDArray k, float scale) {
        NDArray s = scalarScoreLogits(q, k, scale);                                // (B,H,L): s_j
        return maskedSoftmax(s.expandDims(2));                                   // (B,H,1,L) + (L,L) bias -> (B,H,L,L)
    }

    /**
     * The scores of {@link #scalarScore}: {@code s_j = scale q_j.k_j}, one per key.
     *
     * @return {@code [B, H, L]}
     */
    public static NDArray scalarScoreLogits(NDArray q, NDArray k, float scale) {
        checkQkv(q, k, null);
        return times(q.mul(k).sum(new int[] {3}), scale);
    }

    /**
     * Forgetting attention (FoX): logits {@code scale q_i.k_j + sum_{s=j+1..i} logForget_s}, causal softmax.
     * With {@code G = cumsum(logForget)} the gate term is {@code G_i - G_j}; it is computed in float32 (or
     * float64 when the inputs are).
     *
     * @param logForget {@code [B, H, L]}, entries &lt;= 0; the gate term is not scaled
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray forgetting(NDArray q, NDArray k, NDArray v, NDArray logForget, float scale) {
        checkQkv(q, k, v);
        NDArray a = forgettingWeights(q, k, logForget, scale);
        return a.toType(v.getDataType(), false).matMul(v);
    }

    /**
     * The weights of {@link #forgetting}: {@code softmax_j(scale q_i.k_j + G_i - G_j)} over j&lt;=i, 0 above.
     *
     * @return {@code [B, H, L, L]} in float32 (float64 for float64 inputs)
     */
    public static NDArray forgettingWeights(NDArray q, NDArray k, NDArray logForget, float scale) {
        return maskedSoftmax(forgettingLogits(q, k, logForget, scale));
    }

    /**
     * The logits of {@link #forgetting}: {@code scale q_i.k_j + G_i - G_j}, {@code G = cumsum(logForget)}.
     *
     * @return {@code [B, H, L, L]} in float32 (float64 for float64 inputs); entries above the diagonal are
     *         meaningless
     */
    public static NDArray forgettingLogits(NDArray q, NDArray k, NDArray logForget, float scale) {
        checkQkv(q, k, null);
        if (logForget == null) {
            throw new IllegalArgumentException("forgetting needs logForget [batch, heads, length] = "
                    + lengthShape(q.getShape()) + "; got null");
        }
        checkPerToken("logForget", logForget, q.getShape());
        DataType gdt = gateType(q.getDataType());
        return times(q.toType(gdt, false).matMul(transposeLast(k.toType(gdt, false))), scale)
                .add(gateBias(logForget, gdt));                                  // (B,H,L,L)
    }

    /** {@code G_i - G_j} with {@code G = cumsum(logForget)}: {@code [B, H, L, L]}. */
    private static NDArray gateBias(NDArray logForget, DataType gdt) {
        NDArray g = logForget.toType(gdt, false).cumSum(2);                      // (B,H,L)
        return g.expandDims(3).sub(g.expandDims(2));                             // (B,H,L,1) - (B,H,1,L)
    }

    /**
     * PaTH attention: logit {@code scale q_i^T H_i H_{i-1} .. H_{j+1} k_j} (j = i: {@code scale q_i.k_i}),
     * {@code H_t = I - beta_t w_t w_t^T}; PaTH-FoX adds {@code sum_{s=j+1..i} logForget_s}; causal softmax.
     * All logits at once by the UT transform (see {@link #pathLogits}).
     *
     * @param w         {@code [B, H, L, D]}, unit norm
     * @param beta      {@code [B, H, L]} in (0, 2)
     * @param logForget null for PaTH, {@code [B, H, L]} (&lt;= 0) for PaTH-FoX
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray path(NDArray q, NDArray k, NDArray v, NDArray w, NDArray beta, NDArray logForget,
                               float scale) {
        checkPath(q, k, v, w, beta, logForget);
        NDArray a = pathWeights(q, k, w, beta, logForget, scale);
        return a.toType(v.getDataType(), false).matMul(v); // (B,H,L,L) x (B,H,L,Dv) -> (B,H,L,Dv)
    }

    /**
     * The attention weights of {@link #path}: causal softmax of {@link #pathLogits}.
     *
     * @return {@code [B, H, L, L]} in float32 (float64 for float64 inputs), 0 above the diagonal
     */
    public static NDArray pathWeights(NDArray q, NDArray k, NDArray w, NDArray beta, NDArray logForget,
                                      float scale) {
        return maskedSoftmax(pathLogits(q, k, w, beta, logForget, scale));
    }

    /**
     * PaTH logits by the UT transform, in float32 (float64 for float64 inputs):
     * {@code A = tril(Q K^T) - tril(Q W^T) T strictLower(W K^T)}, {@code T = (I + strictLower(D W W^T))^{-1} D},
     * {@code D = diag(beta)}; logits {@code scale A (+ G_i - G_j)}. {@code tril} keeps the diagonal,
     * {@code strictLower} does not. {@code I - W^T T W} over tokens a..b is {@code H_b .. H_a}, so entry (i, j)
     * is {@code q_i^T H_i .. H_{j+1} k_j}.
     *
     * @return {@code [B, H, L, L]}; entries above the diagonal are meaningless (softmax masks them)
     */
    public static NDArray pathLogits(NDArray q, NDArray k, NDArray w, NDArray beta, NDArray logForget,
                                     float scale) {
        checkPath(q, k, null, w, beta, logForget);
        DataType gdt = gateType(q.getDataType());
        NDManager m = q.getManager();
        long len = q.getShape().get(2);
        NDArray qf = q.toType(gdt, false), kf = k.toType(gdt, false), wf = w.toType(gdt, false);
        NDArray tril = Constants.lowerOnes(len, false, gdt, m);
        NDArray strict = Constants.lowerOnes(len, true, gdt, m);
        NDArray t = utTransform(wf, beta.toType(gdt, false));                    // (B,H,L,L)
        NDArray qk = qf.matMul(transposeLast(kf)).mul(tril);                     // tril(Q K^T)
        NDArray qw = qf.matMul(transposeLast(wf)).mul(tril);                     // tril(Q W^T)
        NDArray wk = wf.matMul(transposeLast(kf)).mul(strict);                   // strictLower(W K^T)
        NDArray logits = times(qk.sub(qw.matMul(t).matMul(wk)), scale);
        if (logForget != null) {
            logits = logits.add(gateBias(logForget, gdt));
        }
        return logits;
    }

    /**
     * The UT transform of a run of Householder-like factors: {@code T = (I + strictLower(D W W^T))^{-1} D},
     * {@code D = diag(beta)}, batched over leading dims, so that {@code H_n .. H_1 = I - W^T T W}. T is lower
     * triangular and its leading (or any contiguous diagonal) block is the T of that sub-run.
     *
     * @param w    {@code [..., n, D]}
     * @param beta {@code [..., n]}
     * @return {@code [..., n, n]}
     */
    static NDArray utTransform(NDArray w, NDArray beta) {
        Shape ws = w.getShape();
        long n = ws.get(ws.dimension() - 2);
        NDManager m = w.getManager();
        NDArray strict = Constants.lowerOnes(n, true, w.getDataType(), m);
        NDArray dww = w.matMul(transposeLast(w)).mul(beta.expandDims(-1)).mul(strict); // row i times beta_i
        NDArray inv = dww.add(Constants.eye(n, w.getDataType(), m)).inverse();
        return inv.mul(beta.expandDims(-2));                                     // column j times beta_j
    }

    /**
     * {@link #path} by the blockwise algorithm of the PaTH paper, never forming an L x L matrix: extra memory
     * O(L (chunkSize + D)) in the forward pass (each step's temporaries are closed when the step ends). L is padded internally to a multiple of {@code chunkSize}
     * (with beta = 0, i.e. H = I, so the padding changes nothing before it). Per chunk c (size C):
     * {@code T_c} (the UT transform), the intra-chunk logits by the dense formula, boundary-adjusted queries
     * {@code q~_i^T = q_i^T H_i .. H_start(c)} and keys {@code k~_j = H_end(c) .. H_{j+1} k_j}, and the chunk
     * product {@code P_c = I - W_c^T T_c W_c}. Then, for query chunk a and key chunk b &lt; a, the logit is
     * {@code q~_i^T P_{a-1} .. P_{b+1} k~_j}: a scan over key chunks from right to left that keeps an online
     * softmax (running max, normaliser, weighted sum) and multiplies the running queries by each chunk's
     * product. Step d handles all pairs (a, a-d) at once, so the number of DJL ops grows with L/C, not
     * (L/C)^2. Under autograd the tensors of every step are kept for the backward pass (about L^2/2 floats
     * in total); a fused kernel would recompute them.
     *
     * @param chunkSize C &gt;= 1; 64 is a good default
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray pathChunked(NDArray q, NDArray k, NDArray v, NDArray w, NDArray beta,
                                      NDArray logForget, float scale, int chunkSize) {
        checkPath(q, k, v, w, beta, logForget);
        checkChunkSize("pathChunked", chunkSize);
        Shape s = q.getShape();
        long b = s.get(0), h = s.get(1), len = s.get(2), d = s.get(3);
        long dv = v.getShape().get(3);
        DataType gdt = gateType(q.getDataType());
        NDManager m = q.getManager();
        long c = chunkSize;
        long nc = (len + c - 1) / c;
        long pad = nc * c - len;
        // (B,H,L,D) -> pad to (B,H,nc*C,D) -> (nc,B,H,C,D) -> chunk axis first (nc,B,H,C,D): the scan below
        // slices chunks, and a slice of the first axis is one op where one of axis 2 is three
        int[] first = {2, 0, 1, 3, 4};
        NDArray qc = padLength(q.toType(gdt, false), pad).reshape(b, h, nc, c, d).transpose(first);
        NDArray kc = padLength(k.toType(gdt, false), pad).reshape(b, h, nc, c, d).transpose(first);
        NDArray vc = padLength(v.toType(gdt, false), pad).reshape(b, h, nc, c, dv).transpose(first);
        NDArray wc = padLength(w.toType(gdt, false), pad).reshape(b, h, nc, c, d).transpose(first);
        NDArray bc = padLength(beta.toType(gdt, false), pad).reshape(b, h, nc, c).transpose(2, 0, 1, 3);
        NDArray gc = logForget == null ? null
                : padLength(logForget.toType(gdt, false), pad).cumSum(2).reshape(b, h, nc, c)
                .transpose(2, 0, 1, 3);                                           // G per chunk, (nc,B,H,C)

        NDArray tril = Constants.lowerOnes(c, false, gdt, m);
        NDArray strict = Constants.lowerOnes(c, true, gdt, m);
        NDArray t = utTransform(wc, bc);                                          // (nc,B,H,C,C)
        NDArray qw = qc.matMul(transposeLast(wc)).mul(tril);                     // tril(Q W^T) per chunk
        NDArray wk = wc.matMul(transposeLast(kc)).mul(strict);                   // strictLower(W K^T) per chunk
        NDArray qwt = qw.matMul(t);                                               // (nc,B,H,C,C)
        NDArray intra = times(qc.matMul(transposeLast(kc)).mul(tril).sub(qwt.matMul(wk)), scale);
        if (gc != null) {
            intra = intra.add(gc.expandDims(4).sub(gc.expandDims(3)));          // G_i - G_j inside the chunk
        }
        intra = intra.add(Constants.causalBias(c, gdt, m));
        NDArray qTilde = qc.sub(qwt.matMul(wc));                                  // q_i^T H_i..H_start
        NDArray kTilde = kc.sub(transposeLast(wk).matMul(transposeLast(t)).matMul(wc)); // H_end..H_{j+1} k_j

        // the chunk products as D x D updates, made once for every chunk the scan crosses:
        // q^T P_b = q^T - q^T U_b with U_b = W_b^T T_b W_b (one matmul a step instead of three)
        NDArray u = nc > 2 ? transposeLast(wc).matMul(t).matMul(wc) : null;      // (nc,B,H,D,D)

        // online softmax state for the active query chunks, started from the diagonal blocks
        NDArray mx = intra.max(new int[] {4}, true).stopGradient();              // (nc,B,H,C,1)
        NDArray p = intra.sub(mx).exp();
        NDArray norm = p.sum(new int[] {4}, true);                                // (nc,B,H,C,1)
        NDArray acc = p.matMul(vc);                                               // (nc,B,H,C,Dv)
        NDArray qRun = qTilde;
        NDList done = new NDList();
        // Each step's temporaries live in `scope`, closed when the step ends, so the forward pass keeps O(L C)
        // memory. Closing a handle is safe under autograd: the graph keeps its own references to what it saves.
        NDManager scope = m.newSubManager();
        for (NDArray x : new NDArray[] {acc, norm, mx, qRun}) {
            x.attach(scope);
        }
        for (long step = 1; step < nc; step++) {
            // query chunk step-1 has seen all its keys; the active ones are a = step..nc-1
            NDArray finished = acc.get("0:1").div(norm.get("0:1"));
            finished.attach(m);
            done.add(finished);
            acc = acc.get("1:");
            norm = norm.get("1:");
            mx = mx.get("1:");
            qRun = qRun.get("1:");
            NDIndex keyChunks = new NDIndex(":{}", nc - step);                    // b = a - step
            NDArray kb = inScope(scope, kTilde.get(keyChunks)), vb = inScope(scope, vc.get(keyChunks));
            NDArray sc = times(qRun.matMul(transposeLast(kb)), scale);             // (nc-step,B,H,C,C)
            if (gc != null) {
                NDArray gq = inScope(scope, gc.get("{}:", step)), gk = inScope(scope, gc.get(keyChunks));
                sc = sc.add(gq.expandDims(4).sub(gk.expandDims(3)));
            }
            NDArray mNew = NDArrays.maximum(mx, sc.max(new int[] {4}, true)).stopGradient();
            NDArray alpha = mx.sub(mNew).exp();
            NDArray pb = sc.sub(mNew).exp();
            norm = norm.mul(alpha).add(pb.sum(new int[] {4}, true));
            acc = acc.mul(alpha).add(pb.matMul(vb));
            mx = mNew;
            if (step < nc - 1) {
                NDArray ub = inScope(scope, u.get(keyChunks));
                qRun = qRun.sub(qRun.matMul(ub));                                 // q^T <- q^T P_b
            }
            NDManager next = m.newSubManager();
            for (NDArray x : new NDArray[] {acc, norm, mx, qRun}) {
                x.attach(next);
            }
            scope.close();
            scope = next;
        }
        NDArray last = acc.div(norm);
        last.attach(m);
        done.add(last);
        scope.close();
        NDArray all = done.size() == 1 ? done.get(0) : NDArrays.concat(done, 0);  // (nc,B,H,C,Dv)
        NDArray out = all.transpose(1, 2, 0, 3, 4).reshape(b, h, nc * c, dv);    // -> (B,H,nc,C,Dv) -> (B,H,N,Dv)
        if (pad > 0) {
            out = out.get(":, :, :{}", len);
        }
        return out.toType(v.getDataType(), false);
    }

    // ---- kinds that need no sink: un-normalised rows, a place to put nothing, a sink slot, a window ----------

    /**
     * Sigmoid attention (Ramapuram et al. 2024, arXiv 2409.04431; the un-normalised variant of Gu et al. 2025,
     * arXiv 2410.10781): {@code a_ij = sigmoid(scale q_i.k_j + b)} for j&lt;=i, 0 above, and
     * {@code o_i = sum_{j<=i} a_ij v_j}. Every weight is in (0, 1) on its own; rows are not normalised, so a query
     * that wants nothing can give every key a small weight instead of dumping the mass on one token.
     * {@code b = -log n} (n the training context) keeps a row's total near 1 at the start of training.
     *
     * @param bias b, a fixed number
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray sigmoid(NDArray q, NDArray k, NDArray v, float scale, float bias) {
        checkQkv(q, k, v);
        return sigmoidWeights(q, k, scale, bias).matMul(v);                       // (B,H,L,L) x (B,H,L,Dv)
    }

    /**
     * The weights of {@link #sigmoid}: {@code sigmoid(scale q_i.k_j + b)} for j&lt;=i, 0 above the diagonal.
     *
     * @return {@code [B, H, L, L]}; row i sums to anything in (0, i+1)
     */
    public static NDArray sigmoidWeights(NDArray q, NDArray k, float scale, float bias) {
        long len = q.getShape().get(2);
        NDArray s = dotLogits(q, k, scale);                                       // (B,H,L,L)
        NDArray b = Constants.scalar(bias, s.getDataType(), s.getDevice(), s.getManager());
        return Activation.sigmoid(s.add(b)).mul(Constants.lowerOnes(len, false, s.getDataType(), s.getManager()));
    }

    /**
     * Softmax with an extra zero logit ("softmax off by one", a built-in place to put nothing):
     * {@code a_ij = e^{s_ij} / (1 + sum_{j'<=i} e^{s_ij'})}, {@code s_ij = scale q_i.k_j}, and
     * {@code o_i = sum_{j<=i} a_ij v_j}. The missing {@code 1 / (1 + sum e^s)} of each row is the weight of a
     * key whose logit is 0 and whose value is 0. Computed as a softmax over {@code [0, s_i0 .. s_ii]} with the
     * first column dropped (stable for any logit size); {@link #softmaxZeroReference} writes the formula out.
     *
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray softmaxZero(NDArray q, NDArray k, NDArray v, float scale) {
        checkQkv(q, k, v);
        return softmaxZeroWeights(q, k, scale).matMul(v);                         // (B,H,L,L) x (B,H,L,Dv)
    }

    /**
     * The weights of {@link #softmaxZero}: {@code e^{s_ij} / (1 + sum_{j'<=i} e^{s_ij'})}, 0 above the diagonal.
     *
     * @return {@code [B, H, L, L]}; every row sums to less than 1
     */
    public static NDArray softmaxZeroWeights(NDArray q, NDArray k, float scale) {
        NDArray s = dotLogits(q, k, scale);                                       // (B,H,L,L)
        Shape sh = s.getShape();
        NDArray zero = s.getManager().zeros(new Shape(sh.get(0), sh.get(1), sh.get(2), 1), s.getDataType());
        return withSlotSoftmax(zero, s).get(new NDIndex("..., 1:"));
    }

    /**
     * {@link #softmaxZero}, the formula written out: with {@code m_i = max(0, max_{j<=i} s_ij)} (held constant for
     * the gradient), {@code a_ij = e^{s_ij - m_i} / (e^{-m_i} + sum_{j'<=i} e^{s_ij' - m_i})},
     * {@code o = a v}.
     */
    public static NDArray softmaxZeroReference(NDArray q, NDArray k, NDArray v, float scale) {
        checkQkv(q, k, v);
        long len = q.getShape().get(2);
        NDArray s = dotLogits(q, k, scale)
                .add(causalBias(q.getManager(), len, q.getDataType()));         // -inf above the diagonal
        NDArray m = s.max(new int[] {3}, true).stopGradient().maximum(0f);        // (B,H,L,1), >= 0
        NDArray p = s.sub(m).exp();
        NDArray z = p.sum(new int[] {3}, true).add(m.neg().exp());
        return p.div(z).matMul(v);
    }

    /**
     * Softmax attention with a learnable sink slot per head (Gu et al. 2025's learnable key/value bias; Xiao et al.
     * 2024's sink token, as a slot instead of a token): every query i also sees a key {@code k*} and value
     * {@code v*} of its head, with logit {@code sigma_i = scale q_i.k*}. With
     * {@code Z_i = e^{sigma_i} + sum_{j<=i} e^{s_ij}}: the slot's weight {@code a_i* = e^{sigma_i} / Z_i}, the real
     * keys' {@code a_ij = e^{s_ij} / Z_i}, and {@code o_i = a_i* v* + sum_{j<=i} a_ij v_j}. (RoPE: q is rotated at
     * its position, the slot key is not, so the slot sits at position 0.) {@code k* = 0, v* = 0} is
     * {@link #softmaxZero}. Computed as one softmax over {@code [sigma_i, s_i0 .. s_ii]} and one product with
     * {@code [v*; v]}; {@link #sinkKvReference} writes the formula out.
     *
     * @param sinkK {@code [H, D]}, one key per head
     * @param sinkV {@code [H, Dv]}, one value per head
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray sinkKv(NDArray q, NDArray k, NDArray v, NDArray sinkK, NDArray sinkV, float scale) {
        checkSink(q, k, v, sinkK, sinkV);
        Shape vs = v.getShape();
        NDArray vStar = sinkV.reshape(1, vs.get(1), 1, vs.get(3)).broadcast(vs.get(0), vs.get(1), 1, vs.get(3));
        return sinkKvWeights(q, k, sinkK, scale).matMul(vStar.concat(v, 2));     // (B,H,L,1+L) x (B,H,1+L,Dv)
    }

    /**
     * The weights of {@link #sinkKv}, slot first: column 0 is the slot's {@code a_i*}, columns 1..L the real keys'
     * {@code a_ij} (0 above the diagonal); every row sums to 1.
     *
     * @param sinkK {@code [H, D]}
     * @return {@code [B, H, L, 1+L]}
     */
    public static NDArray sinkKvWeights(NDArray q, NDArray k, NDArray sinkK, float scale) {
        checkSink(q, k, null, sinkK, null);
        Shape qs = q.getShape();
        NDArray sigma = times(q.matMul(sinkK.reshape(1, qs.get(1), qs.get(3), 1)), scale);   // (B,H,L,D) x (1,H,D,1)
        return withSlotSoftmax(sigma, dotLogits(q, k, scale));
    }

    /** {@link #sinkKv}, the formula written out with the running maximum {@code m_i = max(sigma_i, max_j s_ij)}. */
    public static NDArray sinkKvReference(NDArray q, NDArray k, NDArray v, NDArray sinkK, NDArray sinkV,
                                          float scale) {
        checkSink(q, k, v, sinkK, sinkV);
        Shape qs = q.getShape();
        long len = qs.get(2);
        NDArray sigma = times(q.mul(sinkK.reshape(1, qs.get(1), 1, qs.get(3))).sum(new int[] {3}, true), scale);
        NDArray s = dotLogits(q, k, scale).add(causalBias(q.getManager(), len, q.getDataType()));
        NDArray m = NDArrays.maximum(s.max(new int[] {3}, true), sigma).stopGradient();          // (B,H,L,1)
        NDArray pStar = sigma.sub(m).exp();
        NDArray p = s.sub(m).exp();
        NDArray z = p.sum(new int[] {3}, true).add(pStar);
        NDArray vStar = sinkV.reshape(1, qs.get(1), 1, v.getShape().get(3));
        return p.matMul(v).add(pStar.mul(vStar)).div(z);
    }

    /** Softmax over {@code [slot | causally masked logits]}: {@code [B,H,L,1]} and {@code [B,H,L,L]} -> {@code [B,H,L,1+L]}. */
    private static NDArray withSlotSoftmax(NDArray slot, NDArray logits) {
        long len = logits.getShape().get(3);
        NDArray masked = logits.add(Constants.causalBias(len, logits.getDataType(), logits.getManager()));
        return slot.concat(masked, 3).softmax(-1);
    }

    /**
     * Sliding-window causal softmax attention: query i sees keys {@code i-W+1 .. i} only,
     * {@code o_i = sum_{max(0,i-W+1) <= j <= i} softmax_j(scale q_i.k_j) v_j}. W = 1 attends to the token alone;
     * W &gt;= L is {@link #softmax}. The band is applied by adding a cached {@link #windowBias}.
     *
     * @param window W &gt;= 1
     * @return {@code [B, H, L, Dv]}
     */
    public static NDArray windowSoftmax(NDArray q, NDArray k, NDArray v, float scale, int window) {
        checkQkv(q, k, v);
        return windowWeights(q, k, scale, window).matMul(v);                     // (B,H,L,L) x (B,H,L,Dv)
    }

    /**
     * The weights of {@link #windowSoftmax}: {@code softmax_j(scale q_i.k_j)} over {@code i-W < j <= i}, 0 elsewhere.
     *
     * @return {@code [B, H, L, L]}
     */
    public static NDArray windowWeights(NDArray q, NDArray k, float scale, int window) {
        checkWindow(window);
        NDArray s = dotLogits(q, k, scale);
        long len = s.getShape().get(3);
        return s.add(Constants.windowBias(len, window, s.getDataType(), s.getManager())).softmax(-1);
    }

    /**
     * Additive {@code [L, L]} band bias: 0 where {@code i-W < j <= i}, -inf elsewhere (built per call; the ops use
     * a cached copy).
     */
    public static NDArray windowBias(NDManager manager, long length, int window, DataType dataType) {
        checkWindow(window);
        NDArray pos = manager.arange(0, (int) length, 1, DataType.INT32);
        NDArray row = pos.reshape(length, 1);
        NDArray col = pos.reshape(1, length);
        NDArray inBand = col.lte(row).logicalAnd(col.gt(row.sub(window)));
        NDArray zeros = manager.zeros(new Shape(length, length), dataType);
        NDArray negInf = manager.full(new Shape(length, length), Float.NEGATIVE_INFINITY, dataType);
        return NDArrays.where(inBand, zeros, negInf);
    }

    static void checkWindow(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("a window must hold at least the query's own token: window >= 1; got "
                    + "window=" + window);
        }
    }

    /** q, k, v as {@link #checkQkv}; the slot's key {@code [H, D]} and value {@code [H, Dv]} per head. */
    static void checkSink(NDArray q, NDArray k, NDArray v, NDArray sinkK, NDArray sinkV) {
        checkQkv(q, k, v);
        Shape qs = q.getShape();
        Shape want = new Shape(qs.get(1), qs.get(3));
        if (sinkK == null || !sinkK.getShape().equals(want)) {
            throw new IllegalArgumentException("sinkK must be [heads, headDim] = " + want + " for q " + qs + "; got "
                    + (sinkK == null ? "null" : sinkK.getShape()));
        }
        if (v != null) {
            Shape wantV = new Shape(qs.get(1), v.getShape().get(3));
            if (sinkV == null || !sinkV.getShape().equals(wantV)) {
                throw new IllegalArgumentException("sinkV must be [heads, headDimV] = " + wantV + " for v "
                        + v.getShape() + "; got " + (sinkV == null ? "null" : sinkV.getShape()));
            }
        }
    }

    private static NDArray inScope(NDManager scope, NDArray x) {
        x.attach(scope);
        return x;
    }

    /** Concatenates along axis 2; a single array is returned as is (DJL's concat of one array copies it off the autograd graph). */
    private static NDArray concatLength(NDList parts) {
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 2);
    }

    /** Appends {@code pad} zeros along axis 2 (length) of a {@code [B, H, L, ...]} array. */
    private static NDArray padLength(NDArray x, long pad) {
        if (pad == 0) {
            return x;
        }
        long[] dims = x.getShape().getShape().clone();
        dims[2] = pad;
        return x.concat(x.getManager().zeros(new Shape(dims), x.getDataType()), 2);
    }

    /** 0/1 {@code [n, n]} lower-triangular matrix: {@code j <= i}, or {@code j < i} when strict. */
    static NDArray lowerOnes(NDManager manager, long n, boolean strict, DataType dataType) {
        NDArray pos = manager.arange(0, (int) n, 1, DataType.INT32);
        NDArray row = pos.reshape(n, 1);
        NDArray col = pos.reshape(1, n);
        return (strict ? col.lt(row) : col.lte(row)).toType(dataType, false);
    }

    /**
     * {@code x * s}, with {@code s} as a 0-d array the engine allocates. Use it instead of {@code x.mul(number)}
     * wherever gradients flow: DJL's PyTorch engine (0.35.1) implements {@code mul(Number)} by wrapping the number
     * in a Java direct buffer, multiplying and closing the wrapper, while autograd keeps that tensor for the
     * backward pass; once the garbage collector frees the buffer the backward pass reads whatever is there, so
     * gradients come out wrong at random (seen as wrong gradient norms in the PyTorch cross-check). The scalar is
     * cached ({@link Constants}), so this is one op.
     */
    static NDArray times(NDArray x, double s) {
        return x.mul(Constants.scalar(s, x.getDataType(), x.getDevice(), x.getManager()));
    }

    /**
     * {@code x + s} with {@code s} a cached 0-d float32 array: the numbers of {@code x.add((float) s)}, which makes
     * (and frees) that 0-d array on every call.
     */
    public static NDArray plus(NDArray x, float s) {
        return x.add(Constants.scalar(s, DataType.FLOAT32, x.getDevice(), x.getManager()));
    }

    /** Swaps the last two axes. */
    static NDArray transposeLast(NDArray x) {
        int nd = x.getShape().dimension();
        int[] axes = new int[nd];
        for (int i = 0; i < nd; i++) {
            axes[i] = i;
        }
        axes[nd - 2] = nd - 1;
        axes[nd - 1] = nd - 2;
        return x.transpose(axes);
    }

    /** w, beta and gates are kept in at least float32 (float64 stays float64). */
    static DataType gateType(DataType dataType) {
        return dataType == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
    }

    static Shape lengthShape(Shape qShape) {
        return new Shape(qShape.get(0), qShape.get(1), qShape.get(2));
    }

    static void checkChunkSize(String op, int chunkSize) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException(op + " needs chunkSize >= 1; got chunkSize=" + chunkSize);
        }
    }

    /** A per-token gate or coefficient must be {@code [batch, heads, length]} matching q. */
    static void checkPerToken(String name, NDArray x, Shape qShape) {
        Shape want = lengthShape(qShape);
        if (!x.getShape().equals(want)) {
            throw new IllegalArgumentException(name + " must be [batch, heads, length] = " + want + " for q "
                    + qShape + "; got " + name + " " + x.getShape());
        }
    }

    /** The shape contract of {@link #path}: q, k, w {@code [B,H,L,D]}; v {@code [B,H,L,Dv]}; beta, logForget {@code [B,H,L]}. */
    static void checkPath(NDArray q, NDArray k, NDArray v, NDArray w, NDArray beta, NDArray logForget) {
        checkQkv(q, k, v);
        if (w == null || beta == null) {
            throw new IllegalArgumentException("PaTH needs w [batch, heads, length, headDim] and beta "
                    + "[batch, heads, length]; got w " + (w == null ? "null" : w.getShape()) + ", beta "
                    + (beta == null ? "null" : beta.getShape()));
        }
        if (!w.getShape().equals(q.getShape())) {
            throw new IllegalArgumentException("w must have the shape of q and k " + q.getShape() + "; got w "
                    + w.getShape());
        }
        checkPerToken("beta", beta, q.getShape());
        if (logForget != null) {
            checkPerToken("logForget", logForget, q.getShape());
        }
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
