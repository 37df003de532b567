package org.attnlab.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer with the real model: a task that needs attention, exact resume, flat memory. */
@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class DecoderLMTrainingTest {

    private static final int V = 8;

    /** Predict the previous token: target_t = token_{t-1}; position 0 is not graded. */
    static BatchSource previousToken() {
        return (manager, req) -> {
            SplittableRandom r = req.random();
            int b = req.batchSize();
            int l = req.context();
            int[] x = new int[b * l];
            int[] y = new int[b * l];
            float[] mask = new float[b * l];
            for (int i = 0; i < b; i++) {
                for (int t = 0; t < l; t++) {
                    x[i * l + t] = r.nextInt(V);
                    y[i * l + t] = t == 0 ? 0 : x[i * l + t - 1];
                    mask[i * l + t] = t == 0 ? 0f : 1f;
                }
            }
            Shape s = new Shape(b, l);
            return new Batch(manager.create(x, s), manager.create(y, s), manager.create(mask, s));
        };
    }

    private static DecoderLM model(NDManager m, long seed, AttentionKind kind, int dModel) {
        ModelConfig c = ModelConfig.builder(V, dModel, 2, 1).plan(LayerPlan.uniform(kind, 1)).maxLength(16).build();
        return DecoderLM.create(c, m, seed);
    }

    private static TrainConfig.Builder config(long seed) {
        return TrainConfig.builder(seed, Device.cpu()).batchSize(8).context(8).lr(1e-2).weightDecay(0.01)
                .evalBatches(2);
    }

    @Test
    void oneLayerAttentionLearnsToCopyThePreviousToken() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM model = model(m, 1, AttentionKind.STANDARD, 32);
            TrainConfig cfg = config(1).steps(300).evalEvery(25)
                    .earlyStop(EarlyStop.atLeast("eval_accuracy", 0.99)).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(previousToken())
                    .evalData(previousToken()).runName("prev-token").build()) {
                TrainResult r = t.run();
                assertTrue(r.finalEval().get("eval_accuracy") >= 0.99, "after " + r.steps() + " steps: "
                        + r.finalEval());
                assertTrue(r.stoppedEarly() && r.steps() < 300, "stopped at " + r.steps());
                assertTrue(r.finalEval().get("eval_loss") < 0.05, r.finalEval().toString());
            }
        }
    }

    private static List<byte[]> parameterBytes(DecoderLM model) {
        List<byte[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getParameters()) {
            out.add(p.getValue().getArray().encode());
        }
        return out;
    }

    @Test
    void checkpointResumeIsBitIdenticalWithDecoderLM(@TempDir Path dir) {
        Path file = dir.resolve("lm.ckpt");
        double[] continued = new double[6];
        List<byte[]> paramsAfter;
        TrainConfig cfg = config(5).steps(20).build();
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM model = model(m, 5, AttentionKind.PATH, 16);
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(previousToken()).build()) {
                for (int i = 0; i < 4; i++) {
                    t.step();
                }
                t.saveCheckpoint(file);
                for (int i = 0; i < continued.length; i++) {
                    continued[i] = t.step().loss();
                }
                paramsAfter = parameterBytes(model);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM model = model(m, 6, AttentionKind.PATH, 16);
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(previousToken()).build()) {
                t.loadCheckpoint(file);
                for (double expected : continued) {
                    assertEquals(expected, t.step().loss(), 0.0);
                }
                List<byte[]> params = parameterBytes(model);
                for (int i = 0; i < params.size(); i++) {
                    assertArrayEquals(paramsAfter.get(i), params.get(i), "parameter " + i);
                }
            }
        }
    }

    @Test
    void memoryIsFlatWithDecoderLM() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM model = model(m, 3, AttentionKind.STANDARD, 16);
            TrainConfig cfg = config(3).steps(170).evalEvery(50).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(previousToken())
                    .evalData(previousToken()).build()) {
                for (int i = 0; i < 20; i++) {
                    t.step();
                }
                t.evaluate();
                long before = NDArrayCensus.count(m);
                t.run();
                assertEquals(before, NDArrayCensus.count(m), "live arrays + managers over 300 DecoderLM steps");
            }
        }
    }
}
