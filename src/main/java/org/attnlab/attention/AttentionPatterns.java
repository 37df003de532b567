package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The attention weights {@code a_ij} ({@code [B, H, L, L]}, rows summing to 1 over j &lt;= i, 0 above the
 * diagonal) of each variant in {@link AttentionOps}, so that {@code a.matMul(v)} equals the op's output. The
 * ops compute outputs without necessarily forming these (linear-time or blockwise forms); probes and
 * pattern hooks use these dense forms, which cost {@code O(L^2)} memory.
 */
public final class AttentionPatterns {

    private AttentionPatterns() {
    }

    /** Softmax: {@code a_ij = softmax_j(scale q_i.k_j)}, the same as {@link AttentionOps#softmaxWeights}. */
    public static NDArray softmax(NDArray q, NDArray k, float scale) {
        return AttentionOps.softmaxWeights(q, k, scale);
    }

    /**
     * Approximate (Taylor): {@code a_ij = (1 + s_ij + s_ij^2/2) / sum_{j'<=i} (1 + s_ij' + s_ij'^2/2)},
     * {@code s_ij = scale q_i.k_j}. The numerator is always positive ({@code 1 + s + s^2/2 = ((s+1)^2 + 1)/2}).
     */
    public static NDArray taylor(NDArray q, NDArray k, float scale) {
        NDArray s = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);               // (B,H,L,L)
        NDArray a = s.mul(s).mul(0.5).add(s).add(1.0).mul(lowerMask(q, false)); // zero above the diagonal
        return a.div(a.sum(new int[]{-1}, true));
    }

    /**
     * Non-approximate (implied weights): {@code a_ij = e^{s_j} / sum_{j'<=i} e^{s_j'}} with
     * {@code s_j = scale q_j.k_j}; every query weights key j the same way.
     */
    public static NDArray scalarScore(NDArray q, NDArray k, float scale) {
        long len = q.getShape().get(2);
        NDArray s = q.mul(k).sum(new int[]{-1}).mul(scale);                     // (B,H,L): s_j
        NDArray logits = s.expandDims(2).broadcast(s.getShape().get(0), s.getShape().get(1), len, len);
        return AttentionOps.maskedSoftmax(logits);
    }

    /**
     * FoX: {@code a_ij = softmax_j(scale q_i.k_j + sum_{s=j+1..i} logForget_s)}.
     *
     * @param logForget {@code [B, H, L]}, &lt;= 0
     */
    public static NDArray forgetting(NDArray q, NDArray k, NDArray logForget, float scale) {
        NDArray logits = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);          // (B,H,L,L)
        return AttentionOps.maskedSoftmax(logits.add(gateBias(logForget)));
    }

    /**
     * PaTH (with FoX's gate when {@code logForget} is non-null): {@code a_ij = softmax_j(scale q_i^T H_i..H_{j+1} k_j
     * [+ sum_{s=j+1..i} logForget_s])}, {@code H_t = I - beta_t w_t w_t^T}, with the logits from the UT form
     * {@code A = tril(QK^T) - tril(QW^T) (I + strictLower(D W W^T))^{-1} D strictLower(W K^T)}, {@code D = diag(beta)}.
     */
    public static NDArray path(NDArray q, NDArray k, NDArray w, NDArray beta, NDArray logForget, float scale) {
        NDArray logits = pathLogits(q, k, w, beta).mul(scale);
        if (logForget != null) {
            logits = logits.add(gateBias(logForget));
        }
        return AttentionOps.maskedSoftmax(logits);
    }

    /** The unscaled PaTH logits {@code q_i^T H_i..H_{j+1} k_j} for j &lt;= i (0 above the diagonal), {@code [B,H,L,L]}. */
    public static NDArray pathLogits(NDArray q, NDArray k, NDArray w, NDArray beta) {
        NDArray lower = lowerMask(q, false);
        NDArray strict = lowerMask(q, true);
        long len = q.getShape().get(2);
        NDArray eye = q.getManager().eye((int) len).toType(q.getDataType(), false);
        NDArray qk = q.matMul(k.transpose(0, 1, 3, 2));                          // (B,H,L,L)
        NDArray qw = q.matMul(w.transpose(0, 1, 3, 2)).mul(lower);              // q_i.w_t, t <= i
        NDArray wk = w.matMul(k.transpose(0, 1, 3, 2)).mul(strict);             // w_t.k_j, j < t
        NDArray dww = w.matMul(w.transpose(0, 1, 3, 2)).mul(beta.expandDims(3)); // beta_t w_t.w_s (rows by t)
        NDArray t = eye.add(dww.mul(strict)).inverse().mul(beta.expandDims(2));   // (I + strictLower(DWW^T))^-1 D
        return qk.mul(lower).sub(qw.matMul(t).matMul(wk));
    }

    /** {@code [B,H,L,L]} additive gate term {@code c_i - c_j}, {@code c = cumsum(logForget)}: the sum over s in (j, i]. */
    static NDArray gateBias(NDArray logForget) {
        NDArray c = logForget.cumSum(2);                                         // (B,H,L)
        return c.expandDims(3).sub(c.expandDims(2));                             // (B,H,L,1) - (B,H,1,L)
    }

    /** {@code [L, L]} float mask: 1 where j &lt;= i (j &lt; i when strict), else 0, in q's dtype. */
    static NDArray lowerMask(NDArray like, boolean strict) {
        NDManager m = like.getManager();
        long len = like.getShape().get(2);
        NDArray pos = m.arange(0, (int) len, 1, DataType.INT32);
        NDArray mask = strict ? pos.reshape(1, len).lt(pos.reshape(len, 1)) : pos.reshape(1, len).lte(pos.reshape(len, 1));
        return mask.toType(like.getDataType(), false);
    }
}
