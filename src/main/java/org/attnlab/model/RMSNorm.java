package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import org.attnlab.attention.AttentionOps;

/**
 * Root-mean-square normalisation over the last axis: {@code y = x / sqrt(mean(x^2) + eps) * g}, with a learned
 * gain {@code g} ({@code [dim]}, initialised to 1) and no bias.
 *
 * <p>{@linkplain #centered Centered}, it first subtracts the mean, {@code c = x - mean(x)},
 * {@code y = c / sqrt(mean(c^2) + eps) * g}: that is LayerNorm without a bias ({@code nn.LayerNorm(d, bias=False)}),
 * the norm of GPT-2-style models such as the iteration-heads paper's ({@link ModelConfig#layerNorm()}).
 */
public final class RMSNorm extends AbstractBlock {

    private static final int[] LAST_AXIS = {-1};

    private final int dim;
    private final float eps;
    private final Parameter gain;
    private final boolean centered;

    public RMSNorm(int dim, float eps) {
        this(dim, eps, false);
    }

    /** With {@code centered}, LayerNorm without a bias (see the class comment). */
    public RMSNorm(int dim, float eps, boolean centered) {
        if (dim <= 0 || !(eps > 0)) {
            throw new IllegalArgumentException("RMSNorm needs dim > 0 and eps > 0; got dim=" + dim + ", eps=" + eps);
        }
        this.dim = dim;
        this.eps = eps;
        this.centered = centered;
        gain = addParameter(Parameter.builder().setName("gain").setType(Parameter.Type.GAMMA)
                .optShape(new Shape(dim)).optInitializer(new ConstantInitializer(1f)).build());
    }

    /** {@code eps = 1e-6}. */
    public RMSNorm(int dim) {
        this(dim, 1e-6f);
    }

    /** {@code [.., dim] -> [.., dim]}. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        if (x.getShape().get(x.getShape().dimension() - 1) != dim) {
            throw new IllegalArgumentException("RMSNorm over " + dim + " features got " + x.getShape());
        }
        if (centered) {
            x = x.sub(x.mean(LAST_AXIS, true));
        }
        NDArray rms = AttentionOps.plus(x.mul(x).mean(LAST_AXIS, true), eps).sqrt();
        return x.div(rms).mul(ps.getValue(gain, x.getDevice(), training));
    }

    /** Whether the mean is subtracted first (LayerNorm without a bias). */
    public boolean centered() {
        return centered;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[]{inputShapes[0]};
    }
}
