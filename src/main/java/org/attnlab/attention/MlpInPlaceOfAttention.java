package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

/**
 * The <i>MLP</i> variant: no token mixing. Attention is replaced by a gated MLP {@code Down(SiLU(Gate(H)) * Up(H))}
 * whose width makes its parameter count equal to the standard attention block's {@code 4 dModel^2}:
 * {@code width = round(4 dModel / 3)} (see {@link SwiGLU#matchedWidth}). Each token sees only itself, so it has
 * no pattern and no {@code z} hook.
 */
public final class MlpInPlaceOfAttention extends AttentionBlock {

    private final SwiGLU mlp;

    public MlpInPlaceOfAttention(AttentionConfig config) {
        super(AttentionKind.MLP, config);
        int width = SwiGLU.matchedWidth(standardParameterCount(config.dModel()), config.dModel());
        mlp = addChildBlock("mlp", new SwiGLU(config.dModel(), width));
    }

    /** The hidden width chosen to match the attention block's parameter count. */
    public int width() {
        return mlp.width();
    }

    @Override
    protected NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        return mlp.forward(ps, input.hidden(), training);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        mlp.initialize(manager, dataType, inputShapes);
    }

}
