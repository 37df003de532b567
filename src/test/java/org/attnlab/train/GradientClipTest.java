package org.attnlab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class GradientClipTest {

    private static Parameter param(NDManager m, String name, float... values) {
        NDArray a = m.create(values);
        a.setRequiresGradient(true);
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optArray(a).build();
    }

    /** Gradients (3, 0) and (0, 4): global norm 5. */
    private static List<Parameter> withGradients(NDManager m) {
        Parameter a = param(m, "a", 1f, 1f);
        Parameter b = param(m, "b", 1f, 1f);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = a.getArray().mul(m.create(new float[] {3f, 0f})).sum()
                    .add(b.getArray().mul(m.create(new float[] {0f, 4f})).sum());
            gc.backward(loss);
        }
        return List.of(a, b);
    }

    @Test
    void clipsTheGlobalNormAndKeepsTheDirection() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<Parameter> ps = withGradients(m);
            assertEquals(5.0, GradientClip.globalNorm(ps), 1e-6);
            double before = GradientClip.clip(ps, 1.0);
            assertEquals(5.0, before, 1e-6);
            assertEquals(1.0, GradientClip.globalNorm(ps), 1e-5);
            assertArrayEquals(new float[] {0.6f, 0f}, ps.get(0).getArray().getGradient().toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {0f, 0.8f}, ps.get(1).getArray().getGradient().toFloatArray(), 1e-5f);
        }
    }

    @Test
    void leavesSmallGradientsAloneAndZeroMeansOff() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<Parameter> ps = withGradients(m);
            GradientClip.clip(ps, 10.0);
            assertEquals(5.0, GradientClip.globalNorm(ps), 1e-6);
            GradientClip.clip(ps, 0.0);
            assertEquals(5.0, GradientClip.globalNorm(ps), 1e-6);
        }
    }
}
