package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

import java.util.List;

/**
 * Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}:
 * <pre>
 *   n = sqrt( sum_p ||g_p||^2 )          over all parameters p
 *   if n &gt; c:  g_p = g_p * c / (n + 1e-6)   for every p
 * </pre>
 * so afterwards the global norm is at most {@code c} and the direction of the full gradient is unchanged.
 */
public final class GradientClip {

    private GradientClip() {
    }

    /**
     * The factor {@link #clip} multiplies the gradients by: {@code c / (n + 1e-6)} in float when {@code n > c},
     * else 1 (also for {@code c} 0 or infinite: no clipping). {@code AdamW.update(lr, scale)} applies it in the
     * update instead of in place, with the same result.
     */
    public static float scale(double norm, double maxNorm) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("maxNorm=" + maxNorm + " must be >= 0 (0 = no clipping)");
        }
        return maxNorm > 0 && Double.isFinite(maxNorm) && norm > maxNorm ? (float) (maxNorm / (norm + 1e-6)) : 1f;
    }

    /**
     * {@code sqrt(sum_p ||g_p||^2)} over the gradients of {@code params}; computed in the gradients' type. The plain
     * form (two ops per array): {@code Trainer.step} reads the same number from {@link AdamW#gatherGradients()}, bit
     * for bit where libtorch's ops make it, to within float rounding where the CPU's Java loop sums the squares in
     * double.
     */
    public static double globalNorm(List<Parameter> params) {
        return clip(params, Double.POSITIVE_INFINITY);
    }

    /**
     * {@code ||g||^2} of one gradient as a 0-d array, the term {@link #globalNorm} sums: {@code g.square().sum()},
     * the square closed at once (dead: its memory goes back to the allocator, still in cache, for the next one).
     */
    static NDArray sumOfSquares(NDArray g) {
        NDArray sq = g.square();
        NDArray sum = sq.sum();
        sq.close();
        return sum;
    }

    /**
     * Scales all gradients in place so their global norm is at most {@code maxNorm}; 0 or infinity means no
     * clipping.
     *
     * @return the global norm before clipping (NaN or infinite if a gradient is)
     */
    public static double clip(List<Parameter> params, double maxNorm) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("maxNorm=" + maxNorm + " must be >= 0 (0 = no clipping)");
        }
        if (params.isEmpty()) {
            throw new IllegalArgumentException("no parameters to clip");
        }
        try (NDManager scratch = params.get(0).getArray().getManager().newSubManager()) {
            NDList squares = new NDList(params.size());
            NDArray[] grads = new NDArray[params.size()];
            for (int i = 0; i < grads.length; i++) {
                grads[i] = params.get(i).getArray().getGradient();
                grads[i].attach(scratch); // close the wrapper with scratch; the gradient storage stays
                squares.add(sumOfSquares(grads[i]));
            }
            double norm = NDArrays.stack(squares).sum().sqrt().toType(DataType.FLOAT64, false).getDouble();
            float scale = scale(norm, maxNorm);
            if (scale != 1f) {
                for (NDArray g : grads) {
                    g.muli(scale);
                }
            }
            return norm;
        }
    }
}
