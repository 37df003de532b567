package org.attnlab.attention;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast paths against their plain references, bit for bit, outputs and gradients: RoPE from cached tables
 * against tables built per call and halves rotated one by one, the cached causal bias ({@link Constants}) against
 * one built per call (at more lengths than are kept exactly, so the sliced views are tested too), and the
 * chunk-first blockwise PaTH against its first form.
 */
class FastPathsTest {

    private static final int LENGTHS = Constants.EXACT_SIZES + 5;

    /** {@code [f(x), dLoss/dx]} with loss {@code sum(f(x) * c)} for a fixed c, as float arrays. */
    private static float[][] valueAndGradient(NDManager m, NDArray x0, UnaryOperator<NDArray> f) {
        try (NDManager sub = m.newSubManager()) {
            NDArray x = x0.duplicate();
            x.attach(sub);
            x.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = f.apply(x);
                NDArray c = sub.arange(0, (int) y.size(), 1, y.getDataType()).reshape(y.getShape()).sin();
                gc.backward(y.mul(c).sum());
            }
            return new float[][] {y.toType(DataType.FLOAT32, false).toFloatArray(),
                    x.getGradient().toType(DataType.FLOAT32, false).toFloatArray()};
        }
    }

    @Test
    void ropeEqualsItsReferenceBitForBitInValuesAndGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (DataType dt : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                for (int len = 1; len <= LENGTHS; len++) {
                    for (int d : new int[] {2, 8}) {
                        m.getEngine().setRandomSeed(len * 31 + d);
                        NDArray x = m.randomNormal(new Shape(2, 3, len, d)).mul(3f).toType(dt, false);
                        float[][] fast = valueAndGradient(m, x, a -> AttentionOps.rope(a, 10000f));
                        float[][] ref = valueAndGradient(m, x, a -> AttentionOps.ropeReference(a, 10000f));
                        String at = " at L=" + len + ", D=" + d + ", " + dt;
                        assertArrayEquals(ref[0], fast[0], "rope" + at);
                        assertArrayEquals(ref[1], fast[1], "rope gradient" + at);
                    }
                }
            }
            // another base is another table
            NDArray x = m.randomNormal(new Shape(1, 1, 5, 4));
            assertArrayEquals(AttentionOps.ropeReference(x, 500f).toFloatArray(), AttentionOps.rope(x, 500f).toFloatArray());
            assertTrue(AttentionOps.rope(x, 500f).sub(AttentionOps.rope(x, 10000f)).abs().max().getFloat() > 1e-3);
        }
    }

    @Test
    void softmaxWeightsWithEarlyClosesEqualTheReferenceBitForBitInValuesAndGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int len : new int[] {1, 5, 17}) {
                m.getEngine().setRandomSeed(len);
                NDArray qk = m.randomNormal(new Shape(2, 2, 2 * len, 8)).mul(2f);
                int n = len;
                // q and k are the two halves of one input, so the gradient covers both
                float[][] fast = valueAndGradient(m, qk, a -> AttentionOps.softmaxWeights(
                        a.get(":, :, :{}", n), a.get(":, :, {}:", n), 0.35f));
                float[][] ref = valueAndGradient(m, qk, a -> AttentionOps.softmaxWeightsReference(
                        a.get(":, :, :{}", n), a.get(":, :, {}:", n), 0.35f));
                assertArrayEquals(ref[0], fast[0], "softmax weights at L=" + len);
                assertArrayEquals(ref[1], fast[1], "softmax weights' gradient at L=" + len);
                // and through the values, as the layer uses them
                float[][] fastOut = valueAndGradient(m, qk, a -> AttentionOps.softmax(
                        a.get(":, :, :{}", n), a.get(":, :, {}:", n), a.get(":, :, :{}", n), 0.35f));
                float[][] refOut = valueAndGradient(m, qk, a -> AttentionOps.softmaxWeightsReference(
                        a.get(":, :, :{}", n), a.get(":, :, {}:", n), 0.35f).matMul(a.get(":, :, :{}", n)));
                assertArrayEquals(refOut[0], fastOut[0], "softmax attention at L=" + len);
                assertArrayEquals(refOut[1], fastOut[1], "softmax attention's gradient at L=" + len);
            }
        }
    }

    @Test
    void cachedMaskedSoftmaxEqualsOneWithAFreshBias() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int len = 1; len <= LENGTHS; len++) {
                m.getEngine().setRandomSeed(len);
                NDArray logits = m.randomNormal(new Shape(2, 2, len, len));
                int n = len;
                float[][] fast = valueAndGradient(m, logits, AttentionOps::maskedSoftmax);
                float[][] ref = valueAndGradient(m, logits,
                        a -> a.add(AttentionOps.causalBias(a.getManager(), n, DataType.FLOAT32)).softmax(-1));
                assertArrayEquals(ref[0], fast[0], "masked softmax at L=" + len);
                assertArrayEquals(ref[1], fast[1], "masked softmax gradient at L=" + len);
            }
        }
    }

    @Test
    void chunkedPathEqualsDensePathOutputsAndGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            int[][] cases = {{13, 4}, {16, 4}, {9, 16}, {21, 5}};                  // L, chunk: padding, exact, one chunk
            for (int[] c : cases) {
                for (boolean fox : new boolean[] {false, true}) {
                    RandomInputs in = new RandomInputs(c[0] * 7 + (fox ? 1 : 0), 2, 2, c[0], 6, 5);
                    NDArray[] x = {in.q(m), in.k(m), in.v(m), in.w(m), in.beta(m), fox ? in.logForget(m) : null};
                    int chunk = c[1];
                    float[][] fast = grads(m, x, a -> AttentionOps.pathChunked(a[0], a[1], a[2], a[3], a[4], a[5],
                            in.scale(), chunk));
                    float[][] ref = grads(m, x, a -> AttentionOps.path(a[0], a[1], a[2], a[3], a[4], a[5], in.scale()));
                    for (int i = 0; i < fast.length; i++) {
                        assertArrayEquals(ref[i], fast[i], 2e-4f, (i == 0 ? "output" : "gradient " + i) + " at L=" + c[0]
                                + ", chunk " + chunk + (fox ? ", FoX gate" : ""));
                    }
                }
            }
        }
    }

    /** Output and the gradients of every non-null input, loss {@code sum(o * sin(iota))}. */
    private static float[][] grads(NDManager m, NDArray[] inputs, java.util.function.Function<NDArray[], NDArray> f) {
        try (NDManager sub = m.newSubManager()) {
            NDArray[] x = new NDArray[inputs.length];
            for (int i = 0; i < x.length; i++) {
                if (inputs[i] != null) {
                    x[i] = inputs[i].duplicate();
                    x[i].attach(sub);
                    x[i].setRequiresGradient(true);
                }
            }
            NDArray o;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                o = f.apply(x);
                NDArray c = sub.arange(0, (int) o.size(), 1, o.getDataType()).reshape(o.getShape()).sin();
                gc.backward(o.mul(c).sum());
            }
            java.util.List<float[]> out = new java.util.ArrayList<>();
            out.add(o.toFloatArray());
            for (NDArray a : x) {
                if (a != null) {
                    out.add(a.getGradient().toFloatArray());
                }
            }
            return out.toArray(new float[0][]);
        }
    }

    @Test
    void tablesAreSharedAndNeverLandInTheCallersManager() {
        try (NDManager m = NDManager.newBaseManager(); NDManager other = NDManager.newBaseManager()) {
            // INT32: a type no other test asks for, so this kind's exact-size cache is not already full (once eight
            // sizes are held, other sizes come as views and this identity would depend on which tests ran first)
            NDArray a = Constants.lowerOnes(7, true, DataType.INT32, m);
            NDArray b = Constants.lowerOnes(7, true, DataType.INT32, other);
            assertTrue(a == b, "one table per size, type and device");
            assertTrue(a.getManager() != m && a.getManager() != other);
            assertArrayEquals(AttentionOps.lowerOnes(m, 7, true, DataType.INT32).toIntArray(), a.toIntArray());
            NDArray s = Constants.scalar(0.125, DataType.FLOAT32, m.getDevice(), m);
            assertEquals(new Shape(), s.getShape());
            assertEquals(0.125f, s.getFloat());
        }
    }
    /** The plain split into heads: {@code [B, L, H*D] -> [B, L, H, D] -> [B, H, L, D]}, the axis swap included. */
    private static NDArray splitHeadsReference(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    @Test
    void oneHeadAttentionSplitsAndMergesByReshapeBitForBitWithTheAxisSwapForm() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (AttentionKind kind : new AttentionKind[] {AttentionKind.NOPE, AttentionKind.STANDARD}) {
                m.getEngine().setRandomSeed(kind.ordinal() + 7);
                AttentionConfig config = AttentionConfig.of(8, 1);
                AttentionBlock block = kind.newBlock(config);
                block.setInitializer(new ai.djl.training.initializer.NormalInitializer(0.3f),
                        ai.djl.nn.Parameter.Type.WEIGHT);
                block.initialize(m, DataType.FLOAT32, new Shape(3, 9, 8));
                ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(m, false);
                NDArray wq = block.getParameters().get("wq").getArray();
                NDArray wk = block.getParameters().get("wk").getArray();
                NDArray wv = block.getParameters().get("wv").getArray();
                NDArray wo = block.getParameters().get("wo").getArray();
                NDArray x = m.randomNormal(new Shape(3, 9, 8));
                float[][] fast = valueAndGradient(m, x, a -> block.forward(ps, AttentionInput.of(a), true, Hooks.none()));
                float[][] ref = valueAndGradient(m, x, a -> {
                    NDArray q = splitHeadsReference(a.matMul(wq), 1);
                    NDArray k = splitHeadsReference(a.matMul(wk), 1);
                    NDArray v = splitHeadsReference(a.matMul(wv), 1);
                    if (kind.usesRope()) {
                        q = AttentionOps.rope(q, config.ropeBase());
                        k = AttentionOps.rope(k, config.ropeBase());
                    }
                    NDArray z = AttentionOps.softmax(q, k, v, config.scale());
                    return z.transpose(0, 2, 1, 3).reshape(3, 9, 8).matMul(wo);
                });
                assertArrayEquals(ref[0], fast[0], kind + " one-head attention");
                assertArrayEquals(ref[1], fast[1], kind + " one-head attention's gradient");
            }
        }
    }
}
