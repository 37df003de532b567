package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.attnlab.WeightInit;

/**
 * GPT-2's MLP, {@code y = GELU(x W1) W2}, no biases: {@code w1 [dModel, width]}, {@code w2 [width, dModel]}, GELU
 * the exact (erf) form, as PyTorch's default {@code F.gelu}. The iteration-heads paper's model (Cabannes et al.
 * 2024) uses it with {@code width = 4 dModel}, and so does {@code ParityCotExperiment}'s paper recipe: in the PyTorch
 * reference a SwiGLU MLP in its place stopped the model forming iteration heads (bench/README.md, "parity-cot: the
 * paper's recipe in PyTorch").
 */
public final class GeluMlp extends Mlp {

    private final int width;
    private final Parameter w1;
    private final Parameter w2;

    public GeluMlp(int dModel, int width) {
        if (dModel <= 0 || width <= 0) {
            throw new IllegalArgumentException("GeluMlp needs dModel > 0 and width > 0; got dModel=" + dModel
                    + ", width=" + width);
        }
        this.width = width;
        w1 = weight("w1", dModel, width);
        w2 = weight("w2", width, dModel);
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = x.matMul(ps.getValue(w1, x.getDevice(), training));
        return Activation.gelu(h).matMul(ps.getValue(w2, x.getDevice(), training));
    }

    private Parameter weight(String name, long rows, long cols) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(rows, cols)).optInitializer(WeightInit.normal(0.02f)).build());
    }
}
