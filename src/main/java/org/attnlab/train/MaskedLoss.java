package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Next-token loss and accuracy over the positions a mask selects. With {@code logits [B, L, V]}, integer
 * {@code targets [B, L]} and a 0/1 {@code mask [B, L]}:
 * <pre>
 *   nll_bl   = -log softmax(logits_bl)[targets_bl]
 *   loss     = sum_bl mask_bl * nll_bl / sum_bl mask_bl
 *   accuracy = sum_bl mask_bl * [argmax_v logits_blv == targets_bl] / sum_bl mask_bl
 * </pre>
 * An all-zero mask gives loss 0 and accuracy 0 (the denominator is clamped to 1).
 */
public final class MaskedLoss {

    private MaskedLoss() {
    }

    /** Mean cross-entropy over masked positions; a scalar NDArray that gradients flow through. */
    public static NDArray crossEntropy(NDArray logits, NDArray targets, NDArray mask) {
        NDArray m = mask.toType(DataType.FLOAT32, false);
        return nllSum(logits, targets, m).div(m.sum().maximum(1f));
    }

    /** {@code sum_bl mask_bl * nll_bl}, a scalar. */
    public static NDArray nllSum(NDArray logits, NDArray targets, NDArray mask) {
        check(logits, targets, mask);
        NDArray logp = logits.logSoftmax(-1);                                  // [B, L, V]
        NDArray idx = targets.toType(DataType.INT64, false).expandDims(-1);    // [B, L, 1]
        NDArray picked = logp.gather(idx, -1).squeeze(-1);                      // [B, L]
        return picked.mul(mask.toType(logp.getDataType(), false)).sum().neg();
    }

    /** {@code sum_bl mask_bl * [argmax logits_bl == targets_bl]}, a scalar. */
    public static NDArray correctSum(NDArray logits, NDArray targets, NDArray mask) {
        check(logits, targets, mask);
        NDArray hit = logits.argMax(-1).eq(targets.toType(DataType.INT64, false)); // [B, L] bool
        return hit.toType(DataType.FLOAT32, false).mul(mask.toType(DataType.FLOAT32, false)).sum();
    }

    /** Masked accuracy, a scalar in [0, 1]. */
    public static NDArray accuracy(NDArray logits, NDArray targets, NDArray mask) {
        NDArray m = mask.toType(DataType.FLOAT32, false);
        return correctSum(logits, targets, m).div(m.sum().maximum(1f));
    }

    private static void check(NDArray logits, NDArray targets, NDArray mask) {
        Shape s = logits.getShape();
        if (s.dimension() != 3) {
            throw new IllegalArgumentException("logits must be [batch, length, vocab], got " + s);
        }
        Shape bl = new Shape(s.get(0), s.get(1));
        if (!targets.getShape().equals(bl) || !mask.getShape().equals(bl)) {
            throw new IllegalArgumentException("targets " + targets.getShape() + " and mask " + mask.getShape()
                    + " must be [batch, length] = " + bl + " to match logits " + s);
        }
    }
}
