package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Function;

import static org.attnlab.attention.RandomInputs.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** softmax, taylor (+ recurrent), scalarScore, forgetting and rope against slow loop references. */
class AttentionOpsTest {
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

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 37})
    void softmaxMatchesLoops(int len) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(len, 2, 2, len, 8, 6);
            double[] ref = SlowAttention.softmaxOutput(SlowAttention.dotLogits(in.q, in.k, len, 8, in.scale()),
                    in.v, in.bh(), len, 6);
            assertClose("softmax", ref, AttentionOps.softmax(in.q(m), in.k(m), in.v(m), in.scale()), TOL);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 37})
    void taylorMatchesLoopsAndRecurrentForm(int len) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(100 + len, 2, 2, len, 8, 6);
            double[] ref = SlowAttention.taylorOutput(in.q, in.k, in.v, in.bh(), len, 8, 6, in.scale());
            NDArray q = in.q(m), k = in.k(m), v = in.v(m);
            assertClose("taylor", ref, AttentionOps.taylor(q, k, v, in.scale()), TOL);
            assertClose("taylorRecurrent default chunk", ref, AttentionOps.taylorRecurrent(q, k, v, in.scale()), TOL);
            for (int chunk : new int[] {1, 4, 16}) {
                assertClose("taylorRecurrent chunk " + chunk, ref,
                        AttentionOps.taylorRecurrent(q, k, v, in.scale(), chunk), TOL);
            }
            NDArray a = AttentionOps.taylorWeights(q, k, in.scale());
            assertEquals(new Shape(2, 2, len, len), a.getShape());
            assertClose("taylor weights rows sum to 1", m.ones(new Shape(2, 2, len)), a.sum(new int[] {3}), TOL);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 37})
    void scalarScoreMatchesLoops(int len) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(200 + len, 2, 2, len, 8, 6);
            double[] ref = SlowAttention.scalarScoreOutput(in.q, in.k, in.v, in.bh(), len, 8, 6, in.scale());
            assertClose("scalarScore", ref, AttentionOps.scalarScore(in.q(m), in.k(m), in.v(m), in.scale()), TOL);
        }
    }

    @Test
    void scalarScoreStaysFiniteWithHugeScores() {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(7, 1, 1, 9, 4, 3);
            NDArray q = in.q(m).mul(100), k = in.k(m).mul(100);      // scores of order 1e4
            NDArray o = AttentionOps.scalarScore(q, k, in.v(m), 1f);
            assertTrue(o.isInfinite().logicalOr(o.isNaN()).sum().getLong() == 0, "outputs must be finite");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 37})
    void forgettingMatchesLoops(int len) {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(300 + len, 2, 2, len, 8, 6);
            SlowAttention.Logits logits = SlowAttention.withGate(
                    SlowAttention.dotLogits(in.q, in.k, len, 8, in.scale()), in.logForget, len);
            double[] ref = SlowAttention.softmaxOutput(logits, in.v, in.bh(), len, 6);
            assertClose("forgetting", ref,
                    AttentionOps.forgetting(in.q(m), in.k(m), in.v(m), in.logForget(m), in.scale()), TOL);
        }
    }

    @Test
    void forgettingWithZeroGateIsSoftmax() {
        try (NDManager m = manager.newSubManager()) {
            RandomInputs in = new RandomInputs(11, 2, 2, 13, 8, 6);
            NDArray zero = m.zeros(new Shape(2, 2, 13));
            assertClose("FoX(logForget=0) vs softmax",
                    AttentionOps.softmax(in.q(m), in.k(m), in.v(m), in.scale()),
                    AttentionOps.forgetting(in.q(m), in.k(m), in.v(m), zero, in.scale()), TOL);
        }
    }

    @Test
    void ropeDotProductsDependOnlyOnRelativePosition() {
        try (NDManager m = manager.newSubManager()) {
            int len = 12, d = 8;
            RandomInputs in = new RandomInputs(5, 1, 1, 1, d, d);
            // the same q and k vector at every position
            NDArray q = m.create(in.q, new Shape(1, 1, 1, d)).repeat(2, len);
            NDArray k = m.create(in.k, new Shape(1, 1, 1, d)).repeat(2, len);
            double[] s = AttentionOps.rope(q, 10000f).matMul(AttentionOps.rope(k, 10000f).transpose(0, 1, 3, 2))
                    .toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();   // (1,1,L,L)
            for (int i = 0; i + 1 < len; i++) {
                for (int j = 0; j + 1 < len; j++) {
                    double a = s[i * len + j], b = s[(i + 1) * len + j + 1];
                    assertEquals(a, b, 1e-4 * (1 + Math.abs(a)), "rope q.k at (" + i + "," + j + ") vs shifted");
                }
            }
            // position 0 is not rotated
            assertClose("rope at position 0", q.get(":, :, 0:1"), AttentionOps.rope(q, 10000f).get(":, :, 0:1"), 1e-6);
        }
    }

    /** Changing q, k, v and gates at positions >= p leaves outputs before p unchanged. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void everyOpIsCausal(int which) {
        try (NDManager m = manager.newSubManager()) {
            int len = 11, p = 6;
            RandomInputs in = new RandomInputs(17, 1, 2, len, 8, 6);
            RandomInputs other = new RandomInputs(18, 1, 2, len, 8, 6);
            Function<RandomInputs, NDArray> op = x -> switch (which) {
                case 0 -> AttentionOps.softmax(x.q(m), x.k(m), x.v(m), x.scale());
                case 1 -> AttentionOps.taylor(x.q(m), x.k(m), x.v(m), x.scale());
                case 2 -> AttentionOps.taylorRecurrent(x.q(m), x.k(m), x.v(m), x.scale(), 4);
                case 3 -> AttentionOps.scalarScore(x.q(m), x.k(m), x.v(m), x.scale());
                case 4 -> AttentionOps.forgetting(x.q(m), x.k(m), x.v(m), x.logForget(m), x.scale());
                default -> AttentionOps.rope(x.q(m), 10000f);
            };
            RandomInputs mixed = PathAttentionTest.futureReplaced(in, other, p);
            NDArray a = op.apply(in).get(":, :, :{}", p);
            NDArray b = op.apply(mixed).get(":, :, :{}", p);
            assertClose("op " + which + " before position " + p, a, b, 1e-6);
            assertTrue(op.apply(in).sub(op.apply(mixed)).abs().max().getFloat() > 1e-3,
                    "op " + which + ": the future change must show at later positions");
        }
    }

    @Test
    void badShapesFailNamingTheShapes() {
        try (NDManager m = manager.newSubManager()) {
            NDArray q = m.zeros(new Shape(1, 2, 5, 4));
            NDArray k = m.zeros(new Shape(1, 2, 5, 3));
            NDArray v = m.zeros(new Shape(1, 2, 4, 4));
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOps.taylor(q, k, q, 1f)).getMessage();
            assertTrue(msg.contains("(1, 2, 5, 4)") && msg.contains("(1, 2, 5, 3)"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOps.scalarScore(q, q, v, 1f)).getMessage();
            assertTrue(msg.contains("(1, 2, 4, 4)"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOps.forgetting(q, q, q, m.zeros(new Shape(1, 2, 4)), 1f)).getMessage();
            assertTrue(msg.contains("logForget") && msg.contains("(1, 2, 4)") && msg.contains("(1, 2, 5)"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOps.forgetting(q, q, q, null, 1f)).getMessage();
            assertTrue(msg.contains("logForget"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> AttentionOps.taylorRecurrent(q, q, q, 1f, 0)).getMessage();
            assertTrue(msg.contains("chunkSize=0"), msg);
        }
    }
}
