package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.attnlab.WeightInit;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.GeluMlp;
import org.attnlab.data.tasks.Example;
import org.attnlab.data.tasks.ParityTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parts of the iteration-heads paper's recipe (issue 15): GPT-2's GELU MLP, PyTorch's default initialisation,
 * embedding dropout, and graded end-of-sequence padding.
 */
class PaperRecipePartsTest {

    private NDManager m;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private static double gelu(double x) {   // exact GELU, x * Phi(x), Phi by an erf series good to 1e-7
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    private static double erf(double z) {
        double sum = 0;
        double term = z;
        for (int n = 0; n < 80; n++) {
            sum += term / (2 * n + 1);
            term *= -z * z / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void geluMlpMatchesAPlainLoop() {
        int d = 6;
        int w = 10;
        GeluMlp mlp = new GeluMlp(d, w);
        WeightInit.initialize(mlp, m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, d), 5);
        Random r = new Random(11);
        float[] x = new float[3 * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] w1 = mlp.getParameters().get("w1").getArray().toFloatArray();
        float[] w2 = mlp.getParameters().get("w2").getArray().toFloatArray();
        // larger weights so the GELU is tested away from its linear part
        for (int i = 0; i < w1.length; i++) {
            w1[i] *= 60;
        }
        mlp.getParameters().get("w1").getArray().set(w1);
        float[] got = mlp.forward(new ParameterStore(m, false), m.create(x, new Shape(3, d)), false).toFloatArray();
        for (int row = 0; row < 3; row++) {
            for (int o = 0; o < d; o++) {
                double y = 0;
                for (int h = 0; h < w; h++) {
                    double a = 0;
                    for (int i = 0; i < d; i++) {
                        a += x[row * d + i] * w1[i * w + h];
                    }
                    y += gelu(a) * w2[h * d + o];
                }
                assertEquals(y, got[row * d + o], 1e-5, "row " + row + ", out " + o);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new GeluMlp(0, 4));
    }

    @Test
    void geluMlpConfigBuildsGeluBlocks() {
        ModelConfig config = ModelConfig.builder(5, 8, 1, 2).plan(LayerPlan.uniform(AttentionKind.NOPE, 2))
                .geluMlp(true).mlpWidth(32).build();
        LearnedPositionsLM lm = LearnedPositionsLM.create(config, 7, m, 1);
        for (TransformerBlock b : lm.decoder().blocks()) {
            assertInstanceOf(GeluMlp.class, b.mlp());
            assertEquals(32, b.mlp().width());
        }
        assertTrue(config.toBuilder().build().geluMlp(), "toBuilder keeps the MLP kind");
        assertFalse(ModelConfig.builder(5, 8, 1, 2).build().geluMlp());
    }

    @Test
    void centeredRmsNormIsLayerNormWithoutBias() {
        int d = 7;
        RMSNorm norm = new RMSNorm(d, 1e-5f, true);
        WeightInit.initialize(norm, m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, d), 1);
        float[] g = new float[d];
        Random r = new Random(3);
        for (int i = 0; i < d; i++) {
            g[i] = (float) (1 + r.nextGaussian());
        }
        norm.getParameters().get("gain").getArray().set(g);
        float[] x = new float[4 * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (5 + 3 * r.nextGaussian());   // a large mean: centering matters
        }
        float[] got = norm.forward(new ParameterStore(m, false), m.create(x, new Shape(4, d)), false).toFloatArray();
        for (int row = 0; row < 4; row++) {
            double mean = 0;
            for (int i = 0; i < d; i++) {
                mean += x[row * d + i] / (double) d;
            }
            double var = 0;
            for (int i = 0; i < d; i++) {
                var += Math.pow(x[row * d + i] - mean, 2) / d;
            }
            for (int i = 0; i < d; i++) {
                double want = (x[row * d + i] - mean) / Math.sqrt(var + 1e-5) * g[i];
                assertEquals(want, got[row * d + i], 1e-4, "row " + row + ", feature " + i);
            }
        }
        assertTrue(norm.centered());
        assertFalse(new RMSNorm(d).centered());
    }

    @Test
    void normalizedResidualBlockNormalisesTheStreamFirst() {
        ModelConfig plain = ModelConfig.builder(5, 8, 1, 1).plan(LayerPlan.uniform(AttentionKind.NOPE, 1))
                .geluMlp(true).mlpWidth(16).layerNorm(true).build();
        ModelConfig paper = plain.toBuilder().normalizedResidual(true).build();
        assertTrue(paper.normalizedResidual() && paper.layerNorm());
        DecoderLM a = DecoderLM.create(plain, m, 4);
        DecoderLM b = DecoderLM.create(paper, m, 4);
        ParameterStore ps = new ParameterStore(m, false);
        Random r = new Random(8);
        float[] xs = new float[2 * 3 * 8];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (2 + r.nextGaussian());
        }
        NDArray x = m.create(xs, new Shape(2, 3, 8));
        TransformerBlock pa = a.blocks().get(0);
        TransformerBlock pb = b.blocks().get(0);
        assertTrue(pb.attentionNorm().centered(), "layerNorm makes the norms centered");
        // same weights (same seed and paths): the paper form is the plain form applied to norm1(x), whose own
        // attention norm then sees an already normalised stream; by hand:
        NDArray h = pb.attentionNorm().forward(ps, x, false);
        NDArray attn = pb.attention().forward(ps, new org.attnlab.attention.AttentionInput(h, null), false,
                org.attnlab.attention.Hooks.none());
        NDArray mid = h.add(attn);
        NDArray want = mid.add(pb.mlp().forward(ps, pb.mlpNorm().forward(ps, mid, false), false));
        NDArray got = pb.forward(ps, x, null, false, org.attnlab.attention.Hooks.none());
        assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 1e-5f);
        float[] plainOut = pa.forward(ps, x, null, false, org.attnlab.attention.Hooks.none()).toFloatArray();
        assertFalse(java.util.Arrays.equals(plainOut, got.toFloatArray()), "the two forms differ");
    }

    @Test
    void pytorchDefaultsHaveTheirScalesAndAreSeeded() {
        int d = 64;
        ModelConfig config = ModelConfig.builder(5, d, 1, 2).plan(LayerPlan.uniform(AttentionKind.NOPE, 2))
                .geluMlp(true).mlpWidth(4 * d).build();
        LearnedPositionsLM a = LearnedPositionsLM.create(config, 40, m, 9);
        LearnedPositionsLM b = LearnedPositionsLM.create(config, 40, m, 9);
        int drawn = WeightInit.redrawPytorchDefaults(a, 9);
        WeightInit.redrawPytorchDefaults(b, 9);
        assertTrue(drawn >= 2 + 1 + 2 * 3, "embedding, positions, head and each layer's matrices: " + drawn);
        for (Pair<String, Parameter> p : a.getParameters()) {
            NDArray v = p.getValue().getArray();
            assertArrayEquals(v.toFloatArray(), b.getParameters().get(p.getKey()).getArray().toFloatArray(),
                    p.getKey() + ": same seed, same values");
            String name = p.getValue().getName();
            float[] f = v.toFloatArray();
            if (name.equals("positions") || name.equals("embedding")) {
                double sd = Math.sqrt(java.util.stream.IntStream.range(0, f.length).mapToDouble(i -> f[i] * f[i])
                        .sum() / f.length);
                assertEquals(1.0, sd, 0.1, name + " ~ N(0, 1)");
            } else if (v.getShape().dimension() == 2) {
                long fanIn = name.equals("head") ? v.getShape().get(1) : v.getShape().get(0);
                float bound = (float) (1 / Math.sqrt(fanIn));
                float max = 0;
                for (float x : f) {
                    max = Math.max(max, Math.abs(x));
                }
                assertTrue(max <= bound && max > 0.8 * bound, name + ": |w| max " + max + ", bound " + bound);
            } else {
                for (float x : f) {
                    assertEquals(1f, x, name + ": norm gains stay 1");
                }
            }
        }
    }

    @Test
    void embeddingDropoutIsSeededScaledAndOffOutsideTraining() {
        ModelConfig config = ModelConfig.builder(5, 16, 1, 1).plan(LayerPlan.uniform(AttentionKind.NOPE, 1)).build();
        NDArray tokens = m.create(new int[] {1, 3, 4, 2, 3, 4, 4, 3}, new Shape(2, 4));
        ParameterStore ps = new ParameterStore(m, false);
        LearnedPositionsLM lm = LearnedPositionsLM.create(config, 4, m, 2);
        float[] eval = lm.forward(ps, tokens, false).toFloatArray();
        float[] trainNoDrop = lm.forward(ps, tokens, true).toFloatArray();
        assertArrayEquals(eval, trainNoDrop, 1e-6f, "rate 0: training pass as the eval pass");
        lm.embeddingDropout(0.5f, 77);
        assertArrayEquals(eval, lm.forward(ps, tokens, false).toFloatArray(), 1e-6f, "no dropout outside training");
        float[] first = lm.forward(ps, tokens, true).toFloatArray();
        float[] second = lm.forward(ps, tokens, true).toFloatArray();
        assertFalse(java.util.Arrays.equals(first, second), "each training pass draws a new mask");
        LearnedPositionsLM again = LearnedPositionsLM.create(config, 4, m, 2).embeddingDropout(0.5f, 77);
        assertArrayEquals(first, again.forward(ps, tokens, true).toFloatArray(), "same seed, same first mask");
        // the embed hook sees (Emb + P) * mask: entries are 0 or twice the undropped value
        java.util.List<NDArray> seen = new java.util.ArrayList<>();
        java.util.List<NDArray> clean = new java.util.ArrayList<>();
        LearnedPositionsLM probe = LearnedPositionsLM.create(config, 4, m, 2).embeddingDropout(0.5f, 5);
        probe.forward(ps, tokens, true, org.attnlab.attention.Hooks.create().add(HookName.EMBED, x -> {
            seen.add(x);
            return x;
        }));
        probe.forward(ps, tokens, false, org.attnlab.attention.Hooks.create().add(HookName.EMBED, x -> {
            clean.add(x);
            return x;
        }));
        float[] s = seen.get(0).toFloatArray();
        float[] c = clean.get(0).toFloatArray();
        int zeros = 0;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0f) {
                zeros++;
            } else {
                assertEquals(2 * c[i], s[i], 1e-6f, "kept entries are scaled by 1/(1-p)");
            }
        }
        assertTrue(zeros > s.length / 4 && zeros < 3 * s.length / 4, zeros + " of " + s.length + " zeroed at p 0.5");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lm.embeddingDropout(1f, 1));
        assertTrue(e.getMessage().contains("[0, 1)") && e.getMessage().contains("1.0"), e.getMessage());
    }

    @Test
    void gradedEndPaddingAsksForPad() {
        ParityTask task = ParityTask.withChainOfThought();
        TaskBatch plain = task.sampleMixedLengths(16, 1, 5, Split.TRAIN, 3);
        TaskBatch ended = task.sampleMixedLengths(16, 1, 5, Split.TRAIN, 3, true);
        for (int b = 0; b < 16; b++) {
            Example p = plain.example(b);
            Example e = ended.example(b);
            assertArrayEquals(p.inputs(), e.inputs(), "same strings");
            int eoi = p.positions().get(ParityTask.EOI_POSITION)[0];
            int bits = eoi - 1;
            for (int t = 0; t < p.lossMask().length; t++) {
                boolean chain = t >= eoi && t < eoi + bits;
                assertEquals(chain, p.lossMask()[t], "plain: only the chain, row " + b + " t " + t);
                assertEquals(t >= eoi, e.lossMask()[t], "ended: the chain and the padding after it");
                if (t >= eoi + bits) {
                    assertEquals(ParityTask.PAD, e.targets()[t], "after the chain the target is <pad>");
                }
            }
        }
    }
}
