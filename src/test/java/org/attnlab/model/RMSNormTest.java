package org.attnlab.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RMSNorm} (which closes its dead square early, so the allocator can reuse it) against the plain formula
 * {@code x / sqrt(mean(x^2) + eps) * gain} written out here: values and the gradients of the input and the gain,
 * bit for bit.
 */
class RMSNormTest {

    @Test
    void equalsThePlainFormulaBitForBitInValuesAndGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            RMSNorm norm = new RMSNorm(16, 1e-5f);
            norm.setInitializer(Initializer.ONES, ai.djl.nn.Parameter.Type.GAMMA);
            norm.initialize(m, DataType.FLOAT32, new Shape(3, 5, 16));
            NDArray gainValue = norm.getParameters().get("gain").getArray();
            gainValue.set(new ai.djl.ndarray.index.NDIndex(":"), m.randomUniform(0.5f, 1.5f, new Shape(16)));
            NDArray x0 = m.randomNormal(new Shape(3, 5, 16)).mul(4f);
            NDArray c = m.randomNormal(new Shape(3, 5, 16));

            float[][] fast = run(m, x0, c, gainValue, x -> norm.forward(new ParameterStore(m, false), x, true));
            float[][] plain = run(m, x0, c, gainValue, x -> {
                NDArray eps = m.create(1e-5f);
                NDArray rms = x.mul(x).mean(new int[] {-1}, true).add(eps).sqrt();
                return x.div(rms).mul(gainValue);
            });
            assertArrayEquals(plain[0], fast[0], "RMSNorm values");
            assertArrayEquals(plain[1], fast[1], "RMSNorm input gradient");
            assertArrayEquals(plain[2], fast[2], "RMSNorm gain gradient");
            assertTrue(plain[2][0] != 0f, "the gain gets a gradient");
            assertEquals(3 * 5 * 16, fast[0].length);
        }
    }

    @Test
    void wrongWidthFailsNamingBoth() {
        try (NDManager m = NDManager.newBaseManager()) {
            RMSNorm norm = new RMSNorm(8);
            norm.initialize(m, DataType.FLOAT32, new Shape(2, 8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> norm.forward(new ParameterStore(m, false), m.ones(new Shape(2, 6)), false));
            assertTrue(e.getMessage().contains("8") && e.getMessage().contains("(2, 6)"), e.getMessage());
        }
    }

    private static float[][] run(NDManager m, NDArray x0, NDArray c, NDArray gain,
                                 java.util.function.UnaryOperator<NDArray> f) {
        try (NDManager sub = m.newSubManager()) {
            NDArray x = x0.duplicate();
            x.attach(sub);
            x.setRequiresGradient(true);
            if (gain.hasGradient()) {
                gain.getGradient().subi(gain.getGradient());   // each run starts from a zero gradient
            }
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = f.apply(x);
                gc.backward(y.mul(c).sum());
            }
            return new float[][] {y.toFloatArray(), x.getGradient().toFloatArray(), gain.getGradient().toFloatArray()};
        }
    }
}
