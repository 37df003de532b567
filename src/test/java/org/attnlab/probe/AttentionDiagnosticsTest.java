package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.AttentionOps;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.LearnedPositionsLM;
import org.attnlab.model.ModelConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Diagnostics on hand-made maps with known values, and on a real model's patterns. */
class AttentionDiagnosticsTest {

    private static final int L = 6;
    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** Head 0 uniform over the prefix, head 1 one-hot on token 0 (a sink), head 2 the diagonal. */
    private static float[][][] threeHeads() {
        float[][][] w = new float[3][L][L];
        for (int i = 0; i < L; i++) {
            for (int j = 0; j <= i; j++) {
                w[0][i][j] = 1f / (i + 1);
            }
            w[1][i][0] = 1f;
            w[2][i][i] = 1f;
        }
        return w;
    }

    private static NDArray pattern(float[][][] heads) {
        float[] flat = new float[heads.length * L * L];
        for (int h = 0; h < heads.length; h++) {
            for (int i = 0; i < L; i++) {
                System.arraycopy(heads[h][i], 0, flat, (h * L + i) * L, L);
            }
        }
        return manager.create(flat, new Shape(1, heads.length, L, L));
    }

    @Test
    void knownValuesOfUniformSinkAndDiagonalHeads() {
        Map<String, double[]> m = AttentionDiagnostics.perHead(pattern(threeHeads()));
        double entropyUniform = 0, sinkUniform = 0, localUniform = 0, frobUniform = 0;
        for (int i = 1; i < L; i++) {
            entropyUniform += Math.log(i + 1) / (L - 1);
            sinkUniform += 1.0 / (i + 1) / (L - 1);
            localUniform += Math.min(i + 1, 4) / (double) (i + 1) / (L - 1);
        }
        for (int i = 0; i < L; i++) {
            frobUniform += 1.0 / (i + 1);                      // row i: (i+1) entries of 1/(i+1)^2
        }
        // uniform head
        assertEquals(entropyUniform, m.get(AttentionDiagnostics.ENTROPY)[0], 1e-6);
        assertEquals(1.0, m.get(AttentionDiagnostics.NORMALISED_ENTROPY)[0], 1e-6);
        assertEquals(sinkUniform, m.get(AttentionDiagnostics.SINK_MASS)[0], 1e-6);
        assertEquals(localUniform, m.get(AttentionDiagnostics.LOCAL_FOCUS)[0], 1e-6);
        assertEquals(Math.sqrt(frobUniform), m.get(AttentionDiagnostics.CONCENTRATION)[0], 1e-6);
        // sink head
        assertEquals(0.0, m.get(AttentionDiagnostics.ENTROPY)[1], 1e-6);
        assertEquals(1.0, m.get(AttentionDiagnostics.SINK_MASS)[1], 1e-6);
        assertEquals(3.0 / 5.0, m.get(AttentionDiagnostics.LOCAL_FOCUS)[1], 1e-6);   // queries 1,2,3 of 1..5
        assertEquals(Math.sqrt(L), m.get(AttentionDiagnostics.CONCENTRATION)[1], 1e-6);
        // diagonal head
        assertEquals(0.0, m.get(AttentionDiagnostics.ENTROPY)[2], 1e-6);
        assertEquals(0.0, m.get(AttentionDiagnostics.SINK_MASS)[2], 1e-6);
        assertEquals(1.0, m.get(AttentionDiagnostics.LOCAL_FOCUS)[2], 1e-6);
        assertEquals(Math.sqrt(L), m.get(AttentionDiagnostics.CONCENTRATION)[2], 1e-6);
    }

    @Test
    void headDiversityIsMeanJensenShannonDistance() {
        // sink vs diagonal: disjoint rows for i >= 1 -> JS = 1 bit, distance 1
        float[][][] w = threeHeads();
        Map<String, double[]> two = AttentionDiagnostics.perHead(pattern(new float[][][] {w[1], w[2]}));
        assertEquals(1.0, two.get(AttentionDiagnostics.HEAD_DIVERSITY)[0], 1e-6);
        assertEquals(1.0, two.get(AttentionDiagnostics.HEAD_DIVERSITY)[1], 1e-6);
        Map<String, double[]> same = AttentionDiagnostics.perHead(pattern(new float[][][] {w[0], w[0]}));
        assertEquals(0.0, same.get(AttentionDiagnostics.HEAD_DIVERSITY)[0], 1e-6);
        // uniform vs sink at row i: p = uniform over i+1, q = one-hot at 0 (slow reference)
        double expected = 0;
        for (int i = 1; i < L; i++) {
            double n = i + 1, p0 = 1 / n, m0 = 0.5 * (p0 + 1), js = 0.5 * p0 * Math.log(p0 / m0)
                    + 0.5 * Math.log(1 / m0) + (n - 1) * 0.5 * p0 * Math.log(p0 / (0.5 * p0));
            expected += Math.sqrt(js / Math.log(2)) / (L - 1);
        }
        Map<String, double[]> us = AttentionDiagnostics.perHead(pattern(new float[][][] {w[0], w[1]}));
        assertEquals(expected, us.get(AttentionDiagnostics.HEAD_DIVERSITY)[0], 1e-6);
        Map<String, double[]> one = AttentionDiagnostics.perHead(pattern(new float[][][] {w[0]}));
        assertEquals(0.0, one.get(AttentionDiagnostics.HEAD_DIVERSITY)[0], 0);
    }

    @Test
    void longTableAndSinkFraction() {
        Table t = AttentionDiagnostics.of(Map.of(HookName.pattern(2), pattern(threeHeads())));
        assertEquals(3 * AttentionDiagnostics.PATTERN_METRICS.size(), t.rowCount());
        assertEquals(2, t.intColumn("layer").getInt(0));
        assertEquals(1.0 / 3, AttentionDiagnostics.sinkHeadFraction(t), 1e-12);   // only the one-hot head
        Table per = AttentionDiagnostics.perLayer(t);
        assertEquals(AttentionDiagnostics.PATTERN_METRICS.size(), per.rowCount());
        var notPattern = assertThrows(IllegalArgumentException.class,
                () -> AttentionDiagnostics.of(Map.of("blocks.0.attn.q", pattern(threeHeads()))));
        assertTrue(notPattern.getMessage().contains("'blocks.0.attn.q'")
                && notPattern.getMessage().contains("blocks.N.attn.pattern"), notPattern.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> AttentionDiagnostics.perHead(manager.zeros(new Shape(1, 2, 3, 4))));
    }

    @Test
    void maxLogitMatchesALoop() {
        NDArray q = manager.randomNormal(new Shape(2, 2, 5, 4));
        NDArray k = manager.randomNormal(new Shape(2, 2, 5, 4));
        float[] qa = q.toFloatArray(), ka = k.toFloatArray();
        float scale = 0.5f;
        double[] pair = AttentionDiagnostics.maxAbsCausal(AttentionOps.dotLogits(q, k, scale));
        double[] diag = AttentionDiagnostics.maxAbsCausal(AttentionOps.scalarScoreLogits(q, k, scale));
        for (int h = 0; h < 2; h++) {
            double mp = 0, md = 0;
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < 5; i++) {
                    for (int j = 0; j <= i; j++) {
                        double s = 0;
                        for (int d = 0; d < 4; d++) {
                            s += qa[((b * 2 + h) * 5 + i) * 4 + d] * ka[((b * 2 + h) * 5 + j) * 4 + d];
                        }
                        mp = Math.max(mp, Math.abs(s * scale));
                        if (i == j) {
                            md = Math.max(md, Math.abs(s * scale));
                        }
                    }
                }
            }
            assertEquals(mp, pair[h], 1e-5);
            assertEquals(md, diag[h], 1e-5);
        }
    }

    @Test
    void perLayerMeansPatternMetricsAndTakesTheMaxOfMaxLogits() {
        Table d = Table.create("d", tech.tablesaw.api.StringColumn.create("run"),
                tech.tablesaw.api.IntColumn.create(AttentionDiagnostics.LAYER),
                tech.tablesaw.api.IntColumn.create(AttentionDiagnostics.HEAD),
                tech.tablesaw.api.StringColumn.create(AttentionDiagnostics.METRIC),
                tech.tablesaw.api.DoubleColumn.create(AttentionDiagnostics.VALUE));
        Object[][] rows = {
            {"a", 0, 0, AttentionDiagnostics.SINK_MASS, 0.2}, {"a", 0, 1, AttentionDiagnostics.SINK_MASS, 0.6},
            {"a", 1, 0, AttentionDiagnostics.SINK_MASS, 0.1}, {"a", 1, 1, AttentionDiagnostics.SINK_MASS, 0.3},
            {"b", 0, 0, AttentionDiagnostics.SINK_MASS, 1.0}, {"b", 0, 1, AttentionDiagnostics.SINK_MASS, 0.0},
            {"a", 0, 0, AttentionDiagnostics.MAX_LOGIT, 3.0}, {"a", 0, 1, AttentionDiagnostics.MAX_LOGIT, 7.0}};
        for (Object[] r : rows) {
            d.stringColumn("run").append((String) r[0]);
            d.intColumn(AttentionDiagnostics.LAYER).append((Integer) r[1]);
            d.intColumn(AttentionDiagnostics.HEAD).append((Integer) r[2]);
            d.stringColumn(AttentionDiagnostics.METRIC).append((String) r[3]);
            d.doubleColumn(AttentionDiagnostics.VALUE).append((Double) r[4]);
        }
        Table per = AttentionDiagnostics.perLayer(d);
        assertEquals(java.util.List.of("run", "layer", "metric", "value"), per.columnNames());
        assertEquals(4, per.rowCount());                                          // groups in order of appearance
        assertEquals(java.util.List.of("a", "a", "b", "a"), per.stringColumn("run").asList());
        assertEquals(0.4, per.doubleColumn("value").getDouble(0), 1e-12);         // mean over heads
        assertEquals(0.2, per.doubleColumn("value").getDouble(1), 1e-12);
        assertEquals(0.5, per.doubleColumn("value").getDouble(2), 1e-12);
        assertEquals(AttentionDiagnostics.MAX_LOGIT, per.stringColumn("metric").get(3));
        assertEquals(7.0, per.doubleColumn("value").getDouble(3), 0);             // max over heads
        assertThrows(IllegalArgumentException.class, () -> AttentionDiagnostics.perLayer(
                Table.create("x", tech.tablesaw.api.DoubleColumn.create(AttentionDiagnostics.VALUE))));
    }

    /**
     * Max logits come from the logits each kind's weights are made of: softmax of them is the recorded pattern, for
     * PaTH and FoX too (whose logits are not {@code q.k}), and the table holds their causal max.
     */
    @Test
    void maxLogitsAreTheLogitsEachKindUses() {
        for (AttentionKind kind : List.of(AttentionKind.STANDARD, AttentionKind.FOX, AttentionKind.PATH,
                AttentionKind.PATH_FOX, AttentionKind.NON_APPROXIMATE)) {
            ModelConfig cfg = ModelConfig.builder(11, 16, 2, 1).plan(LayerPlan.uniform(kind, 1)).build();
            try (NDManager m = NDManager.newBaseManager()) {
                DecoderLM model = DecoderLM.create(cfg, m, 5);
                ParameterStore ps = new ParameterStore(m, false);
                NDArray tokens = m.create(new int[] {1, 4, 2, 9, 3, 3, 7, 0, 5, 10, 6, 8}, new Shape(2, 6));
                Map<String, NDArray> cache = model.runWithCache(ps, tokens, n -> n.startsWith("blocks.0.attn."));
                Map<String, NDArray> local = new java.util.HashMap<>();
                cache.forEach((n, v) -> {
                    if (n.startsWith("blocks.0.attn.")) {
                        local.put(n.substring("blocks.0.attn.".length()), v);
                    }
                });
                float scale = cfg.attentionConfig().scale();
                NDArray logits = AttentionOps.logits(kind, local, scale);
                NDArray weights = kind == AttentionKind.NON_APPROXIMATE
                        ? AttentionOps.maskedSoftmax(logits.expandDims(2)) : AttentionOps.maskedSoftmax(logits);
                assertTrue(weights.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                        .allClose(local.get("pattern"), 1e-5, 1e-6, false), kind + ": softmax(logits) != pattern");
                Table t = AttentionDiagnostics.maxLogits(model, ps, tokens);
                double[] expected = AttentionDiagnostics.maxAbsCausal(logits);
                assertEquals(2, t.rowCount(), kind.label());
                for (int h = 0; h < 2; h++) {
                    assertEquals(expected[h], t.doubleColumn("value").getDouble(h), 1e-9, kind.label());
                }
                if (kind == AttentionKind.PATH) {   // q.k alone is not PaTH's logit
                    double[] dot = AttentionDiagnostics.maxAbsCausal(AttentionOps.dotLogits(local.get("q"),
                            local.get("k"), scale));
                    assertTrue(Math.abs(dot[0] - expected[0]) + Math.abs(dot[1] - expected[1]) > 1e-6);
                }
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> AttentionOps.logits(AttentionKind.MLP, Map.of(), 1f));
        assertThrows(IllegalArgumentException.class,
                () -> AttentionOps.logits(AttentionKind.PATH, Map.of("q", manager.zeros(new Shape(1, 1, 2, 2)),
                        "k", manager.zeros(new Shape(1, 1, 2, 2))), 1f));
    }

    @Test
    void realModelPatternsGiveMetricsInRange() {
        ModelConfig cfg = ModelConfig.builder(11, 16, 2, 2).plan("hybrid:non-approximate").build();
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM model = DecoderLM.create(cfg, m, 3);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray tokens = m.randomInteger(0, 11, new Shape(2, 8), ai.djl.ndarray.types.DataType.INT32);
            Table t = AttentionDiagnostics.of(model, ps, tokens);
            assertEquals(2 * 2 * AttentionDiagnostics.PATTERN_METRICS.size(), t.rowCount());
            for (int r = 0; r < t.rowCount(); r++) {
                double v = t.doubleColumn("value").getDouble(r);
                assertTrue(Double.isFinite(v) && v >= -1e-9, t.stringColumn("metric").get(r) + "=" + v);
                if (!t.stringColumn("metric").get(r).equals(AttentionDiagnostics.ENTROPY)
                        && !t.stringColumn("metric").get(r).equals(AttentionDiagnostics.CONCENTRATION)) {
                    assertTrue(v <= 1 + 1e-5, t.stringColumn("metric").get(r) + "=" + v);
                }
            }
            Table logits = AttentionDiagnostics.maxLogits(model, ps, tokens);
            assertEquals(2 * 2, logits.rowCount());
            assertFalse(logits.doubleColumn("value").isMissing().size() > 0);
            assertEquals(AttentionKind.NON_APPROXIMATE, cfg.plan().kindAt(0));
        }
    }

    @Test
    void anyHookedModelCanBeDiagnosed() {
        ModelConfig cfg = ModelConfig.builder(7, 8, 2, 2).plan(LayerPlan.of(AttentionKind.NOPE, AttentionKind.MLP))
                .build();
        try (NDManager m = NDManager.newBaseManager()) {
            LearnedPositionsLM lm = LearnedPositionsLM.create(cfg, 6, m, 5);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray tokens = m.randomInteger(0, 7, new Shape(2, 6), ai.djl.ndarray.types.DataType.INT32);
            Table t = AttentionDiagnostics.of(lm, ps, tokens);
            Table expected = AttentionDiagnostics.of(lm.patterns(ps, tokens));
            assertEquals(2 * AttentionDiagnostics.PATTERN_METRICS.size(), t.rowCount());     // layer 0 only
            assertArrayEquals(expected.doubleColumn("value").asDoubleArray(), t.doubleColumn("value").asDoubleArray());
            Table logits = AttentionDiagnostics.maxLogits(lm, ps, tokens);
            assertEquals(2, logits.rowCount());
            assertEquals(0, logits.intColumn("layer").getInt(1));
        }
    }
}
