package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probes on the kinds whose rows do not sum to 1 over the real tokens (sigmoid, softmax-zero, sink-kv), on a
 * window, and on a model with register tokens: they run, lay their tables out as for any model, and say where
 * the mass that misses the real tokens went.
 */
class SinkKindsProbesTest {

    private static final int K = 2;
    private static final int L = 6;

    /** 5 layers (sigmoid, softmax-zero, sink-kv, window, MLP last), k registers, weights scaled up as ProbeFixtures. */
    private static DecoderLM model(NDManager manager, int registers) {
        LayerPlan plan = LayerPlan.of(AttentionKind.SIGMOID, AttentionKind.SOFTMAX_ZERO, AttentionKind.SINK_KV,
                AttentionKind.WINDOW, AttentionKind.MLP);
        ModelConfig c = ModelConfig.builder(ProbeFixtures.VOCAB, ProbeFixtures.D_MODEL, ProbeFixtures.HEADS, 5)
                .plan(plan).window(3).registers(registers).maxLength(32).build();
        DecoderLM lm = DecoderLM.create(c, manager, 11);
        NDArray factor = manager.create(8f);
        lm.getParameters().forEach(p -> {
            if (p.getValue().getType() == Parameter.Type.WEIGHT) {
                p.getValue().getArray().muli(factor);
            }
        });
        return lm;
    }

    @Test
    void everyProbeRunsOnTheNewKindsWithAndWithoutRegisters() {
        for (int registers : new int[] {0, K}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                DecoderLM model = model(manager, registers);
                int[][] tokens = ProbeFixtures.tokens(3, L, 1);
                int[][] clean = ProbeFixtures.tokens(2, L, 2);
                int[][] corrupted = ProbeFixtures.tokens(2, L, 3);
                int[] correct = {1, 2};
                int[] wrong = {3, 4};
                LogitMetric diff = LogitMetric.logitDifference(-1, correct, wrong);
                String at = " (registers=" + registers + ")";
                Table scores = HeadScores.measure(model, manager, tokens);
                assertEquals(4 * 2 * (HeadScores.PATTERN_SCORES.size() + 1), scores.rowCount(), at);
                Table induction = InductionScores.measure(model, manager, tokens);
                assertEquals(4 * 2 * InductionScores.SCORES.size(), induction.rowCount(), at);
                Table zero = Ablation.of(model, manager, clean).metric("diff", diff).each();
                Table mean = Ablation.of(model, manager, clean).metric("diff", diff).mode(Ablation.Mode.MEAN).each();
                Table resample = Ablation.of(model, manager, clean).metric("diff", diff)
                        .mode(Ablation.Mode.RESAMPLE).each();
                assertEquals(zero.rowCount(), mean.rowCount(), at);
                assertEquals(zero.rowCount(), resample.rowCount(), at);
                Table patched = ActivationPatching.residual(model, manager, clean, corrupted, diff);
                assertEquals(5 * L * 2, patched.rowCount(), at);
                Table byHead = ActivationPatching.heads(model, manager, clean, corrupted, diff);
                assertEquals(4 * 2 * 2, byHead.rowCount(), at);
                // the last layer is an MLP: the last logits read only the last position of its input, so patching
                // that one position (k + L-1 of the stream) recovers everything, registers or not
                double last = ActivationPatching.recovered(model, manager, clean, corrupted, diff,
                        ActivationPatching.residual(4, L - 1));
                assertEquals(1.0, last, 1e-4, "patching the last position before the MLP layer" + at);
                double notLast = ActivationPatching.recovered(model, manager, clean, corrupted, diff,
                        ActivationPatching.residual(4, L - 2));
                assertEquals(0.0, notLast, 1e-4, "patching another position before the MLP layer" + at);
                // direct logit attribution checks itself: its terms must sum to the logit
                Table dla = DirectLogitAttribution.measure(model, manager, clean, -1, correct);
                assertTrue(dla.rowCount() > 0, at);
                try (NDManager sub = manager.newSubManager()) {
                    ParameterStore ps = new ParameterStore(sub, false);
                    NDArray t = sub.create(tokens[0]).reshape(1, L);
                    Table diag = AttentionDiagnostics.of(model, ps, t);
                    assertEquals(4 * 2 * AttentionDiagnostics.PATTERN_METRICS.size(), diag.rowCount(), at);
                    Table logits = AttentionDiagnostics.maxLogits(model, ps, t);
                    assertEquals(4 * 2, logits.rowCount(), at);
                }
            }
        }
    }

    @Test
    void offTokenMassSaysWhereTheRestOfEachRowWent() {
        try (NDManager manager = NDManager.newBaseManager()) {
            DecoderLM model = model(manager, K);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray t = manager.create(ProbeFixtures.tokens(2, L, 4)[0]).reshape(1, L);
            Table off = AttentionDiagnostics.offTokenMass(model, ps, t);
            // registers: every layer with a pattern; slot: softmax-zero (1) and sink-kv (2)
            assertEquals(4 * 2 + 2 * 2, off.rowCount());
            Map<String, NDArray> real = model.runWithCache(ps, t, n -> true);
            Map<String, NDArray> raw = model.runWithRawCache(ps, t, HookName::isPattern);
            for (int layer = 0; layer < 4; layer++) {
                for (int h = 0; h < 2; h++) {
                    double registers = value(off, layer, h, AttentionDiagnostics.REGISTER_MASS);
                    // by hand from the raw pattern: real queries 1..L-1 are rows K+1..K+L-1, registers columns 0..K-1
                    NDArray onRegisters = raw.get(HookName.pattern(layer))
                            .get(new NDIndex("0, {}, {}:, :{}", h, K + 1, K)).sum(new int[] {1}).mean();
                    assertEquals(onRegisters.getFloat(), registers, 1e-6, "register mass, layer " + layer);
                    // the real tokens' share + the registers' + the slot's is the whole row (sigmoid aside)
                    double onTokens = real.get(HookName.pattern(layer)).get(new NDIndex("0, {}, 1:, :", h))
                            .sum(new int[] {1}).mean().getFloat();
                    AttentionKind kind = model.kindAt(layer);
                    if (kind.rowSum() == AttentionKind.RowSum.BELOW_ONE) {
                        double slot = value(off, layer, h, AttentionDiagnostics.SLOT_MASS);
                        assertEquals(1.0, onTokens + registers + slot, 1e-5, kind.label());
                        assertTrue(slot > 0 && slot < 1, kind.label() + " slot mass " + slot);
                    } else if (kind.rowSum() == AttentionKind.RowSum.ONE) {
                        assertEquals(1.0, onTokens + registers, 1e-5, kind.label());
                    }
                }
            }
            // sink-kv's slot mass is its sink_weight hook, averaged over the real queries 1..L-1
            NDArray sinkWeight = real.get(HookName.attn(2, "sink_weight"));                       // (1,H,L)
            for (int h = 0; h < 2; h++) {
                assertEquals(sinkWeight.get(new NDIndex("0, {}, 1:", h)).mean().getFloat(),
                        value(off, 2, h, AttentionDiagnostics.SLOT_MASS), 1e-6);
            }
            // no registers, no slot: nothing to report
            DecoderLM plain = ProbeFixtures.model(manager, 1);
            assertEquals(0, AttentionDiagnostics.offTokenMass(plain, ps, t).rowCount());
        }
    }

    @Test
    void entropiesOfRowsThatDoNotSumToOneAreOfTheRenormalisedRow() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // one head, L = 3: rows [1], [0.25, 0.25] (half the mass elsewhere), [0.2, 0.2, 0.2]
            NDArray a = manager.create(new float[] {1, 0, 0, 0.25f, 0.25f, 0, 0.2f, 0.2f, 0.2f}, new Shape(1, 1, 3, 3));
            Map<String, double[]> m = AttentionDiagnostics.perHead(a);
            assertEquals((Math.log(2) + Math.log(3)) / 2, m.get(AttentionDiagnostics.ENTROPY)[0], 1e-6);
            assertEquals(1.0, m.get(AttentionDiagnostics.NORMALISED_ENTROPY)[0], 1e-6);
            assertEquals((0.25 + 0.2) / 2, m.get(AttentionDiagnostics.SINK_MASS)[0], 1e-6);   // mass as it is
            float[][] w = {{1, 0, 0}, {0.25f, 0.25f, 0}, {0.2f, 0.2f, 0.2f}};
            assertEquals((Math.log(2) + Math.log(3)) / 2, HeadScores.entropy(w), 1e-6);
            // a softmax row is used as it is
            float[][] soft = {{1, 0}, {0.5f, 0.5f}};
            assertEquals(Math.log(2), HeadScores.entropy(soft), 0);
        }
    }

    private static double value(Table t, int layer, int head, String metric) {
        for (int r = 0; r < t.rowCount(); r++) {
            if (t.intColumn(AttentionDiagnostics.LAYER).getInt(r) == layer
                    && t.intColumn(AttentionDiagnostics.HEAD).getInt(r) == head
                    && t.stringColumn(AttentionDiagnostics.METRIC).get(r).equals(metric)) {
                return t.doubleColumn(AttentionDiagnostics.VALUE).getDouble(r);
            }
        }
        throw new AssertionError("no " + metric + " for layer " + layer + " head " + head + " in " + t);
    }
}
