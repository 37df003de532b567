package org.attnlab.attention;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Gradients must not depend on what the garbage collector does between the forward and the backward pass.
 * DJL's PyTorch engine backs {@code x.mul(number)} by a Java direct buffer that it frees after the op while autograd
 * still holds the tensor; the ops therefore scale with {@link AttentionOps#times}. Each case runs forward, churns
 * the collector and the direct-buffer allocator (which reuses the freed memory), then backward, and compares with
 * the gradient of an undisturbed run.
 */
class GradientsSurviveGcTest {

    private static final float SCALE = 0.35f;

    @Test
    void timesKeepsItsScalarAlive() {
        check(x -> AttentionOps.times(x, 3.0), new Shape(2, 3));
    }

    @Test
    void softmaxAttention() {
        check(x -> AttentionOps.softmax(x, x.mul(x), x, SCALE), new Shape(1, 2, 6, 4));
    }

    @Test
    void theKindsAgainstSinks() {
        check(x -> AttentionOps.sigmoid(x, x.mul(x), x, SCALE, -1.3f), new Shape(1, 2, 6, 4));
        check(x -> AttentionOps.softmaxZero(x, x.mul(x), x, SCALE), new Shape(1, 2, 6, 4));
        check(x -> AttentionOps.sinkKv(x, x.mul(x), x, x.get("0, :, 0, :"), x.get("0, :, 1, :"), SCALE),
                new Shape(1, 2, 6, 4));
        check(x -> AttentionOps.windowSoftmax(x, x.mul(x), x, SCALE, 2), new Shape(1, 2, 6, 4));
    }

    @Test
    void pathChunked() {
        check(x -> {
            NDArray w = x.div(x.mul(x).sum(new int[] {3}, true).sqrt());
            NDArray beta = x.get(":, :, :, 0").getManager().full(new Shape(1, 2, 6), 1.5f);
            return AttentionOps.pathChunked(x, x.mul(x), x, w, beta, null, SCALE, 4);
        }, new Shape(1, 2, 6, 4));
    }

    private static void check(Function<NDArray, NDArray> f, Shape shape) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(3);
            NDArray x0 = m.randomNormal(shape);
            float[] calm = gradient(m, x0, f, false);
            float[] churned = gradient(m, x0, f, true);
            assertArrayEquals(calm, churned, 1e-6f, "gradient changed after garbage collection");
        }
    }

    private static float[] gradient(NDManager parent, NDArray x0, Function<NDArray, NDArray> f, boolean churn) {
        try (NDManager m = parent.newSubManager()) {
            NDArray x = x0.duplicate();
            x.attach(m);
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = f.apply(x);
                NDArray loss = y.mul(y).sum();
                if (churn) {
                    churn();
                }
                gc.backward(loss);
            }
            return x.getGradient().toFloatArray();
        }
    }

    /** Collects garbage and fills freshly allocated direct buffers, so freed native memory gets overwritten. */
    private static void churn() {
        for (int i = 0; i < 40; i++) {
            System.gc();
            ByteBuffer b = ByteBuffer.allocateDirect(4 * (1 + i % 4));
            while (b.hasRemaining()) {
                b.put((byte) 0x7f);
            }
        }
    }
}
