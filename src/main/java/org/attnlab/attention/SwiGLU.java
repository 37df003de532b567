package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.attnlab.WeightInit;

/**
 * The gated MLP of LLaMA/Qwen: {@code y = Down(SiLU(Gate(x)) * Up(x))}, no biases. Parameters {@code gate, up}
 * {@code [dModel, width]} and {@code down} {@code [width, dModel]}: {@code 3 dModel width} in all.
 * It lives in {@code attention/} because the MLP variant ({@link MlpInPlaceOfAttention}) is built from it; the
 * model's {@code TransformerBlock} uses it from here.
 */
public final class SwiGLU extends Mlp {

    private final int dModel;
    private final int width;
    private final Parameter gate;
    private final Parameter up;
    private final Parameter down;

    public SwiGLU(int dModel, int width) {
        if (dModel <= 0 || width <= 0) {
            throw new IllegalArgumentException("SwiGLU needs dModel > 0 and width > 0; got dModel=" + dModel
                    + ", width=" + width);
        }
        this.dModel = dModel;
        this.width = width;
        gate = weight("gate", dModel, width);
        up = weight("up", dModel, width);
        down = weight("down", width, dModel);
    }

    /**
     * The width whose parameter count {@code 3 dModel width} is closest to {@code parameters}: for standard
     * attention's {@code 4 dModel^2} it is {@code round(4 dModel / 3)}.
     */
    public static int matchedWidth(long parameters, int dModel) {
        return (int) Math.max(1, Math.round(parameters / (3.0 * dModel)));
    }

    /** {@code 3 dModel width}. */
    public long parameterCount() {
        return 3L * dModel * width;
    }

    @Override
    public int width() {
        return width;
    }

    /** {@code [.., dModel] -> [.., dModel]}. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray g = x.matMul(ps.getValue(gate, x.getDevice(), training));        // (.., width)
        NDArray u = x.matMul(ps.getValue(up, x.getDevice(), training));
        return g.mul(Activation.sigmoid(g)).mul(u).matMul(ps.getValue(down, x.getDevice(), training));
    }

    private Parameter weight(String name, long rows, long cols) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(rows, cols)).optInitializer(WeightInit.normal(0.02f)).build());
    }
}
