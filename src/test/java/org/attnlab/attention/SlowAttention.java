package org.attnlab.attention;

/**
 * Slow, obviously-correct references for the tests: plain loops over double arrays laid out row-major as
 * {@code [B, H, L, D]}, one (batch, head) pair at a time. Nothing here is vectorised or clever.
 */
final class SlowAttention {

    private SlowAttention() {
    }

    /** Logits of one (batch, head) pair: {@code logit[i][j]} for j <= i. */
    interface Logits {
        double[][] of(int bh);
    }

    /** {@code o_i = sum_{j<=i} softmax_j(logit[i][j]) v_j} for every (batch, head). */
    static double[] softmaxOutput(Logits logits, float[] v, int bhCount, int len, int dv) {
        double[] out = new double[bhCount * len * dv];
        for (int bh = 0; bh < bhCount; bh++) {
            double[][] s = logits.of(bh);
            for (int i = 0; i < len; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    max = Math.max(max, s[i][j]);
                }
                double[] wts = new double[i + 1];
                double total = 0;
                for (int j = 0; j <= i; j++) {
                    wts[j] = Math.exp(s[i][j] - max);
                    total += wts[j];
                }
                for (int j = 0; j <= i; j++) {
                    for (int e = 0; e < dv; e++) {
                        out[(bh * len + i) * dv + e] += wts[j] / total * v[(bh * len + j) * dv + e];
                    }
                }
            }
        }
        return out;
    }

    static double dot(float[] a, int aOff, float[] b, int bOff, int d) {
        double s = 0;
        for (int e = 0; e < d; e++) {
            s += (double) a[aOff + e] * b[bOff + e];
        }
        return s;
    }

    /** {@code scale q_i.k_j}. */
    static Logits dotLogits(float[] q, float[] k, int len, int d, float scale) {
        return bh -> {
            double[][] s = new double[len][len];
            for (int i = 0; i < len; i++) {
                for (int j = 0; j <= i; j++) {
                    s[i][j] = scale * dot(q, (bh * len + i) * d, k, (bh * len + j) * d, d);
                }
            }
            return s;
        };
    }

    /** Adds {@code sum_{s=j+1..i} logForget_s}, summed term by term. */
    static Logits withGate(Logits base, float[] logForget, int len) {
        return bh -> {
            double[][] s = base.of(bh);
            for (int i = 0; i < len; i++) {
                for (int j = 0; j <= i; j++) {
                    for (int t = j + 1; t <= i; t++) {
                        s[i][j] += logForget[bh * len + t];
                    }
                }
            }
            return s;
        };
    }

    /**
     * PaTH logits by explicit D x D matrix products: {@code P = H_i H_{i-1} .. H_{j+1}} built one factor at a
     * time, {@code H_t = I - beta_t w_t w_t^T}, logit {@code scale q_i^T P k_j}.
     */
    static Logits pathLogits(float[] q, float[] k, float[] w, float[] beta, int len, int d, float scale) {
        return bh -> {
            double[][] s = new double[len][len];
            for (int i = 0; i < len; i++) {
                double[][] p = identity(d);
                for (int j = i; j >= 0; j--) {
                    double[] pk = new double[d];
                    for (int r = 0; r < d; r++) {
                        for (int c = 0; c < d; c++) {
                            pk[r] += p[r][c] * k[(bh * len + j) * d + c];
                        }
                    }
                    double logit = 0;
                    for (int r = 0; r < d; r++) {
                        logit += q[(bh * len + i) * d + r] * pk[r];
                    }
                    s[i][j] = scale * logit;
                    p = matMul(p, householder(w, (bh * len + j) * d, beta[bh * len + j], d)); // P <- P H_j
                }
            }
            return s;
        };
    }

    /** {@code I - beta w w^T} as a dense matrix. */
    static double[][] householder(float[] w, int off, double beta, int d) {
        double[][] h = identity(d);
        for (int r = 0; r < d; r++) {
            for (int c = 0; c < d; c++) {
                h[r][c] -= beta * w[off + r] * w[off + c];
            }
        }
        return h;
    }

    static double[][] identity(int d) {
        double[][] m = new double[d][d];
        for (int r = 0; r < d; r++) {
            m[r][r] = 1;
        }
        return m;
    }

    static double[][] matMul(double[][] a, double[][] b) {
        int n = a.length, kk = b.length, m = b[0].length;
        double[][] c = new double[n][m];
        for (int r = 0; r < n; r++) {
            for (int t = 0; t < kk; t++) {
                for (int col = 0; col < m; col++) {
                    c[r][col] += a[r][t] * b[t][col];
                }
            }
        }
        return c;
    }

    /** The un-normalised weight {@code a_ij} of key j for query i of one (batch, head); 0 for a key not seen. */
    interface Weight {
        double of(int bh, int i, int j);
    }

    /** {@code o_i = sum_{j<=i} a_ij v_j}, divided by {@code sum_{j<=i} a_ij} when {@code normalise}. */
    static double[] weightedSum(Weight a, float[] v, int bhCount, int len, int dv, boolean normalise) {
        double[] out = new double[bhCount * len * dv];
        for (int bh = 0; bh < bhCount; bh++) {
            for (int i = 0; i < len; i++) {
                double total = 0;
                double[] num = new double[dv];
                for (int j = 0; j <= i; j++) {
                    double w = a.of(bh, i, j);
                    total += w;
                    for (int e = 0; e < dv; e++) {
                        num[e] += w * v[(bh * len + j) * dv + e];
                    }
                }
                for (int e = 0; e < dv; e++) {
                    out[(bh * len + i) * dv + e] = normalise ? num[e] / total : num[e];
                }
            }
        }
        return out;
    }

    /** Taylor attention: {@code a_ij = 1 + s + s^2/2}, {@code o_i = sum a_ij v_j / sum a_ij}. */
    static double[] taylorOutput(float[] q, float[] k, float[] v, int bhCount, int len, int d, int dv, float scale) {
        return weightedSum((bh, i, j) -> {
            double s = scale * dot(q, (bh * len + i) * d, k, (bh * len + j) * d, d);
            return 1 + s + s * s / 2;
        }, v, bhCount, len, dv, true);
    }

    /** Scalar-score attention: {@code o_i = sum_{j<=i} e^{s_j} v_j / sum_{j<=i} e^{s_j}}, {@code s_j = scale q_j.k_j}. */
    static double[] scalarScoreOutput(float[] q, float[] k, float[] v, int bhCount, int len, int d, int dv,
                                      float scale) {
        return weightedSum((bh, i, j) -> Math.exp(scale * dot(q, (bh * len + j) * d, k, (bh * len + j) * d, d)),
                v, bhCount, len, dv, true);
    }

    /** Sigmoid attention: {@code o_i = sum_{j<=i} sigmoid(scale q_i.k_j + b) v_j}, no normalisation. */
    static double[] sigmoidOutput(float[] q, float[] k, float[] v, int bhCount, int len, int d, int dv, float scale,
                                  float bias) {
        return weightedSum((bh, i, j) -> 1 / (1 + Math.exp(-(scale * dot(q, (bh * len + i) * d, k, (bh * len + j) * d, d)
                + bias))), v, bhCount, len, dv, false);
    }

    /**
     * Softmax over the keys j&lt;=i plus one slot with logit {@code scale q_i.k*_h} and value {@code v*_h} (per head h
     * = bh % heads), the slot given as {@code [H, D]} and {@code [H, Dv]} arrays; with {@code sinkK == null} the slot
     * has logit 0 and value 0 (softmax with a zero logit). Written the textbook way: {@code e^x / sum e^x}, in double.
     */
    static double[] slotSoftmaxOutput(float[] q, float[] k, float[] v, float[] sinkK, float[] sinkV, int heads,
                                      int bhCount, int len, int d, int dv, float scale) {
        double[] out = new double[bhCount * len * dv];
        for (int bh = 0; bh < bhCount; bh++) {
            int h = bh % heads;
            for (int i = 0; i < len; i++) {
                double sigma = sinkK == null ? 0 : scale * dot(q, (bh * len + i) * d, sinkK, h * d, d);
                double total = Math.exp(sigma);
                double[] num = new double[dv];
                for (int e = 0; e < dv; e++) {
                    num[e] = sinkV == null ? 0 : total * sinkV[h * dv + e];
                }
                for (int j = 0; j <= i; j++) {
                    double w = Math.exp(scale * dot(q, (bh * len + i) * d, k, (bh * len + j) * d, d));
                    total += w;
                    for (int e = 0; e < dv; e++) {
                        num[e] += w * v[(bh * len + j) * dv + e];
                    }
                }
                for (int e = 0; e < dv; e++) {
                    out[(bh * len + i) * dv + e] = num[e] / total;
                }
            }
        }
        return out;
    }

    /** Window attention: a softmax over keys {@code max(0, i-W+1) .. i} only ({@code a_ij = e^{s_ij}} there, else 0). */
    static double[] windowOutput(float[] q, float[] k, float[] v, int bhCount, int len, int d, int dv, float scale,
                                 int window) {
        return weightedSum((bh, i, j) -> j > i - window
                ? Math.exp(scale * dot(q, (bh * len + i) * d, k, (bh * len + j) * d, d)) : 0, v, bhCount, len, dv, true);
    }
}
