package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dense patterns against loops written from the formulas (PaTH: explicit Householder products). */
class AttentionPatternsTest {

    private static final int B = 2;
    private static final int H = 2;
    private static final int D = 3;
    private static final double SCALE = 0.7;

    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(11);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static NDArray randn(long... shape) {
        return manager.randomNormal(new Shape(shape)).toType(DataType.FLOAT64, false);
    }

    private static double[][][][] arr4(NDArray a) {
        Shape s = a.getShape();
        double[] flat = a.toDoubleArray();
        int n0 = (int) s.get(0), n1 = (int) s.get(1), n2 = (int) s.get(2), n3 = (int) s.get(3);
        double[][][][] out = new double[n0][n1][n2][n3];
        int p = 0;
        for (int a0 = 0; a0 < n0; a0++) {
            for (int a1 = 0; a1 < n1; a1++) {
                for (int a2 = 0; a2 < n2; a2++) {
                    for (int a3 = 0; a3 < n3; a3++) {
                        out[a0][a1][a2][a3] = flat[p++];
                    }
                }
            }
        }
        return out;
    }

    private static double[][][] arr3(NDArray a) {
        double[][][][] x = arr4(a.expandDims(3));
        double[][][] out = new double[x.length][x[0].length][x[0][0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                for (int k = 0; k < x[0][0].length; k++) {
                    out[i][j][k] = x[i][j][k][0];
                }
            }
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private interface Weight {
        /** Unnormalised weight or logit for (b, h, i, j), j <= i. */
        double at(int b, int h, int i, int j);
    }

    /** Rows normalised over j <= i, either as given (linear) or via softmax of logits. */
    private static void assertPattern(NDArray actual, int len, Weight w, boolean softmax) {
        double[][][][] a = arr4(actual);
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < H; h++) {
                for (int i = 0; i < len; i++) {
                    double[] row = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        row[j] = w.at(b, h, i, j);
                        max = Math.max(max, row[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        row[j] = softmax ? Math.exp(row[j] - max) : row[j];
                        sum += row[j];
                    }
                    for (int j = 0; j < len; j++) {
                        double expected = j <= i ? row[j] / sum : 0;
                        assertEquals(expected, a[b][h][i][j], 1e-9, "a[" + b + "," + h + "," + i + "," + j + "]");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 9})
    void taylorMatchesTheLoop(int len) {
        NDArray q = randn(B, H, len, D);
        NDArray k = randn(B, H, len, D);
        double[][][][] qa = arr4(q);
        double[][][][] ka = arr4(k);
        assertPattern(AttentionPatterns.taylor(q, k, (float) SCALE), len, (b, h, i, j) -> {
            double s = (float) SCALE * dot(qa[b][h][i], ka[b][h][j]);
            return 1 + s + s * s / 2;
        }, false);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 9})
    void scalarScoreMatchesTheLoop(int len) {
        NDArray q = randn(B, H, len, D);
        NDArray k = randn(B, H, len, D);
        double[][][][] qa = arr4(q);
        double[][][][] ka = arr4(k);
        assertPattern(AttentionPatterns.scalarScore(q, k, (float) SCALE), len,
                (b, h, i, j) -> (float) SCALE * dot(qa[b][h][j], ka[b][h][j]), true);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 9})
    void forgettingMatchesTheLoop(int len) {
        NDArray q = randn(B, H, len, D);
        NDArray k = randn(B, H, len, D);
        NDArray logF = randn(B, H, len).abs().neg();
        double[][][][] qa = arr4(q);
        double[][][][] ka = arr4(k);
        double[][][] fa = arr3(logF);
        assertPattern(AttentionPatterns.forgetting(q, k, logF, (float) SCALE), len, (b, h, i, j) -> {
            double g = 0;
            for (int s = j + 1; s <= i; s++) {
                g += fa[b][h][s];
            }
            return (float) SCALE * dot(qa[b][h][i], ka[b][h][j]) + g;
        }, true);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 9})
    void pathMatchesExplicitHouseholderProducts(int len) {
        for (boolean gated : new boolean[]{false, true}) {
            NDArray q = randn(B, H, len, D);
            NDArray k = randn(B, H, len, D);
            NDArray w0 = randn(B, H, len, D);
            NDArray w = w0.div(w0.norm(new int[]{-1}, true));
            NDArray beta = manager.randomUniform(0.01f, 1.99f, new Shape(B, H, len)).toType(DataType.FLOAT64, false);
            NDArray logF = gated ? randn(B, H, len).abs().neg() : null;
            double[][][][] qa = arr4(q);
            double[][][][] ka = arr4(k);
            double[][][][] wa = arr4(w);
            double[][][] ba = arr3(beta);
            double[][][] fa = gated ? arr3(logF) : null;
            assertPattern(AttentionPatterns.path(q, k, w, beta, logF, (float) SCALE), len, (b, h, i, j) -> {
                double[] vec = ka[b][h][j].clone();
                for (int t = j + 1; t <= i; t++) { // H_i .. H_{j+1} k_j: H_{j+1} acts first
                    double c = ba[b][h][t] * dot(wa[b][h][t], vec);
                    for (int d = 0; d < D; d++) {
                        vec[d] -= c * wa[b][h][t][d];
                    }
                }
                double g = 0;
                for (int s = j + 1; gated && s <= i; s++) {
                    g += fa[b][h][s];
                }
                return (float) SCALE * dot(qa[b][h][i], vec) + g;
            }, true);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7})
    void pathWithBetaZeroIsSoftmax(int len) {
        NDArray q = randn(B, H, len, D);
        NDArray k = randn(B, H, len, D);
        NDArray w0 = randn(B, H, len, D);
        NDArray w = w0.div(w0.norm(new int[]{-1}, true));
        NDArray beta = manager.zeros(new Shape(B, H, len), DataType.FLOAT64);
        assertTrue(AttentionPatterns.path(q, k, w, beta, null, (float) SCALE)
                .allClose(AttentionPatterns.softmax(q, k, (float) SCALE), 1e-12, 1e-12, false));
    }
}
