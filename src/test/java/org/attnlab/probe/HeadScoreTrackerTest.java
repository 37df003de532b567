package org.attnlab.probe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import org.attnlab.model.DecoderLM;
import org.attnlab.train.TensorBatch;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeadScoreTrackerTest {

    /** Copy the previous token: target[t] = input[t-1] (a previous-token head's job). */
    private static final TrainingData COPY_PREVIOUS = (manager, req) -> {
        SplittableRandom r = req.random();
        int n = req.batchSize() * req.context();
        int[] x = new int[n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(ProbeFixtures.VOCAB);
            y[i] = i % req.context() == 0 ? x[i] : x[i - 1];
        }
        Shape s = new Shape(req.batchSize(), req.context());
        return TensorBatch.of(manager.create(x, s), manager.create(y, s));
    };

    private static TrainConfig config(int steps, int evalEvery) {
        return TrainConfig.builder(7, Device.cpu()).steps(steps).batchSize(4).context(8).lr(0.01).evalEvery(evalEvery)
                .evalBatches(1).build();
    }

    @Test
    void theTrackerRecordsEveryScoreOfEveryHeadAtEachEvaluationStep() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = DecoderLM.create(org.attnlab.model.ModelConfig.builder(ProbeFixtures.VOCAB,
                    ProbeFixtures.D_MODEL, ProbeFixtures.HEADS, 2).build(), m, 3);
            int[][] probe = ProbeFixtures.tokens(2, 8, 4);
            HeadScoreTracker tracker = HeadScoreTracker.of(probe, HeadScores.PREVIOUS_TOKEN_SCORE,
                    HeadScores.ENTROPY_SCORE);
            try (Trainer trainer = Trainer.builder().model(lm).config(config(6, 2)).trainData(COPY_PREVIOUS)
                    .runName("tracked").evalHook(tracker).build()) {
                trainer.run();
                assertEquals(List.of(2L, 4L, 6L), tracker.steps());
                Table t = tracker.table();
                assertEquals(3 * 2 * ProbeFixtures.HEADS * 2, t.rowCount());
                assertEquals(List.of(ProbeTable.STEP, ProbeTable.LAYER, ProbeTable.HEAD, ProbeTable.METRIC,
                        ProbeTable.VALUE), t.columnNames());
                // the values at step 6 are the scores of the trained model
                Table now = HeadScores.measure(lm, m, probe, HeadScores.PREVIOUS_TOKEN_SCORE);
                Table at6 = t.where(t.longColumn(ProbeTable.STEP).isEqualTo(6));
                assertEquals(ProbeTable.value(now, 1, 1, HeadScores.PREVIOUS_TOKEN),
                        ProbeTable.value(at6, 1, 1, HeadScores.PREVIOUS_TOKEN), 1e-9);
                // the trainer's log gets the max over heads
                assertTrue(trainer.lastEval().containsKey(HeadScoreTracker.MAX_PREFIX + HeadScores.PREVIOUS_TOKEN),
                        trainer.lastEval().toString());
                assertEquals(2L, tracker.firstStepAbove(HeadScores.ENTROPY, 0.0).getAsLong());
                assertTrue(tracker.firstStepAbove(HeadScores.PREVIOUS_TOKEN, 2.0).isEmpty());
                var f = tracker.figure(HeadScores.PREVIOUS_TOKEN);
                assertEquals(2 * ProbeFixtures.HEADS, f.panels().get(0).z().length);    // a row per head
                assertEquals(3, f.panels().get(0).z()[0].length);                     // a column per step
                assertTrue(f.svg().contains(">step<"), "step axis");
                assertEquals(2 * ProbeFixtures.HEADS, tracker.lines(HeadScores.PREVIOUS_TOKEN).traceCount());
            }
        }
    }

    @Test
    void aModelThatCannotRunWithHooksFailsNamingItsClass() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear linear = Linear.builder().setUnits(3).build();
            linear.initialize(m, DataType.FLOAT32, new Shape(1, 4));
            HeadScoreTracker tracker = HeadScoreTracker.of(new int[][] {{1, 2}}, HeadScores.ENTROPY_SCORE);
            try (Trainer trainer = Trainer.builder().model(linear).config(config(1, 1)).trainData(COPY_PREVIOUS)
                    .build()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> tracker.evaluate(trainer, 0));
                assertTrue(e.getMessage().contains("HookedModel") && e.getMessage().contains("Linear"), e.getMessage());
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tracker.figure("entropy"));
            assertTrue(e.getMessage().contains("evalHook"), e.getMessage());
        }
    }
}
