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

    /** {@code sqrt(sum_p ||g_p||^2)} over the gradients of {@code params}; computed in the gradients' type. */
    public static double globalNorm(List<Parameter> params) {
        return clip(params, Double.POSITIVE_INFINITY);
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
                squares.add(grads[i].square().sum());
            }
            double norm = NDArrays.stack(squares).sum().sqrt().toType(DataType.FLOAT64, false).getDouble();
            if (maxNorm > 0 && Double.isFinite(maxNorm) && norm > maxNorm) {
                float scale = (float) (maxNorm / (norm + 1e-6));
                for (NDArray g : grads) {
                    g.muli(scale);
                }
            }
            return norm;
        }
    }
}
