package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class ThreadGradientsTest {

    private static float[] random(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** d/dx sum(x * c) = c, accumulated into x's gradient. */
    private static void backwardOf(NDArray x, float[] c) {
        try (NDManager sub = x.getManager().newSubManager(); ThreadGradients g = ThreadGradients.record()) {
            g.backward(x.mul(sub.create(c, x.getShape())).sum());
        }
    }

    @Test
    void setToNoneDropsTheGradientAndKeepsTheLeaf() {
        Shape s = new Shape(3, 5);
        float[] values = random(15, 1);
        float[] c1 = random(15, 2);
        float[] c2 = random(15, 3);
        float[] sum = new float[15];
        for (int i = 0; i < 15; i++) {
            sum[i] = c1[i] + c2[i];
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray kept = m.create(values, s);
            NDArray x = m.create(values, s);
            kept.setRequiresGradient(true);
            x.setRequiresGradient(true);
            x.setName("w");
            String uid = x.getUid();
            backwardOf(kept, c1);
            backwardOf(x, c1);
            NDArray before = x.getGradient(); // a handle to the first gradient, taken before it is dropped

            ThreadGradients.setToNone(x);
            assertNull(JniUtils.getGradient((PtNDArray) x), "no gradient after setToNone");
            assertArrayEquals(new float[15], x.getGradient().toFloatArray(), "an undefined gradient reads as zeros");
            assertArrayEquals(values, x.toFloatArray(), "values");
            assertEquals(s, x.getShape());
            assertEquals("w", x.getName());
            assertEquals(uid, x.getUid());
            assertArrayEquals(c1, before.toFloatArray(), "a handle taken before still reads the old gradient");

            backwardOf(kept, c2);
            backwardOf(x, c2);
            assertArrayEquals(sum, kept.getGradient().toFloatArray(), "kept: gradients accumulate");
            assertArrayEquals(c2, x.getGradient().toFloatArray(), "after setToNone: the new gradient alone");

            // in place updates reach the same storage the model reads
            x.subi(m.ones(s));
            float[] expected = new float[15];
            for (int i = 0; i < 15; i++) {
                expected[i] = values[i] - 1;
            }
            assertArrayEquals(expected, x.toFloatArray());
        }
    }

    @Test
    void aReleasedLeafIsFreedWithItsManager() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDManager sub = m.newSubManager();
            NDArray x = sub.create(random(8, 4), new Shape(8));
            x.setRequiresGradient(true);
            backwardOf(x, random(8, 5));
            ThreadGradients.setToNone(x);
            ThreadGradients.setToNone(x); // twice: nothing to drop, still fine
            assertTrue(JniUtils.requiresGrad((PtNDArray) x));
            sub.close();
            assertTrue(x.isReleased(), "closed with its manager");
        }
    }
}
