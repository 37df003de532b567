package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A block's position-wise MLP, {@code [.., dModel] -> [.., dModel]}: {@link SwiGLU} (the
 * default) or {@link GeluMlp} ({@code ModelConfig.geluMlp}).
 */
public abstract class Mlp extends AbstractBlock {

    /** {@code [.., dModel] -> [.., dModel]}. */
    public abstract NDArray forward(ParameterStore ps, NDArray x, boolean training);

    /** Hidden width. */
    public abstract int width();

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
