package org.attnlab.attention;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.attnlab.attention.RandomInputs.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PaTH and PaTH-FoX: dense UT form vs explicit Householder products, blockwise form, decoding cache, gradients. */
class PathAttentionTest {
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

    private static double[] reference(RandomInputs in, boolean gated) {
        SlowAttention.Logits logits = SlowAttention.pathLogits(in.q, in.k, in.w, in.beta, in.len, in.d, in.scale());
        if (gated) {
            logits = SlowAttention.withGate(logits, in.logForget, in.len);
        }
        return SlowAttention.softmaxOutput(logits, in.v, in.bh(), in.len, in.dv);
    }

    @ParameterizedTest
    @CsvSource({"1,false", "5,false", "16,false", "37,false", "1,true", "5,true", "16,true", "37,true"})
    void pathMatchesHouseholderProducts(int len, boolean gated) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(400 + len, 2, 2, len, 8, 6);
            double[] ref = reference(in, gated);
            NDArray lf = gated ? in.logForget(m) : null;
            String name = gated ? "PaTH-FoX" : "PaTH";
            assertClose(name + " dense, L=" + len, ref,
                    AttentionOps.path(in.q(m), in.k(m), in.v(m), in.w(m), in.beta(m), lf, in.scale()), TOL);
            for (int chunk : new int[] {1, 4, 16, 64}) {
                assertClose(name + " chunked C=" + chunk + ", L=" + len, ref, AttentionOps.pathChunked(
                        in.q(m), in.k(m), in.v(m), in.w(m), in.beta(m), lf, in.scale(), chunk), TOL);
            }
        }
    }

    @Test
    void pathWeightsAreCausalRowStochastic() {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(3, 1, 2, 9, 8, 8);
            NDArray a = AttentionOps.pathWeights(in.q(m), in.k(m), in.w(m), in.beta(m), in.logForget(m), in.scale());
            assertEquals(new Shape(1, 2, 9, 9), a.getShape());
            assertClose("rows sum to 1", m.ones(new Shape(1, 2, 9)), a.sum(new int[] {3}), TOL);
            NDArray above = a.mul(AttentionOps.lowerOnes(m, 9, false, DataType.FLOAT32).neg().add(1));
            assertEquals(0f, above.abs().max().getFloat(), "no weight above the diagonal");
        }
    }

    @Test
    void betaZeroIsSoftmax() {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(21, 2, 2, 19, 8, 6);
            NDArray zero = m.zeros(new Shape(2, 2, 19));
            NDArray softmax = AttentionOps.softmax(in.q(m), in.k(m), in.v(m), in.scale());
            assertClose("PaTH(beta=0) vs softmax", softmax,
                    AttentionOps.path(in.q(m), in.k(m), in.v(m), in.w(m), zero, null, in.scale()), TOL);
            assertClose("pathChunked(beta=0) vs softmax", softmax,
                    AttentionOps.pathChunked(in.q(m), in.k(m), in.v(m), in.w(m), zero, null, in.scale(), 4), TOL);
            assertClose("PaTH-FoX(beta=0) vs FoX",
                    AttentionOps.forgetting(in.q(m), in.k(m), in.v(m), in.logForget(m), in.scale()),
                    AttentionOps.path(in.q(m), in.k(m), in.v(m), in.w(m), zero, in.logForget(m), in.scale()), TOL);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void decodingCacheEqualsPath(boolean gated) {
        try (NDManager m = manager.newSubManager()) {
            int len = 13;
            RandomInputs in = new RandomInputs(31, 2, 2, len, 8, 6);
            NDArray q = in.q(m), k = in.k(m), v = in.v(m), w = in.w(m), beta = in.beta(m), lf = in.logForget(m);
            NDArray full = AttentionOps.path(q, k, v, w, beta, gated ? lf : null, in.scale());
            try (PathDecodingCache cache = new PathDecodingCache(m, in.scale())) {
                for (int t = 0; t < len; t++) {
                    String at = ":, :, " + t;
                    NDArray o = cache.append(q.get(at), k.get(at), v.get(at), w.get(at), beta.get(at),
                            gated ? lf.get(at) : null);
                    assertEquals(new Shape(2, 2, 6), o.getShape());
                    assertClose("cache vs path at token " + t, full.get(at), o, TOL);
                }
                assertEquals(len, cache.length());
                // cached key 0 is H_{L-1} .. H_1 k_0, by explicit products
                double[][] p = SlowAttention.identity(8);
                for (int s = len - 1; s >= 1; s--) {
                    p = SlowAttention.matMul(p, SlowAttention.householder(in.w, s * 8, in.beta[s], 8));
                }
                double[] k0 = new double[8];
                for (int r = 0; r < 8; r++) {
                    for (int c = 0; c < 8; c++) {
                        k0[r] += p[r][c] * in.k[c];
                    }
                }
                assertClose("transformed key 0", k0, cache.keys().get("0, 0, 0"), TOL);
                String msg = assertThrows(IllegalArgumentException.class, () -> cache.append(q.get(":, :, 0"),
                        k.get(":, :, 0"), v.get(":, :, 0"), w.get(":, :, 0"), beta.get(":, :, 0"),
                        gated ? null : lf.get(":, :, 0"))).getMessage();
                assertTrue(msg.contains("forget gate"), msg);
            }
        }
    }

    /** Inputs equal to {@code in} before position p and to {@code other} from p on. */
    static RandomInputs futureReplaced(RandomInputs in, RandomInputs other, int p) {
        RandomInputs mixed = new RandomInputs(0, in.b, in.h, in.len, in.d, in.dv);
        for (int bh = 0; bh < in.bh(); bh++) {
            for (int t = 0; t < in.len; t++) {
                RandomInputs src = t < p ? in : other;
                int tok = bh * in.len + t;
                System.arraycopy(src.q, tok * in.d, mixed.q, tok * in.d, in.d);
                System.arraycopy(src.k, tok * in.d, mixed.k, tok * in.d, in.d);
                System.arraycopy(src.w, tok * in.d, mixed.w, tok * in.d, in.d);
                System.arraycopy(src.v, tok * in.dv, mixed.v, tok * in.dv, in.dv);
                mixed.beta[tok] = src.beta[tok];
                mixed.logForget[tok] = src.logForget[tok];
            }
        }
        return mixed;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void pathAndPathChunkedAreCausal(boolean chunked) {
        try (NDManager m = manager.newSubManager()) {
            int len = 11, p = 5;
            RandomInputs in = new RandomInputs(41, 1, 2, len, 8, 6);
            RandomInputs mixed = futureReplaced(in, new RandomInputs(42, 1, 2, len, 8, 6), p);
            for (RandomInputs x : new RandomInputs[] {in, mixed}) {
                assertEquals(len, x.len);
            }
            NDArray a = run(in, m, chunked).get(":, :, :{}", p);
            NDArray b = run(mixed, m, chunked).get(":, :, :{}", p);
            assertClose("PaTH-FoX before position " + p, a, b, 1e-6);
        }
    }

    private static NDArray run(RandomInputs x, NDManager m, boolean chunked) {
        return chunked
                ? AttentionOps.pathChunked(x.q(m), x.k(m), x.v(m), x.w(m), x.beta(m), x.logForget(m), x.scale(), 4)
                : AttentionOps.path(x.q(m), x.k(m), x.v(m), x.w(m), x.beta(m), x.logForget(m), x.scale());
    }

    /** Gradients of {@code sum(o * r)} with respect to q, k, v, w, beta, logForget. */
    private static double[][] gradients(NDList inputs, NDArray r, float scale, int chunk) {
        for (NDArray x : inputs) {
            x.setRequiresGradient(true);
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray o = chunk == 0
                    ? AttentionOps.path(inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3), inputs.get(4),
                    inputs.get(5), scale)
                    : AttentionOps.pathChunked(inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3),
                    inputs.get(4), inputs.get(5), scale, chunk);
            gc.backward(o.mul(r).sum());
        }
        double[][] g = new double[inputs.size()][];
        for (int i = 0; i < inputs.size(); i++) {
            g[i] = inputs.get(i).getGradient().toType(DataType.FLOAT64, false).toDoubleArray();
        }
        return g;
    }

    private static NDList inputs(RandomInputs in, NDManager m, DataType dt) {
        NDList out = new NDList();
        for (NDArray x : new NDArray[] {in.q(m), in.k(m), in.v(m), in.w(m), in.beta(m), in.logForget(m)}) {
            out.add(x.toType(dt, false));
        }
        return out;
    }

    private static final String[] NAMES = {"dq", "dk", "dv", "dw", "dbeta", "dlogForget"};

    @ParameterizedTest
    @CsvSource({"7,4", "16,4", "13,16"})
    void pathChunkedGradientsMatchPath(int len, int chunk) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(51 + len, 1, 2, len, 8, 6);
            NDArray r = m.randomNormal(new Shape(1, 2, len, 6));
            double[][] dense = gradients(inputs(in, m, DataType.FLOAT32), r, in.scale(), 0);
            double[][] chunked = gradients(inputs(in, m, DataType.FLOAT32), r, in.scale(), chunk);
            for (int i = 0; i < NAMES.length; i++) {
                assertClose(NAMES[i] + " chunked vs dense, L=" + len + " C=" + chunk, dense[i], chunked[i], 1e-4);
            }
        }
    }

    /** Central finite differences in float64 on a tiny size, for both forms. */
    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void gradientsMatchFiniteDifferences(int chunk) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(61, 1, 1, 5, 3, 2);
            NDArray r = m.create(new Random(62).doubles(10).toArray(), new Shape(1, 1, 5, 2));
            double[][] auto = gradients(inputs(in, m, DataType.FLOAT64), r, in.scale(), chunk);
            NDList base = inputs(in, m, DataType.FLOAT64);
            double eps = 1e-6;
            for (int i = 0; i < NAMES.length; i++) {
                double[] x = base.get(i).toDoubleArray();
                double[] fd = new double[x.length];
                for (int e = 0; e < x.length; e++) {
                    double keep = x[e];
                    x[e] = keep + eps;
                    double up = loss(base, i, x, r, in.scale(), chunk, m);
                    x[e] = keep - eps;
                    double down = loss(base, i, x, r, in.scale(), chunk, m);
                    x[e] = keep;
                    fd[e] = (up - down) / (2 * eps);
                }
                assertClose(NAMES[i] + " autograd vs finite differences (chunk " + chunk + ")", fd, auto[i], 1e-6);
            }
        }
    }

    private static double loss(NDList base, int which, double[] x, NDArray r, float scale, int chunk, NDManager m) {
        NDList in = new NDList(base);
        in.set(which, m.create(x, base.get(which).getShape()));
        NDArray o = chunk == 0
                ? AttentionOps.path(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), scale)
                : AttentionOps.pathChunked(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), scale, chunk);
        return o.mul(r).sum().getDouble();
    }

    @Test
    void badShapesFailNamingTheShapes() {
        try (NDManager m = manager.newSubManager()) {
            NDArray q = m.zeros(new Shape(1, 2, 5, 4));
            NDArray beta = m.zeros(new Shape(1, 2, 5));
            String msg = assertThrows(IllegalArgumentException.class, () -> AttentionOps.path(q, q, q,
                    m.zeros(new Shape(1, 2, 5, 3)), beta, null, 1f)).getMessage();
            assertTrue(msg.contains("w") && msg.contains("(1, 2, 5, 4)") && msg.contains("(1, 2, 5, 3)"), msg);
            msg = assertThrows(IllegalArgumentException.class, () -> AttentionOps.pathChunked(q, q, q, q,
                    m.zeros(new Shape(1, 5)), null, 1f, 4)).getMessage();
            assertTrue(msg.contains("beta") && msg.contains("(1, 5)") && msg.contains("(1, 2, 5)"), msg);
            msg = assertThrows(IllegalArgumentException.class, () -> AttentionOps.pathChunked(q, q, q, q,
                    beta, m.zeros(new Shape(1, 2, 6)), 1f, 4)).getMessage();
            assertTrue(msg.contains("logForget") && msg.contains("(1, 2, 6)"), msg);
            msg = assertThrows(IllegalArgumentException.class, () -> AttentionOps.pathChunked(q, q, q, q,
                    beta, null, 1f, 0)).getMessage();
            assertTrue(msg.contains("chunkSize=0"), msg);
            try (PathDecodingCache cache = new PathDecodingCache(m, 1f)) {
                msg = assertThrows(IllegalArgumentException.class, () -> cache.append(q, q, q, q, beta, null))
                        .getMessage();
                assertTrue(msg.contains("(1, 2, 5, 4)"), msg);
            }
        }
    }
}
