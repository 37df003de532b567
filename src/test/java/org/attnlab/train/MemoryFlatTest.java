package org.attnlab.train;

import ai.djl.ndarray.NDManager;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory stays flat: after a warm-up, thousands more training steps (with periodic evaluation) leave the number
 * of live NDArrays and managers in the whole engine unchanged. The default is 2,000 steps to keep the suite fast;
 * {@code -Dattnlab.memtest.steps=10000} runs the 10,000. PaTH and FoX (and standard attention for
 * comparison) run in a two-layer DecoderLM for {@code attnlab.memtest.kindSteps} steps (300). Resident memory is
 * measured by {@code org.attnlab.bench.MemoryBench} (a main, not a test).
 */
@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class MemoryFlatTest {

    private static final int V = 4;
    private static final int STEPS = Integer.getInteger("attnlab.memtest.steps", 2000);

    private static Trainer trainer(TinyLM model, int steps, TrainingData source) {
        TrainConfig cfg = TrainConfig.builder(7, ai.djl.Device.cpu()).steps(steps).batchSize(2).context(4).lr(1e-2)
                .evalEvery(500).evalBatches(1).build();
        return Trainer.builder().model(model).config(cfg).trainData(source).evalData(source).build();
    }

    @Test
    void liveArrayCountIsFlatOverThousandsOfSteps() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 7, V, 4, 0.1f, 2, 4);
            model.deriveFromWeights = true; // the trainer must also catch arrays a block derives from its weights
            try (Trainer t = trainer(model, STEPS + 50, Fixtures.engineRandomCopy(V))) {
                for (int i = 0; i < 50; i++) {
                    t.step();
                }
                t.evaluate();
                long before = NDArrayCensus.count(m);
                long t0 = System.nanoTime();
                TrainResult r = t.run(); // STEPS more, with evaluations every 500
                double seconds = (System.nanoTime() - t0) / 1e9;
                long after = NDArrayCensus.count(m);
                assertEquals(STEPS + 50, r.steps());
                assertEquals(before, after, "live NDArrays + managers before and after " + STEPS + " steps");
                System.out.printf("MemoryFlatTest: %d steps in %.1f s (%.2f ms/step), %d live arrays+managers%n",
                        STEPS, seconds, seconds * 1e3 / STEPS, after);
            }
        }
    }

    /** Steps per attention kind of a real DecoderLM (PaTH's step is several times the tiny model's). */
    private static final int KIND_STEPS = Integer.getInteger("attnlab.memtest.kindSteps", 300);

    /**
     * The same for a two-layer DecoderLM of each kind: PaTH (its Householder products and the chunked WY
     * factors) and FoX (the forget-gate cumulative sums) create many intermediates per step that must all go.
     */
    @ParameterizedTest
    @EnumSource(value = AttentionKind.class, names = {"STANDARD", "PATH", "FOX"})
    void liveArrayCountIsFlatForPathAndFox(AttentionKind kind) {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            DecoderLM model = DecoderLM.create(ModelConfig.builder(V, 16, 2, 2).plan(LayerPlan.of(kind, kind))
                    .maxLength(8).build(), m, 7);
            TrainConfig cfg = TrainConfig.builder(7, ai.djl.Device.cpu()).steps(KIND_STEPS + 20).batchSize(2)
                    .context(8).lr(1e-2).evalEvery(100).evalBatches(1).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.engineRandomCopy(V))
                    .evalData(Fixtures.engineRandomCopy(V)).build()) {
                for (int i = 0; i < 20; i++) {
                    t.step();
                }
                t.evaluate();
                long before = NDArrayCensus.count(m);
                TrainResult r = t.run(); // KIND_STEPS more, with evaluations every 100
                long after = NDArrayCensus.count(m);
                assertEquals(KIND_STEPS + 20, r.steps());
                assertEquals(before, after, kind + ": live NDArrays + managers before and after " + KIND_STEPS
                        + " steps");
            }
        }
    }

    @Test
    void theCensusSeesALeakOfOneArrayPerStep() {
        try (NDManager m = NDManager.newBaseManager(); NDManager longLived = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 7, V, 4, 0f, 2, 4);
            TrainingData copy = Fixtures.engineRandomCopy(V);
            TrainingData leaky = (manager, req) -> {
                longLived.create(1f); // the deliberate leak: an array in a manager that outlives the step
                return copy.batch(manager, req);
            };
            int steps = 200;
            try (Trainer t = trainer(model, steps + 10, leaky)) {
                for (int i = 0; i < 10; i++) {
                    t.step();
                }
                long before = NDArrayCensus.count(m);
                for (int i = 0; i < steps; i++) {
                    t.step();
                }
                long after = NDArrayCensus.count(m);
                assertEquals(before + steps, after, "one leaked array per step is counted");
            }
        }
    }

    @Test
    void theCensusSeesAGradientWrapperLeak() {
        // getGradient() makes a new wrapper in the parameter's manager; not closing it is the classic leak
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 7, V, 4, 0f, 2, 4);
            long before = NDArrayCensus.count(m);
            for (int i = 0; i < 20; i++) {
                model.getParameters().get(0).getValue().getArray().getGradient();
            }
            assertTrue(NDArrayCensus.count(m) >= before + 20);
        }
    }
}
