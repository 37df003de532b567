package org.attnlab.probe;

import ai.djl.ndarray.NDManager;
import org.attnlab.data.LmBatch;
import org.attnlab.model.DecoderLM;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AblationTest {

    /** Next-token windows of random tokens: inputs t[0..L-1], targets t[1..L]. */
    private static LmBatch batch(int b, int len, long seed) {
        int[][] t = ProbeFixtures.tokens(b, len + 1, seed);
        int[][] in = new int[b][];
        int[][] tg = new int[b][];
        for (int i = 0; i < b; i++) {
            in[i] = java.util.Arrays.copyOfRange(t[i], 0, len);
            tg[i] = java.util.Arrays.copyOfRange(t[i], 1, len + 1);
        }
        return new LmBatch(in, tg, new int[b]);
    }

    private static double metric(Table t, String component, String metric) {
        Table rows = ProbeTable.only(t, metric);
        for (int r = 0; r < rows.rowCount(); r++) {
            if (rows.stringColumn(ProbeTable.COMPONENT).get(r).equals(component)) {
                return rows.doubleColumn(ProbeTable.VALUE).getDouble(r);
            }
        }
        throw new AssertionError("no row " + component + " / " + metric + " in\n" + t.print());
    }

    @Test
    void ablatingAHeadWhoseOutputIsAlreadyZeroChangesNothingInAnyMode() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 21);
            ProbeFixtures.silenceHead(lm, m, 1, 0);
            LmBatch b = batch(3, 6, 1);
            for (Ablation.Mode mode : Ablation.Mode.values()) {
                Table t = Ablation.of(lm, m, b).mode(mode).reference(ProbeFixtures.tokens(4, 6, 9)).seed(5)
                        .ablate(Ablation.head(1, 0));
                assertEquals(0.0, metric(t, "L1.H0", Ablation.LOSS + Ablation.CHANGE), 1e-6, mode.label());
                assertEquals(0.0, metric(t, "L1.H0", Ablation.ACCURACY + Ablation.CHANGE), 0.0, mode.label());
                assertEquals(mode.label(), t.stringColumn(ProbeTable.MODE).get(0));
            }
            // the live head of the same layer does change the loss
            Table live = Ablation.of(lm, m, b).ablate(Ablation.head(1, 1));
            assertNotEquals(0.0, metric(live, "L1.H1", Ablation.LOSS + Ablation.CHANGE), 1e-6);
        }
    }

    @Test
    void zeroAblationThroughTheHookEqualsZeroingTheHeadsOutputWeights() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 22);
            LmBatch b = batch(2, 7, 2);
            Table hooked = Ablation.of(lm, m, b).ablate(Ablation.head(0, 1));
            double before = metric(hooked, "L0.H1", Ablation.LOSS + Ablation.BEFORE);
            double after = metric(hooked, "L0.H1", Ablation.LOSS + Ablation.AFTER);
            assertEquals(after - before, metric(hooked, "L0.H1", Ablation.LOSS + Ablation.CHANGE), 1e-12);
            ProbeFixtures.silenceHead(lm, m, 0, 1);
            Table silenced = Ablation.of(lm, m, b).ablate(Ablation.head(0, 1));
            assertEquals(after, metric(silenced, "L0.H1", Ablation.LOSS + Ablation.BEFORE), 1e-5);
        }
    }

    @Test
    void resamplingFromAOneSequenceReferenceThatIsTheBatchChangesNothing() {
        // a one-sequence reference: resampling can only give each head its own activations back (a mean cannot)
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 23);
            LmBatch b = batch(1, 6, 3);
            Table t = Ablation.of(lm, m, b).mode(Ablation.Mode.RESAMPLE).reference(b.inputs())
                    .ablate(Ablation.head(0, 0), Ablation.head(1, 1), Ablation.mlp(0));
            String name = "L0.H0+L1.H1+L0.mlp";
            assertEquals(0.0, metric(t, name, Ablation.LOSS + Ablation.CHANGE), 1e-6);
            Table mean = Ablation.of(lm, m, b).mode(Ablation.Mode.MEAN).ablate(Ablation.mlp(0));
            assertNotEquals(0.0, metric(mean, "L0.mlp", Ablation.LOSS + Ablation.CHANGE), 1e-6);
        }
    }

    @Test
    void eachAblatesEveryHeadAndMlpAloneAndResamplingIsSeeded() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 24);
            LmBatch b = batch(4, 5, 4);
            Table t = Ablation.of(lm, m, b).mode(Ablation.Mode.RESAMPLE).seed(1).each();
            List<String> components = t.stringColumn(ProbeTable.COMPONENT).asList().stream().distinct().toList();
            assertEquals(List.of("L0.H0", "L0.H1", "L1.H0", "L1.H1", "L0.mlp", "L1.mlp"), components);
            assertEquals(components.size() * 6, t.rowCount());
            Table again = Ablation.of(lm, m, b).mode(Ablation.Mode.RESAMPLE).seed(1).each();
            assertEquals(t.doubleColumn(ProbeTable.VALUE).asList(), again.doubleColumn(ProbeTable.VALUE).asList());
            Table other = Ablation.of(lm, m, b).mode(Ablation.Mode.RESAMPLE).seed(2).each();
            assertNotEquals(t.doubleColumn(ProbeTable.VALUE).asList(), other.doubleColumn(ProbeTable.VALUE).asList());
        }
    }

    @Test
    void aSuppliedMetricIsReportedByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 25);
            int[][] tokens = ProbeFixtures.tokens(2, 5, 5);
            Table t = Ablation.of(lm, m, tokens).metric("logit_diff", LogitMetric.logitDifference(-1, new int[] {1, 2},
                    new int[] {3, 4})).ablate(Ablation.mlp(1));
            assertEquals(List.of("logit_diff_before", "logit_diff_after", "logit_diff_change"),
                    t.stringColumn(ProbeTable.METRIC).asList());
        }
    }

    @Test
    void badTargetsFailNamingTheValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 26);
            LmBatch b = batch(2, 5, 6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Ablation.of(lm, m, b).ablate(Ablation.head(0, 5)));
            assertTrue(e.getMessage().contains("head 5") && e.getMessage().contains("0..1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ablation.of(lm, m, b).ablate(Ablation.mlp(3)));
            assertTrue(e.getMessage().contains("layer 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ablation.of(lm, m, b).mode(Ablation.Mode.RESAMPLE)
                    .reference(ProbeFixtures.tokens(2, 9, 1)).ablate(Ablation.head(0, 0)));
            assertTrue(e.getMessage().contains("length 5") && e.getMessage().contains("length 9"), e.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> Ablation.of(lm, m, b.inputs()).ablate(Ablation.head(0, 0)));
        }
    }
}
