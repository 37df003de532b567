package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded random attention inputs as plain float arrays (for the slow references) and NDArrays (for the ops):
 * q, k, v ~ N(0, 1); w unit-norm per token; beta uniform in (0, 2); logForget = log sigmoid(N(1, 1)) &lt; 0.
 */
final class RandomInputs {
    final int b, h, len, d, dv;
    final float[] q, k, v, w, beta, logForget;

    RandomInputs(long seed, int b, int h, int len, int d, int dv) {
        this.b = b;
        this.h = h;
        this.len = len;
        this.d = d;
        this.dv = dv;
        Random rnd = new Random(seed);
        int tokens = b * h * len;
        q = gaussian(rnd, tokens * d);
        k = gaussian(rnd, tokens * d);
        v = gaussian(rnd, tokens * dv);
        w = gaussian(rnd, tokens * d);
        for (int t = 0; t < tokens; t++) {
            double n = Math.sqrt(SlowAttention.dot(w, t * d, w, t * d, d));
            for (int e = 0; e < d; e++) {
                w[t * d + e] /= (float) n;
            }
        }
        beta = new float[tokens];
        logForget = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            beta[t] = 0.05f + 1.9f * rnd.nextFloat();
            logForget[t] = (float) -Math.log1p(Math.exp(-(1 + rnd.nextGaussian())));
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    int bh() {
        return b * h;
    }

    float scale() {
        return (float) (1 / Math.sqrt(d));
    }

    NDArray q(NDManager m) {
        return m.create(q, new Shape(b, h, len, d));
    }

    NDArray k(NDManager m) {
        return m.create(k, new Shape(b, h, len, d));
    }

    NDArray v(NDManager m) {
        return m.create(v, new Shape(b, h, len, dv));
    }

    NDArray w(NDManager m) {
        return m.create(w, new Shape(b, h, len, d));
    }

    NDArray beta(NDManager m) {
        return m.create(beta, new Shape(b, h, len));
    }

    NDArray logForget(NDManager m) {
        return m.create(logForget, new Shape(b, h, len));
    }

    /** |actual - expected| &lt;= tol (1 + |expected|) everywhere, naming the first index that fails. */
    static void assertClose(String name, double[] expected, NDArray actual, double tol) {
        double[] got = actual.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
        assertClose(name, expected, got, tol);
    }

    static void assertClose(String name, double[] expected, double[] got, double tol) {
        assertEquals(expected.length, got.length, name + ": number of elements");
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(got[i] - expected[i]);
            if (!(err <= tol * (1 + Math.abs(expected[i])))) {
                fail(name + ": element " + i + " expected " + expected[i] + " got " + got[i] + " (tolerance " + tol + ")");
            }
        }
    }

    static void assertClose(String name, NDArray expected, NDArray actual, double tol) {
        assertEquals(expected.getShape(), actual.getShape(), name + ": shape");
        assertClose(name, expected.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray(), actual, tol);
    }
}
