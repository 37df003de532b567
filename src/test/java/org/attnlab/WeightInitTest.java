package org.attnlab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.ModelConfig;
import org.attnlab.model.LayerPlan;
import org.attnlab.attention.AttentionKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Initial weights come from the run's seed alone: not from the engine generator, not from what ran before. */
class WeightInitTest {

    private static final ModelConfig CONFIG = ModelConfig.builder(11, 16, 2, 2)
            .plan(LayerPlan.of(AttentionKind.STANDARD, AttentionKind.PATH)).maxLength(8).build();

    private static List<float[]> weights(DecoderLM m) {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : m.getParameters()) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    @Test
    void weightsDependOnTheSeedNotOnTheEnginesGenerator() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(1);
            List<float[]> a = weights(DecoderLM.create(CONFIG, m, 42));
            m.getEngine().setRandomSeed(999);
            m.randomNormal(new Shape(1000));            // another run's draws in between
            List<float[]> b = weights(DecoderLM.create(CONFIG, m, 42));
            List<float[]> c = weights(DecoderLM.create(CONFIG, m, 43));
            boolean anyDiffers = false;
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i), b.get(i), "parameter " + i);
                anyDiffers |= !java.util.Arrays.equals(a.get(i), c.get(i));
            }
            assertTrue(anyDiffers, "another seed draws other weights");
        }
    }

    @Test
    void weightsDrawnInThreadsAtOnceEqualThoseDrawnAlone() throws Exception {
        List<float[]> alone;
        try (NDManager m = NDManager.newBaseManager()) {
            alone = weights(DecoderLM.create(CONFIG, m, 42));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<float[]>>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long seed = i % 2 == 0 ? 42 : 7 + i;      // the run of seed 42 beside runs of other seeds
                futures.add(pool.submit(() -> {
                    try (NDManager m = NDManager.newBaseManager()) {
                        m.randomNormal(new Shape(100));
                        return weights(DecoderLM.create(CONFIG, m, seed));
                    }
                }));
            }
            for (int i = 0; i < futures.size(); i += 2) {
                List<float[]> w = futures.get(i).get();
                for (int k = 0; k < w.size(); k++) {
                    assertArrayEquals(alone.get(k), w.get(k), "parameter " + k + " of run " + i);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void drawsHaveTheAskedSpreadAndConstantsStayConstant() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM model = DecoderLM.create(ModelConfig.builder(512, 64, 2, 1).build(), m, 5);
            float[] emb = model.getParameters().get("embedding").getArray().toFloatArray();   // 512 x 64, N(0, 0.02^2)
            double sum = 0;
            double sq = 0;
            for (float v : emb) {
                sum += v;
                sq += v * v;
            }
            double mean = sum / emb.length;
            double std = Math.sqrt(sq / emb.length - mean * mean);
            assertEquals(0.0, mean, 3 * 0.02 / Math.sqrt(emb.length), "mean");
            assertEquals(0.02, std, 0.02 * 0.02, "std within 2%");                  // n = 32768: se of std ~ 0.4%
            for (Pair<String, Parameter> p : model.getParameters()) {
                if (p.getKey().contains("norm")) {
                    float[] gain = p.getValue().getArray().toFloatArray();
                    for (float g : gain) {
                        assertEquals(1f, g, p.getKey() + " keeps its constant 1");
                    }
                }
            }
        }
    }

    @Test
    void theNormalDrawIsBoxMullerOnTheParametersOwnStream() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM model = DecoderLM.create(CONFIG, m, 42);
            Pair<String, Parameter> first = model.getParameters().get(0);
            assertEquals("embedding", first.getKey());
            float[] got = first.getValue().getArray().toFloatArray();
            SplittableRandom r = new SplittableRandom(Seeds.derive(42, "weights/embedding"));
            for (int i = 0; i < 6; i += 2) {
                double u1 = 1.0 - r.nextDouble();
                double u2 = r.nextDouble();
                double radius = Math.sqrt(-2 * Math.log(u1));
                assertEquals(0.02 * radius * Math.cos(2 * Math.PI * u2), got[i], 1e-7);
                assertEquals(0.02 * radius * Math.sin(2 * Math.PI * u2), got[i + 1], 1e-7);
            }
        }
    }

    @Test
    void otherDataTypesGetTheSameValuesConverted() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] f32 = DecoderLM.create(CONFIG, m, DataType.FLOAT32, 3).getParameters().get("embedding").getArray()
                    .toFloatArray();
            NDArray f64 = DecoderLM.create(CONFIG, m, DataType.FLOAT64, 3).getParameters().get("embedding").getArray();
            assertEquals(DataType.FLOAT64, f64.getDataType());
            assertArrayEquals(f32, f64.toType(DataType.FLOAT32, false).toFloatArray());
        }
    }

    @Test
    void anInitializerThatDrawsFromTheEngineIsRefusedByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear linear = Linear.builder().setUnits(3).build();   // DJL's default: Xavier from the engine
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WeightInit.initialize(linear, m, DataType.FLOAT32, new Shape(1, 4), 1));
            assertTrue(e.getMessage().startsWith("parameter 'weight' is initialised by"), e.getMessage());
            assertTrue(e.getMessage().contains("WeightInit.normal(std)"), e.getMessage());
            assertFalse(linear.isInitialized(), "nothing was allocated");
        }
        assertThrows(IllegalArgumentException.class, () -> WeightInit.normal(0f));
        assertThrows(IllegalArgumentException.class, () -> WeightInit.uniform(Float.NaN));
    }
}
