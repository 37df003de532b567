package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.LayerPlan;
import org.attnlab.probe.FunctionVectors.Head;
import org.attnlab.probe.FunctionVectors.HeadMeans;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FunctionVectorsTest {

    private static final int D = ProbeFixtures.D_MODEL / ProbeFixtures.HEADS;

    /** Logits [B, L, V] of a run with hooks, as floats. */
    private static float[] logits(DecoderLM lm, NDManager m, int[][] tokens, Hooks hooks) {
        try (NDManager sub = m.newSubManager()) {
            return lm.forward(new ParameterStore(sub, false), ProbeRun.tokens(sub, tokens), false, hooks)
                    .toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    /** softmax(logits[b, p])[answer] averaged over b, by hand. */
    private static double probability(float[] logits, int b, int len, int vocab, int p, int answer) {
        int at = (b * len + p) * vocab;
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[at + v]);
        }
        double z = 0;
        for (int v = 0; v < vocab; v++) {
            z += Math.exp(logits[at + v] - max);
        }
        return Math.exp(logits[at + answer] - max) / z;
    }

    @Test
    void headMeansAreTheMeanOfZAtThePositionOverPrompts() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 21);
            int[][] prompts = ProbeFixtures.tokens(4, 6, 5);
            HeadMeans means = FunctionVectors.meanHeadOutputs(lm, m, prompts, -2);   // position 4
            Map<String, NDArray> cache = lm.runWithCache(new ParameterStore(m, false), ProbeRun.tokens(m, prompts),
                    n -> n.equals(HookName.z(1)));
            float[] z = cache.get(HookName.z(1)).toFloatArray();                       // (B,H,L,D)
            for (int h = 0; h < ProbeFixtures.HEADS; h++) {
                float[] expected = new float[D];
                for (int b = 0; b < 4; b++) {
                    for (int d = 0; d < D; d++) {
                        expected[d] += z[((b * ProbeFixtures.HEADS + h) * 6 + 4) * D + d] / 4f;
                    }
                }
                assertArrayEquals(expected, means.of(1, h), 1e-5f, "head " + h);
            }
            assertEquals(2, means.layers());
            assertEquals(D, means.headDim());
        }
    }

    @Test
    void aHeadWhoseOutputDoesNotReachTheStreamHasIndirectEffectZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 22);
            ProbeFixtures.silenceHead(lm, m, 0, 1);
            int[][] clean = ProbeFixtures.tokens(5, 7, 6);
            int[][] corrupted = ProbeFixtures.tokens(5, 7, 7);
            int[] answers = {1, 2, 3, 4, 5};
            HeadMeans means = FunctionVectors.meanHeadOutputs(lm, m, clean, -1);
            Table ie = FunctionVectors.indirectEffects(lm, m, means, corrupted, -1, answers);
            assertEquals(0.0, ProbeTable.value(ie, 0, 1, FunctionVectors.INDIRECT_EFFECT), 1e-7);
            // the other heads do move the answer's probability (so the zero above is not a dead metric)
            double live = 0;
            for (Head h : List.of(new Head(0, 0), new Head(1, 0), new Head(1, 1))) {
                live = Math.max(live, Math.abs(ProbeTable.value(ie, h.layer(), h.head(),
                        FunctionVectors.INDIRECT_EFFECT)));
            }
            assertTrue(live > 1e-4, "some head changes P(answer): " + live);
        }
    }

    @Test
    void theIndirectEffectMatchesAHandPatchedRun() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 23);
            int[][] clean = ProbeFixtures.tokens(3, 5, 8);
            int[][] corrupted = ProbeFixtures.tokens(3, 5, 9);
            int[] answers = {7, 0, 3};
            HeadMeans means = FunctionVectors.meanHeadOutputs(lm, m, clean, -1);
            Table ie = FunctionVectors.indirectEffects(lm, m, means, corrupted, -1, answers);
            int layer = 1;
            int head = 0;
            float[] mean = means.of(layer, head);
            // by hand: overwrite z[:, head, 4, :] with the mean through a z hook
            Hooks hooks = Hooks.create().add(HookName.z(layer), z -> {
                NDArray out = z.duplicate();
                out.set(new NDIndex(":, {}, {}, :", head, 4), z.getManager().create(mean));
                return out;
            });
            float[] patched = logits(lm, m, corrupted, hooks);
            float[] plain = logits(lm, m, corrupted, Hooks.none());
            double expected = 0;
            for (int b = 0; b < 3; b++) {
                expected += (probability(patched, b, 5, ProbeFixtures.VOCAB, 4, answers[b])
                        - probability(plain, b, 5, ProbeFixtures.VOCAB, 4, answers[b])) / 3;
            }
            assertEquals(expected, ProbeTable.value(ie, layer, head, FunctionVectors.INDIRECT_EFFECT), 1e-5);
            assertTrue(Math.abs(expected) > 1e-4, "a patch that changes something: " + expected);
        }
    }

    @Test
    void patchingAPromptsOwnMeansChangesNothing() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 24);
            int[][] one = ProbeFixtures.tokens(1, 6, 10);
            HeadMeans own = FunctionVectors.meanHeadOutputs(lm, m, one, -1);
            Table ie = FunctionVectors.indirectEffects(lm, m, own, one, -1, new int[] {4});
            for (double v : ProbeTable.only(ie, FunctionVectors.INDIRECT_EFFECT).doubleColumn(ProbeTable.VALUE)
                    .asDoubleArray()) {
                assertEquals(0.0, v, 1e-6);
            }
        }
    }

    @Test
    void theFunctionVectorOfOneHeadIsItsMeanThroughItsSliceOfWo() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 25);
            HeadMeans means = FunctionVectors.meanHeadOutputs(lm, m, ProbeFixtures.tokens(3, 5, 11), -1);
            float[] wo = lm.outputProjection(new ParameterStore(m, false), 1).toFloatArray();   // (H*D, d) row-major
            int d = ProbeFixtures.D_MODEL;
            float[] mean = means.of(1, 1);
            float[] expected = new float[d];
            for (int i = 0; i < D; i++) {
                for (int j = 0; j < d; j++) {
                    expected[j] += mean[i] * wo[(D + i) * d + j];
                }
            }
            float[] fv = FunctionVectors.functionVector(lm, m, means, List.of(new Head(1, 1)));
            assertArrayEquals(expected, fv, 1e-4f);
            // and the vector of two heads is the sum of theirs
            float[] other = FunctionVectors.functionVector(lm, m, means, List.of(new Head(0, 0)));
            float[] both = FunctionVectors.functionVector(lm, m, means, List.of(new Head(1, 1), new Head(0, 0)));
            for (int j = 0; j < d; j++) {
                assertEquals(expected[j] + other[j], both[j], 1e-4f);
            }
        }
    }

    @Test
    void headsIntoResidualIsTheSumOfEachHeadsMeanTimesItsRows() {
        try (NDManager m = NDManager.newBaseManager()) {
            SplittableRandom r = new SplittableRandom(3);
            int h = 3;
            int dh = 2;
            int d = 5;
            float[] z = new float[h * dh];
            float[] w = new float[h * dh * d];
            for (int i = 0; i < z.length; i++) {
                z[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
            }
            float[] got = FunctionVectors.headsIntoResidual(m.create(z, new Shape(h, dh)), m.create(w, new Shape(h * dh, d)),
                    2, 0).toFloatArray();
            float[] expected = new float[d];
            for (int head : new int[] {2, 0}) {
                for (int i = 0; i < dh; i++) {
                    for (int j = 0; j < d; j++) {
                        expected[j] += z[head * dh + i] * w[(head * dh + i) * d + j];
                    }
                }
            }
            assertArrayEquals(expected, got, 1e-5f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    FunctionVectors.headsIntoResidual(m.create(z, new Shape(h, dh)), m.create(w, new Shape(h * dh, d)), 3));
            assertTrue(e.getMessage().contains("head 3 is outside 0..2"), e.getMessage());
        }
    }

    @Test
    void addingAZeroVectorChangesNothing() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 26);
            int[][] tokens = ProbeFixtures.tokens(2, 5, 12);
            float[] plain = logits(lm, m, tokens, Hooks.none());
            for (int layer = 0; layer < 2; layer++) {
                Hooks zero = FunctionVectors.addToResidual(lm, layer, -1, new float[ProbeFixtures.D_MODEL]);
                assertArrayEquals(plain, logits(lm, m, tokens, zero), 0f, "layer " + layer);
            }
        }
    }

    @Test
    void addingTheEmbeddingDifferenceAtLayerZeroIsSwappingTheToken() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 27);
            int[][] endsInB = {{1, 5, 2, 9}};
            int[][] endsInA = {{1, 5, 2, 4}};
            ParameterStore ps = new ParameterStore(m, false);
            float[] eA = lm.runWithCache(ps, ProbeRun.tokens(m, endsInA), HookName.EMBED::equals).get(HookName.EMBED)
                    .get(new NDIndex("0, 3, :")).toFloatArray();
            float[] eB = lm.runWithCache(ps, ProbeRun.tokens(m, endsInB), HookName.EMBED::equals).get(HookName.EMBED)
                    .get(new NDIndex("0, 3, :")).toFloatArray();
            float[] diff = new float[eA.length];
            for (int i = 0; i < diff.length; i++) {
                diff[i] = eA[i] - eB[i];
            }
            float[] swapped = logits(lm, m, endsInB, FunctionVectors.addToResidual(lm, 0, 3, diff));
            float[] expected = logits(lm, m, endsInA, Hooks.none());
            float[] original = logits(lm, m, endsInB, Hooks.none());
            assertArrayEquals(expected, swapped, 1e-3f);
            // earlier positions are untouched: causal attention never sees the last position
            int v = ProbeFixtures.VOCAB;
            for (int i = 0; i < 3 * v; i++) {
                assertEquals(original[i], swapped[i], 0f);
            }
        }
    }

    @Test
    void scoreReadsAccuracyAndProbabilityAtThePosition() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 28);
            int[][] tokens = ProbeFixtures.tokens(4, 5, 13);
            float[] l = logits(lm, m, tokens, Hooks.none());
            int v = ProbeFixtures.VOCAB;
            int[] argmax = new int[4];
            for (int b = 0; b < 4; b++) {
                for (int i = 1; i < v; i++) {
                    if (l[(b * 5 + 4) * v + i] > l[(b * 5 + 4) * v + argmax[b]]) {
                        argmax[b] = i;
                    }
                }
            }
            int[] answers = {argmax[0], argmax[1], (argmax[2] + 1) % v, (argmax[3] + 2) % v};   // two right
            FunctionVectors.Score s = FunctionVectors.score(lm, m, tokens, -1, answers, Hooks.none());
            assertEquals(0.5, s.accuracy(), 1e-9);
            double p = 0;
            for (int b = 0; b < 4; b++) {
                p += probability(l, b, 5, v, 4, answers[b]) / 4;
            }
            assertEquals(p, s.probability(), 1e-5);
        }
    }

    @Test
    void topHeadsRankByIndirectEffectThenLayerThenHead() {
        Table t = ProbeTable.heads("ie");
        ProbeTable.addHead(t, 0, 0, FunctionVectors.INDIRECT_EFFECT, 0.1);
        ProbeTable.addHead(t, 0, 1, FunctionVectors.INDIRECT_EFFECT, 0.3);
        ProbeTable.addHead(t, 1, 0, FunctionVectors.INDIRECT_EFFECT, 0.3);
        ProbeTable.addHead(t, 1, 1, FunctionVectors.INDIRECT_EFFECT, -0.2);
        ProbeTable.addHead(t, 1, 1, FunctionVectors.PATCHED_PROBABILITY, 0.9);
        assertEquals(List.of(new Head(0, 1), new Head(1, 0), new Head(0, 0)), FunctionVectors.topHeads(t, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FunctionVectors.topHeads(t, 5));
        assertTrue(e.getMessage().contains("1..4"), e.getMessage());
    }

    @Test
    void badInputsFailNamingTheValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 29, LayerPlan.of(AttentionKind.MLP, AttentionKind.STANDARD));
            int[][] tokens = ProbeFixtures.tokens(2, 4, 14);
            HeadMeans means = FunctionVectors.meanHeadOutputs(lm, m, tokens, -1);
            assertTrue(!means.hasHeads(0) && means.hasHeads(1));
            assertEquals(List.of(new Head(1, 0), new Head(1, 1)), FunctionVectors.allHeads(lm));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> FunctionVectors.functionVector(lm, m, means,
                    List.of(new Head(0, 0)))).getMessage().contains("has no heads"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> FunctionVectors.addToResidual(lm, 2, -1,
                    new float[ProbeFixtures.D_MODEL])).getMessage().contains("layer 2 is outside 0..1"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> FunctionVectors.addToResidual(lm, 0, -1,
                    new float[3])).getMessage().contains("dModel = 16"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> FunctionVectors.meanHeadOutputs(lm, m, tokens,
                    4)).getMessage().contains("position 4 is outside"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> FunctionVectors.score(lm, m, tokens, -1,
                    new int[] {1}, Hooks.none())).getMessage().contains("2 prompts, 1 answers"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> FunctionVectors.indirectEffects(lm, m, means,
                    tokens, -1, new int[] {1, 99})).getMessage().contains("answer id 99"));
        }
    }
}
