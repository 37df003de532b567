package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectLogitAttributionTest {

    private static double sumOfParts(Table t) {
        Table parts = ProbeTable.only(t, DirectLogitAttribution.ATTRIBUTION);
        return parts.doubleColumn(ProbeTable.VALUE).sum();
    }

    /** The model's own logit[b, p, ids[b]] averaged over b, from a plain forward. */
    private static double logit(DecoderLM lm, NDManager m, int[][] tokens, int p, int[] ids) {
        try (NDManager sub = m.newSubManager()) {
            NDArray logits = lm.forward(new ParameterStore(sub, false), ProbeRun.tokens(sub, tokens), false);
            double sum = 0;
            for (int b = 0; b < ids.length; b++) {
                sum += logits.get(new NDIndex("{}, {}, {}", b, p, ids[b])).getFloat();
            }
            return sum / ids.length;
        }
    }

    @Test
    void theAttributionsOfEmbeddingHeadsAndMlpsSumToTheLogit() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 11);
            int[][] tokens = ProbeFixtures.tokens(3, 7, 1);
            int[] correct = {2, 5, 9};
            for (int p : new int[] {0, 3, 6}) {
                Table t = DirectLogitAttribution.measure(lm, m, tokens, p, correct);
                double expected = logit(lm, m, tokens, p, correct);
                assertEquals(expected, sumOfParts(t), 1e-4 * Math.max(1, Math.abs(expected)), "position " + p);
                assertEquals(expected, ProbeTable.only(t, DirectLogitAttribution.MODEL_LOGIT)
                        .doubleColumn(ProbeTable.VALUE).getDouble(0), 1e-5 * Math.max(1, Math.abs(expected)));
                // embed + 2 layers x (2 heads + mlp)
                assertEquals(1 + 2 * (ProbeFixtures.HEADS + 1),
                        ProbeTable.only(t, DirectLogitAttribution.ATTRIBUTION).rowCount());
            }
            Table last = DirectLogitAttribution.measure(lm, m, tokens, -1, correct);
            double atLast = logit(lm, m, tokens, 6, correct);
            assertEquals(atLast, sumOfParts(last), 1e-4 * Math.max(1, Math.abs(atLast)));
        }
    }

    @Test
    void theDifferenceVersionSumsToTheLogitDifference() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 12);
            int[][] tokens = ProbeFixtures.tokens(2, 5, 2);
            int[] correct = {1, 3};
            int[] wrong = {4, 0};
            Table t = DirectLogitAttribution.measureDifference(lm, m, tokens, 4, correct, wrong);
            double expected = logit(lm, m, tokens, 4, correct) - logit(lm, m, tokens, 4, wrong);
            assertEquals(expected, sumOfParts(t), 1e-4 * Math.max(1, Math.abs(expected)));
            assertTrue(Math.abs(expected) > 1e-2, "a difference worth checking: " + expected);
        }
    }

    @Test
    void aSilencedHeadAttributesNothingAndAnMlpLayerCountsItsAttentionSlotWhole() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 13, LayerPlan.of(AttentionKind.MLP, AttentionKind.STANDARD));
            ProbeFixtures.silenceHead(lm, m, 1, 1);
            int[][] tokens = ProbeFixtures.tokens(2, 6, 3);
            int[] correct = {7, 8};
            Table t = DirectLogitAttribution.measure(lm, m, tokens, 5, correct);
            assertEquals(0.0, ProbeTable.value(t, 1, 1, DirectLogitAttribution.ATTRIBUTION), 1e-9);
            assertTrue(Math.abs(ProbeTable.value(t, 1, 0, DirectLogitAttribution.ATTRIBUTION)) > 1e-4);
            assertTrue(t.stringColumn(ProbeTable.COMPONENT).contains("L0.attn"), t.print());
            double expected = logit(lm, m, tokens, 5, correct);
            assertEquals(expected, sumOfParts(t), 1e-4 * Math.max(1, Math.abs(expected)));
        }
    }

    @Test
    void badInputFailsNamingTheValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 14);
            int[][] tokens = ProbeFixtures.tokens(2, 4, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DirectLogitAttribution.measure(lm, m, tokens, 4, new int[] {1, 2}));
            assertTrue(e.getMessage().contains("position 4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> DirectLogitAttribution.measure(lm, m, tokens, 0, new int[] {1, 99}));
            assertTrue(e.getMessage().contains("99"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> DirectLogitAttribution.measure(lm, m, tokens, 0, new int[] {1}));
            assertTrue(e.getMessage().contains("2 sequences"), e.getMessage());
        }
    }
}
