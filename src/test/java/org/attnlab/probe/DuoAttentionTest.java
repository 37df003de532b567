package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.Hooks;
import org.attnlab.data.LmBatch;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.ModelWeights;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DuoAttentionTest {

    private static final int LEN = 12;

    private static float[] logits(DecoderLM lm, NDManager m, int[][] tokens, Hooks hooks) {
        try (NDManager sub = m.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(lm));
            return lm.forward(new ParameterStore(sub, false), sub.create(tokens).toType(DataType.INT64, false), false,
                    hooks).toFloatArray();
        }
    }

    private static List<Ablation.Target> allHeads() {
        List<Ablation.Target> all = new ArrayList<>();
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < ProbeFixtures.HEADS; h++) {
                all.add(Ablation.head(l, h));
            }
        }
        return all;
    }

    @Test
    void everyHeadFullIsTheOrdinaryModelBitForBit() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 4);
            int[][] tokens = ProbeFixtures.tokens(2, LEN, 1);
            float[] plain = logits(lm, m, tokens, Hooks.none());
            assertArrayEquals(plain, logits(lm, m, tokens, DuoAttention.of(lm, 1, 2, allHeads()).hooks()));
            assertArrayEquals(plain, logits(lm, m, tokens, DuoAttention.allFull(lm).hooks()));
            // a layer with one full head and one streaming head passes the full one through unchanged: its z is the same
            Map<String, NDArray> plainZ = new LinkedHashMap<>();
            Map<String, NDArray> mixedZ = new LinkedHashMap<>();
            try (NDManager sub = m.newSubManager()) {
                sub.tempAttachAll(ModelWeights.arrays(lm));
                NDArray in = sub.create(tokens).toType(DataType.INT64, false);
                lm.forward(new ParameterStore(sub, false), in, false,
                        Hooks.create().record(plainZ, n -> n.equals(HookName.z(0))));
                DuoAttention duo = DuoAttention.of(lm, 1, 2, List.of(Ablation.head(0, 1), Ablation.head(1, 0),
                        Ablation.head(1, 1)));
                lm.forward(new ParameterStore(sub, false), in, false,
                        duo.hooks().then(Hooks.create().record(mixedZ, n -> n.equals(HookName.z(0)))));
                float[] a = plainZ.get(HookName.z(0)).get(":, 1").toFloatArray();
                float[] b = mixedZ.get(HookName.z(0)).get(":, 1").toFloatArray();
                assertArrayEquals(a, b, "the full head L0.H1 is untouched");
                float[] c = plainZ.get(HookName.z(0)).get(":, 0").toFloatArray();
                float[] d = mixedZ.get(HookName.z(0)).get(":, 0").toFloatArray();
                assertTrue(maxDiff(c, d) > 1e-4, "the streaming head L0.H0 changed");
            }
        }
    }

    @Test
    void aWindowAsLongAsTheInputIsFullAttention() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 5);
            int[][] tokens = ProbeFixtures.tokens(2, LEN, 2);
            float[] plain = logits(lm, m, tokens, Hooks.none());
            for (int window : new int[] {LEN, LEN + 5}) {
                float[] streamed = logits(lm, m, tokens, DuoAttention.of(lm, 0, window, List.of()).hooks());
                assertTrue(maxDiff(plain, streamed) < 1e-4, "window " + window + ": " + maxDiff(plain, streamed));
            }
            // and a short window is not
            assertTrue(maxDiff(plain, logits(lm, m, tokens, DuoAttention.of(lm, 1, 2, List.of()).hooks())) > 1e-3);
        }
    }

    @Test
    void aStreamingHeadIsTheSoftmaxOverTheLogitsOfTheKeysInItsView() {
        int sink = 2, window = 3;
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 6);
            int[][] tokens = ProbeFixtures.tokens(1, LEN, 3);
            DuoAttention duo = DuoAttention.of(lm, sink, window, List.of(Ablation.head(0, 1)));
            Map<String, NDArray> seen = new LinkedHashMap<>();
            try (NDManager sub = m.newSubManager()) {
                sub.tempAttachAll(ModelWeights.arrays(lm));
                lm.forward(new ParameterStore(sub, false), sub.create(tokens).toType(DataType.INT64, false), false,
                        duo.hooks().then(Hooks.create().record(seen, n -> n.startsWith("blocks.1.attn.")
                                && (n.endsWith(".q") || n.endsWith(".k") || n.endsWith(".pattern")))));
                float[] q = seen.get(HookName.attn(1, HookName.Q)).toFloatArray();   // (1,H,L,D)
                float[] k = seen.get(HookName.attn(1, HookName.K)).toFloatArray();
                float[] w = seen.get(HookName.pattern(1)).toFloatArray();            // (1,H,L,L)
                int d = ProbeFixtures.D_MODEL / ProbeFixtures.HEADS;
                double scale = lm.config().attentionConfig().scale();
                for (int h = 0; h < ProbeFixtures.HEADS; h++) {
                    for (int i = 0; i < LEN; i++) {
                        double[] e = new double[LEN];
                        double z = 0;
                        for (int j = 0; j <= i; j++) {
                            if (!DuoAttention.inView(i, j, sink, window)) {
                                continue;
                            }
                            double s = 0;
                            for (int c = 0; c < d; c++) {
                                s += q[(h * LEN + i) * d + c] * k[(h * LEN + j) * d + c];
                            }
                            e[j] = Math.exp(s * scale);
                            z += e[j];
                        }
                        for (int j = 0; j < LEN; j++) {
                            assertEquals(e[j] / z, w[(h * LEN + i) * LEN + j], 1e-5, "L1.H" + h + " query " + i
                                    + " key " + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void cacheBytesCountTheEntriesEachHeadKeeps() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 7);
            int d = ProbeFixtures.D_MODEL / ProbeFixtures.HEADS;
            DuoAttention duo = DuoAttention.of(lm, 2, 8, List.of(Ablation.head(1, 0)));
            assertEquals(3, duo.streamingHeads());
            // one full head keeps 100 entries, three streaming heads 2 + 8 each; K and V; float32
            assertEquals(2L * (100 + 3 * 10) * d * 4, duo.cacheBytes(100, 4));
            // shorter than sink + window: every head keeps everything
            assertEquals(2L * 4 * 6 * d * 4, duo.cacheBytes(6, 4));
            assertEquals(2L * 4 * 100 * d * 2, DuoAttention.allFull(lm).cacheBytes(100, 2));
        }
    }

    @Test
    void badHeadsAndViewsAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DuoAttention.of(lm, 1, 2, List.of(Ablation.head(1, 5))));
            assertTrue(e.getMessage().contains("L1.H5"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> DuoAttention.of(lm, 1, 0, List.of()));
            assertTrue(e.getMessage().contains("window 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> DuoAttention.of(lm, 1, 2, List.of(Ablation.mlp(0))));
            assertTrue(e.getMessage().contains("L0.mlp"), e.getMessage());
        }
    }

    @Test
    void accuracyUnderFullHeadsIsThePlainAccuracy() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 9);
            int[][] t = ProbeFixtures.tokens(3, LEN + 1, 4);
            int[][] in = new int[3][];
            int[][] tg = new int[3][];
            for (int b = 0; b < 3; b++) {
                in[b] = java.util.Arrays.copyOf(t[b], LEN);
                tg[b] = java.util.Arrays.copyOfRange(t[b], 1, LEN + 1);
            }
            LmBatch batch = new LmBatch(in, tg, new int[3]);
            double plain = Ablation.of(lm, m, batch).ablate(Ablation.mlp(0)).where(
                    t2 -> t2.stringColumn(ProbeTable.METRIC).isEqualTo(Ablation.ACCURACY + Ablation.BEFORE))
                    .doubleColumn(ProbeTable.VALUE).getDouble(0);
            assertEquals(plain, DuoAttention.allFull(lm).accuracy(m, batch), 1e-12);
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
