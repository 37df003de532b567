package org.attnlab.attention;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.attnlab.attention.RandomInputs.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ops of the kinds that leave a query free not to attend (sigmoid, softmax with a zero logit, a sink slot) or
 * that cannot reach the first token (a window), against slow loops over doubles; fast forms against their written-out
 * references in values and gradients; causality; known answers at the extremes; bad input refused.
 */
class SinkKindsOpsTest {
    private static final double TOL = 1e-4;
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** A per-head slot {@code [H, n]} ~ N(0, 1), seeded. */
    private static float[] slot(long seed, int heads, int n) {
        Random r = new Random(seed);
        float[] x = new float[heads * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 37})
    void sigmoidMatchesLoops(int len) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(400 + len, 2, 2, len, 8, 6);
            float bias = AttentionConfig.sigmoidBiasFor(len);
            double[] ref = SlowAttention.sigmoidOutput(in.q, in.k, in.v, in.bh(), len, 8, 6, in.scale(), bias);
            assertClose("sigmoid", ref, AttentionOps.sigmoid(in.q(m), in.k(m), in.v(m), in.scale(), bias), TOL);
            // a weight is sigmoid(s + b) on its own: no other key changes it, and rows need not sum to 1
            NDArray a = AttentionOps.sigmoidWeights(in.q(m), in.k(m), in.scale(), bias);
            NDArray s = AttentionOps.dotLogits(in.q(m), in.k(m), in.scale());
            NDArray expected = s.add(bias).neg().exp().add(1).pow(-1)
                    .mul(AttentionOps.lowerOnes(m, len, false, DataType.FLOAT32));
            assertClose("sigmoid weights", expected, a, 1e-6);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 37})
    void softmaxZeroMatchesLoopsAndItsReference(int len) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(500 + len, 2, 2, len, 8, 6);
            double[] ref = SlowAttention.slotSoftmaxOutput(in.q, in.k, in.v, null, null, 2, in.bh(), len, 8, 6,
                    in.scale());
            NDArray q = in.q(m), k = in.k(m), v = in.v(m);
            assertClose("softmaxZero", ref, AttentionOps.softmaxZero(q, k, v, in.scale()), TOL);
            assertClose("softmaxZeroReference", ref, AttentionOps.softmaxZeroReference(q, k, v, in.scale()), TOL);
            // row i sums to sum e^s / (1 + sum e^s): the zero logit takes 1 / (1 + sum e^s)
            NDArray a = AttentionOps.softmaxZeroWeights(q, k, in.scale());
            NDArray e = AttentionOps.dotLogits(q, k, in.scale()).exp()
                    .mul(AttentionOps.lowerOnes(m, len, false, DataType.FLOAT32)).sum(new int[] {3});
            assertClose("softmaxZero row sums", e.div(e.add(1)), a.sum(new int[] {3}), 1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 37})
    void sinkKvMatchesLoopsAndItsReference(int len) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(600 + len, 2, 3, len, 8, 6);
            float[] ks = slot(len, 3, 8), vs = slot(len + 1, 3, 6);
            double[] ref = SlowAttention.slotSoftmaxOutput(in.q, in.k, in.v, ks, vs, 3, in.bh(), len, 8, 6, in.scale());
            NDArray q = in.q(m), k = in.k(m), v = in.v(m);
            NDArray kStar = m.create(ks, new Shape(3, 8)), vStar = m.create(vs, new Shape(3, 6));
            assertClose("sinkKv", ref, AttentionOps.sinkKv(q, k, v, kStar, vStar, in.scale()), TOL);
            assertClose("sinkKvReference", ref, AttentionOps.sinkKvReference(q, k, v, kStar, vStar, in.scale()), TOL);
            NDArray a = AttentionOps.sinkKvWeights(q, k, kStar, in.scale());
            assertEquals(new Shape(2, 3, len, len + 1), a.getShape());
            assertClose("slot plus keys sum to 1", m.ones(new Shape(2, 3, len)), a.sum(new int[] {3}), 1e-6);
        }
    }

    @Test
    void aSlotWithKeyAndValueZeroIsTheZeroLogit() {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(21, 2, 2, 9, 8, 8);
            NDArray zero = m.zeros(new Shape(2, 8));
            assertClose("sinkKv(k*=0, v*=0) vs softmaxZero", AttentionOps.softmaxZero(in.q(m), in.k(m), in.v(m),
                    in.scale()), AttentionOps.sinkKv(in.q(m), in.k(m), in.v(m), zero, zero, in.scale()), 1e-6);
        }
    }

    @Test
    void extremeLogitsGiveTheKnownLimits() {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(22, 1, 2, 7, 4, 3);
            NDArray q = in.q(m), k = in.k(m), v = in.v(m);
            // softmax with a zero logit: keys far above 0 give plain softmax, far below give nothing at all
            NDArray ones = m.ones(new Shape(1, 2, 7, 4));
            NDArray big = AttentionOps.softmaxZero(ones, ones, v, 100f);          // every logit 400
            assertClose("softmaxZero, logits 400 = softmax", AttentionOps.softmax(ones, ones, v, 100f), big, 1e-6);
            NDArray none = AttentionOps.softmaxZero(ones, ones.neg(), v, 100f);   // every logit -400
            assertEquals(0.0, none.abs().max().getFloat(), 1e-30, "nothing attended: output 0");
            NDArray huge = AttentionOps.softmaxZero(q.mul(100), k.mul(100), v, 1f);
            assertEquals(0, huge.isNaN().logicalOr(huge.isInfinite()).sum().getLong(), "outputs must be finite");
            // a slot whose logit dwarfs every key's: the output is the slot's value
            NDArray kStar = q.get(":, :, 0, :").squeeze(0).mul(0).add(1);       // (H, D) of ones
            NDArray vStar = m.create(new float[] {1, 2, 3, -1, -2, -3}, new Shape(2, 3));
            NDArray sink = AttentionOps.sinkKv(ones, ones.mul(0), v, kStar.mul(1000), vStar, 1f);
            assertClose("slot logit 4000: o = v*", vStar.reshape(1, 2, 1, 3).broadcast(1, 2, 7, 3), sink, 1e-6);
            // sigmoid: huge negative bias zeroes everything, huge positive bias sums every value of the prefix
            assertEquals(0.0, AttentionOps.sigmoid(q, k, v, 0f, -200f).abs().max().getFloat(), 1e-30);
            assertClose("sigmoid(b=+200) = prefix sums of v", v.cumSum(2), AttentionOps.sigmoid(q, k, v, 0f, 200f),
                    1e-6);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 16, 40})
    void windowMatchesLoops(int window) {
        try (NDManager m = manager.newSubManager()) {
            int len = 16;
            RandomInputs in = new RandomInputs(700 + window, 2, 2, len, 8, 6);
            double[] ref = SlowAttention.windowOutput(in.q, in.k, in.v, in.bh(), len, 8, 6, in.scale(), window);
            NDArray q = in.q(m), k = in.k(m), v = in.v(m);
            assertClose("window W=" + window, ref, AttentionOps.windowSoftmax(q, k, v, in.scale(), window), TOL);
            NDArray a = AttentionOps.windowWeights(q, k, in.scale(), window);
            assertClose("window rows sum to 1", m.ones(new Shape(2, 2, len)), a.sum(new int[] {3}), 1e-6);
            if (window >= len) {
                assertClose("window >= L is softmax", AttentionOps.softmax(q, k, v, in.scale()),
                        AttentionOps.windowSoftmax(q, k, v, in.scale(), window), 1e-6);
            }
            if (window == 1) {
                assertClose("window 1 copies v", v, AttentionOps.windowSoftmax(q, k, v, in.scale(), 1), 1e-6);
            }
        }
    }

    @Test
    void theCachedWindowBiasEqualsOneBuiltPerCallAtManyLengths() {
        try (NDManager m = manager.newSubManager()) {
            for (int len = 1; len <= Constants.EXACT_SIZES + 5; len++) {
                for (int w : new int[] {1, 3, 8}) {
                    float[] cached = Constants.windowBias(len, w, DataType.FLOAT32, m).toFloatArray();
                    float[] fresh = AttentionOps.windowBias(m, len, w, DataType.FLOAT32).toFloatArray();
                    org.junit.jupiter.api.Assertions.assertArrayEquals(fresh, cached, "L=" + len + ", W=" + w);
                }
            }
            // the band by hand at L=4, W=2: row i keeps j = i-1, i
            float inf = Float.NEGATIVE_INFINITY;
            org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0, inf, inf, inf, 0, 0, inf, inf,
                    inf, 0, 0, inf, inf, inf, 0, 0}, AttentionOps.windowBias(m, 4, 2, DataType.FLOAT32).toFloatArray());
        }
    }

    /** Output and the gradients of every input, loss {@code sum(o * sin(iota))}, in float64. */
    private static List<double[]> grads(NDManager m, NDArray[] inputs, Function<NDArray[], NDArray> f) {
        try (NDManager sub = m.newSubManager()) {
            NDArray[] x = new NDArray[inputs.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = inputs[i].toType(DataType.FLOAT64, false);
                x[i].attach(sub);
                x[i].setRequiresGradient(true);
            }
            NDArray o;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                o = f.apply(x);
                NDArray c = sub.arange(0, (int) o.size(), 1, o.getDataType()).reshape(o.getShape()).sin();
                gc.backward(o.mul(c).sum());
            }
            List<double[]> out = new ArrayList<>();
            out.add(o.toDoubleArray());
            for (NDArray a : x) {
                out.add(a.getGradient().toDoubleArray());
            }
            return out;
        }
    }

    private static void assertSameGradients(String what, List<double[]> ref, List<double[]> fast) {
        for (int i = 0; i < ref.size(); i++) {
            assertClose(what + (i == 0 ? " output" : " gradient of input " + i), ref.get(i), fast.get(i), 1e-10);
        }
    }

    @Test
    void fastFormsHaveTheGradientsOfTheirReferences() {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(31, 2, 2, 11, 4, 5);
            float sc = in.scale();
            NDArray[] qkv = {in.q(m), in.k(m), in.v(m)};
            assertSameGradients("softmaxZero",
                    grads(m, qkv, a -> AttentionOps.softmaxZeroReference(a[0], a[1], a[2], sc)),
                    grads(m, qkv, a -> AttentionOps.softmaxZero(a[0], a[1], a[2], sc)));
            NDArray[] withSlot = {in.q(m), in.k(m), in.v(m), m.create(slot(1, 2, 4), new Shape(2, 4)),
                    m.create(slot(2, 2, 5), new Shape(2, 5))};
            assertSameGradients("sinkKv",
                    grads(m, withSlot, a -> AttentionOps.sinkKvReference(a[0], a[1], a[2], a[3], a[4], sc)),
                    grads(m, withSlot, a -> AttentionOps.sinkKv(a[0], a[1], a[2], a[3], a[4], sc)));
            assertSameGradients("window",
                    grads(m, qkv, a -> AttentionOps.dotLogits(a[0], a[1], sc)
                            .add(AttentionOps.windowBias(a[0].getManager(), 11, 3, DataType.FLOAT64))
                            .softmax(-1).matMul(a[2])),
                    grads(m, qkv, a -> AttentionOps.windowSoftmax(a[0], a[1], a[2], sc, 3)));
            assertSameGradients("sigmoid",
                    grads(m, qkv, a -> {
                        NDArray e = AttentionOps.dotLogits(a[0], a[1], sc).add(-1.5).exp();   // e^x / (1 + e^x)
                        return e.div(e.add(1)).mul(AttentionOps.lowerOnes(a[0].getManager(), 11, false,
                                DataType.FLOAT64)).matMul(a[2]);
                    }),
                    grads(m, qkv, a -> AttentionOps.sigmoid(a[0], a[1], a[2], sc, -1.5f)));
        }
    }

    /** Changing q, k, v at positions >= p leaves outputs before p unchanged. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void everyOpIsCausal(int which) {
        try (NDManager m = manager.newSubManager()) {
            int len = 11, p = 6;
            RandomInputs in = new RandomInputs(17, 1, 2, len, 8, 6);
            RandomInputs other = new RandomInputs(18, 1, 2, len, 8, 6);
            NDArray kStar = m.create(slot(3, 2, 8), new Shape(2, 8)), vStar = m.create(slot(4, 2, 6), new Shape(2, 6));
            Function<RandomInputs, NDArray> op = x -> switch (which) {
                case 0 -> AttentionOps.sigmoid(x.q(m), x.k(m), x.v(m), x.scale(), -2f);
                case 1 -> AttentionOps.softmaxZero(x.q(m), x.k(m), x.v(m), x.scale());
                case 2 -> AttentionOps.softmaxZeroReference(x.q(m), x.k(m), x.v(m), x.scale());
                case 3 -> AttentionOps.sinkKv(x.q(m), x.k(m), x.v(m), kStar, vStar, x.scale());
                case 4 -> AttentionOps.sinkKvReference(x.q(m), x.k(m), x.v(m), kStar, vStar, x.scale());
                default -> AttentionOps.windowSoftmax(x.q(m), x.k(m), x.v(m), x.scale(), 3);
            };
            RandomInputs mixed = AttentionOpsPathTest.futureReplaced(in, other, p);
            NDArray a = op.apply(in).get(":, :, :{}", p);
            NDArray b = op.apply(mixed).get(":, :, :{}", p);
            assertClose("op " + which + " before position " + p, a, b, 1e-6);
            assertTrue(op.apply(in).sub(op.apply(mixed)).abs().max().getFloat() > 1e-3,
                    "op " + which + ": the future change must show at later positions");
        }
    }

    @Test
    void aWindowForgetsWhatLiesBeyondIt() {
        try (NDManager m = manager.newSubManager()) {
            int len = 12, w = 4;
            RandomInputs in = new RandomInputs(40, 1, 2, len, 8, 6);
            RandomInputs other = new RandomInputs(41, 1, 2, len, 8, 6);
            // replace token 0 only: queries i >= W no longer see it
            RandomInputs first = AttentionOpsPathTest.futureReplaced(other, in, 1);
            NDArray a = AttentionOps.windowSoftmax(in.q(m), in.k(m), in.v(m), in.scale(), w);
            NDArray b = AttentionOps.windowSoftmax(first.q(m), first.k(m), first.v(m), in.scale(), w);
            assertClose("queries beyond the window of token 0", a.get(":, :, {}:", w), b.get(":, :, {}:", w), 1e-6);
            assertTrue(a.get(":, :, :{}", w).sub(b.get(":, :, :{}", w)).abs().max().getFloat() > 1e-3);
        }
    }

    @Test
    void badInputFailsNamingTheValue() {
        try (NDManager m = manager.newSubManager()) {
            NDArray q = m.zeros(new Shape(1, 2, 5, 4));
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOps.windowSoftmax(q, q, q, 1f, 0)).getMessage();
            assertTrue(msg.contains("window=0") && msg.contains(">= 1"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOps.sinkKv(q, q, q, m.zeros(new Shape(2, 3)), m.zeros(new Shape(2, 4)), 1f))
                    .getMessage();
            assertTrue(msg.contains("sinkK") && msg.contains("(2, 3)") && msg.contains("(2, 4)"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOps.sinkKv(q, q, q, m.zeros(new Shape(2, 4)), m.zeros(new Shape(1, 4)), 1f))
                    .getMessage();
            assertTrue(msg.contains("sinkV") && msg.contains("(1, 4)"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOps.softmaxZero(q, m.zeros(new Shape(1, 2, 5, 3)), q, 1f)).getMessage();
            assertTrue(msg.contains("(1, 2, 5, 3)"), msg);
        }
        String msg = assertThrows(IllegalArgumentException.class,
                () -> AttentionConfig.of(8, 2).withWindow(0)).getMessage();
        assertTrue(msg.contains("window=0"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> AttentionConfig.of(8, 2).withSigmoidBias(Float.NaN)).getMessage();
        assertTrue(msg.contains("sigmoidBias=NaN"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> AttentionConfig.sigmoidBiasFor(0)).getMessage();
        assertTrue(msg.contains("n=0"), msg);
        assertEquals((float) -Math.log(512), AttentionConfig.of(8, 2).sigmoidBias(), 0f);
        assertEquals(AttentionConfig.DEFAULT_WINDOW, AttentionConfig.of(8, 2).window());
    }
}
