package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class TrainerTest {

    private static final int V = 8;

    @Test
    void learnsAnAffineTokenMapToNearZeroLoss() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 1, V, 16, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(1).steps(150).evalEvery(50).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(V))
                    .evalData(Fixtures.affineTask(V)).build()) {
                double first = t.step().loss();
                TrainResult r = t.run();
                assertEquals(150, r.steps());
                assertTrue(first > 1.5, "initial loss " + first + " should be near ln(8) = 2.08");
                assertTrue(r.finalEval().get("eval_loss") < 0.05, "eval loss " + r.finalEval());
                assertEquals(1.0, r.finalEval().get("eval_accuracy"), 1e-12);
                assertEquals(Math.exp(r.finalEval().get("eval_loss")), r.finalEval().get("eval_perplexity"), 1e-12);
                // metrics: one train_loss per step, an eval every 50 steps
                assertEquals(150, r.metrics().values("train_loss").length);
                assertArrayEquals(new long[] {50, 100, 150}, r.metrics().steps("eval_loss"));
                // the cosine schedule reached its floor
                assertEquals(cfg.lr() * cfg.minLrRatio(), t.schedule().at(150), 1e-15);
            }
        }
    }

    @Test
    void lossMaskSelectsPositions() {
        // copy task with engine-random tokens; only the 2nd half of each row counts
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 2, V, 16, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(2).steps(120).build();
            BatchMetric maskedFraction = BatchMetric.of("masked_fraction", (b, logits) ->
                    new double[] {b.lossMask().sum().getFloat(), b.lossMask().size()});
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.engineRandomCopy(V))
                    .evalData(Fixtures.engineRandomCopy(V)).batchMetric(maskedFraction).build()) {
                TrainResult r = t.run();
                assertEquals(0.5, r.finalEval().get("eval_masked_fraction"), 1e-12);
                assertTrue(r.finalEval().get("eval_loss") < 0.05, r.finalEval().toString());
            }
        }
    }

    @Test
    void earlyStopEndsTheRunAtTheTarget() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 3, V, 16, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(3).steps(400).evalEvery(10)
                    .earlyStop(EarlyStop.atLeast("eval_accuracy", 0.999)).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(V))
                    .evalData(Fixtures.affineTask(V)).build()) {
                TrainResult r = t.run();
                assertTrue(r.stoppedEarly());
                assertTrue(r.steps() < 400 && r.steps() % 10 == 0, "stopped at " + r.steps());
                assertTrue(r.finalEval().get("eval_accuracy") >= 0.999);
                // the previous evaluation had not reached it
                double[] acc = r.metrics().values("eval_accuracy");
                for (int i = 0; i < acc.length - 1; i++) {
                    assertTrue(acc[i] < 0.999);
                }
            }
        }
    }

    @Test
    void earlyStopHeldForSeveralEvaluationsStopsAtTheFirstRunOfThatLength() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 3, V, 16, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(3).steps(400).evalEvery(10)
                    .earlyStop(EarlyStop.atLeast("eval_accuracy", 0.999).heldFor(3)).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(V))
                    .evalData(Fixtures.affineTask(V)).build()) {
                TrainResult r = t.run();
                assertTrue(r.stoppedEarly());
                double[] acc = r.metrics().values("eval_accuracy");
                int n = acc.length;
                assertTrue(n >= 3, "evaluations: " + n);
                for (int i = n - 3; i < n; i++) {
                    assertTrue(acc[i] >= 0.999, "evaluation " + i + ": " + acc[i]);
                }
                // no earlier three in a row reached it, or the run would have stopped there
                for (int i = 0; i + 3 < n; i++) {
                    assertFalse(acc[i] >= 0.999 && acc[i + 1] >= 0.999 && acc[i + 2] >= 0.999, "stopped late at " + i);
                }
                // it ends at the evaluation that completes the run of three
                assertEquals(n * 10L, r.steps());
            }
        }
    }

    @Test
    void earlyStopHeldAcrossAResumeStopsWhereAnUninterruptedRunStops(@TempDir Path dir) {
        TrainConfig.Builder cfg = Fixtures.config(3).steps(400).evalEvery(10)
                .earlyStop(EarlyStop.atLeast("eval_accuracy", 0.999).heldFor(3));
        long stop;
        try (NDManager m = NDManager.newBaseManager()) {
            try (Trainer t = Trainer.builder().model(Fixtures.model(m, 3, V, 16, 0f, 8, 8)).config(cfg.build())
                    .trainData(Fixtures.affineTask(V)).evalData(Fixtures.affineTask(V)).build()) {
                TrainResult r = t.run();
                assertTrue(r.stoppedEarly());
                stop = r.steps();
            }
        }
        // crash 5 steps before that stop: the checkpoint 5 steps earlier holds two of the three evaluations
        TrainConfig withCheckpoints = cfg.checkpointEvery(10, dir).build();
        try (NDManager m = NDManager.newBaseManager()) {
            ProgressListener crash = new ProgressListener() {
                @Override
                public void onStep(ProgressListener.Progress p) {
                    if (p.step() == stop - 5) {
                        throw new IllegalStateException("simulated crash");
                    }
                }
            };
            try (Trainer t = Trainer.builder().model(Fixtures.model(m, 3, V, 16, 0f, 8, 8)).config(withCheckpoints)
                    .trainData(Fixtures.affineTask(V)).evalData(Fixtures.affineTask(V)).runName("held")
                    .listener(crash).build()) {
                assertThrows(IllegalStateException.class, t::run);
            }
            try (Trainer t = Trainer.builder().model(Fixtures.model(m, 77, V, 16, 0f, 8, 8)).config(withCheckpoints)
                    .trainData(Fixtures.affineTask(V)).evalData(Fixtures.affineTask(V)).runName("held").build()) {
                t.loadCheckpoint(t.checkpointFile());
                assertEquals(stop - 10, t.stepsDone());
                TrainResult r = t.run();
                assertTrue(r.stoppedEarly());
                assertEquals(stop, r.steps(), "the resumed run stops where the uninterrupted one did");
            }
        }
    }

    @Test
    void earlyStopHeldForFewerThanOneEvaluationIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EarlyStop.atLeast("eval_accuracy", 0.9).heldFor(0));
        assertTrue(e.getMessage().contains("eval_accuracy") && e.getMessage().contains("at least 1"), e.getMessage());
        assertEquals("eval_accuracy >= 0.9 at 2 evaluations in a row",
                EarlyStop.atLeast("eval_accuracy", 0.9).heldFor(2).toString());
    }

    @Test
    void unknownEarlyStopMetricFailsNamingTheMetrics() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 3, V, 8, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(3).steps(4).evalEvery(2)
                    .earlyStop(EarlyStop.atMost("eval_los", 0.1)).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(V))
                    .evalData(Fixtures.affineTask(V)).build()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::run);
                assertTrue(e.getMessage().contains("eval_los") && e.getMessage().contains("eval_loss"), e.getMessage());
            }
        }
    }

    @Test
    void evalHookMetricsAreLoggedAndCanStopTheRun() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 4, V, 16, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(4).steps(300).evalEvery(20)
                    .earlyStop(EarlyStop.atMost("ood_loss", 0.1)).build();
            TrainingData ood = Fixtures.affineTask(V);
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(V))
                    .evalHook((tr, step) -> Map.of("ood_loss", tr.evaluate(ood, 1).get("loss"))).build()) {
                TrainResult r = t.run();
                assertTrue(r.stoppedEarly());
                assertTrue(r.metrics().last("ood_loss").getAsDouble() <= 0.1);
                assertFalse(r.finalEval().containsKey("eval_loss")); // no eval source
            }
        }
    }

    /** Losses of {@code steps} updates of a fresh model and trainer with {@code seed} (dropout on, engine data). */
    private static double[] losses(long seed, int steps) {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, seed, V, 16, 0.2f, 8, 8);
            TrainConfig cfg = Fixtures.config(seed).steps(steps).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.engineRandomCopy(V))
                    .build()) {
                double[] out = new double[steps];
                for (int i = 0; i < steps; i++) {
                    out[i] = t.step().loss();
                }
                return out;
            }
        }
    }

    @Test
    void sameSeedSameLossesDifferentSeedDifferent() {
        double[] a = losses(11, 15);
        double[] b = losses(11, 15);
        double[] c = losses(12, 15);
        assertArrayEquals(a, b, 0.0);
        assertFalse(java.util.Arrays.equals(a, c));
        assertNotEquals(a[0], c[0]);
    }

    private static List<byte[]> parameterBytes(TinyLM model) {
        List<byte[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getParameters()) {
            out.add(p.getValue().getArray().encode());
        }
        return out;
    }

    @Test
    void checkpointRoundTripGivesBitIdenticalNextSteps(@TempDir Path dir) {
        Path file = dir.resolve("ckpt/run.ckpt");
        int n = 12;
        double[] continued = new double[n];
        List<byte[]> paramsAfter;
        double[] adamM;
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 21, V, 16, 0.2f, 8, 8);
            TrainConfig cfg = Fixtures.config(21).steps(40).weightDecay(0.1).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.engineRandomCopy(V))
                    .runName("a/b").build()) {
                for (int i = 0; i < 10; i++) {
                    t.step();
                }
                t.saveCheckpoint(file);
                for (int i = 0; i < n; i++) {
                    continued[i] = t.step().loss();
                }
                paramsAfter = parameterBytes(model);
                adamM = t.optimizer().firstMoment(t.optimizer().parameterNames().get(0)).toType(DataType.FLOAT64, false)
                        .toDoubleArray();
            }
        }
        assertTrue(Files.isRegularFile(file.resolveSibling("run.ckpt.metrics.csv")));
        // a new process-like start: other init seed, then restore
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 999, V, 16, 0.2f, 8, 8);
            TrainConfig cfg = Fixtures.config(21).steps(40).weightDecay(0.1).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.engineRandomCopy(V))
                    .runName("a/b").build()) {
                t.loadCheckpoint(file);
                assertEquals(10, t.stepsDone());
                assertEquals(10, t.optimizer().stepCount());
                assertEquals(10, t.metrics().values("train_loss").length); // restored from the CSV beside it
                for (Pair<String, Parameter> p : model.getParameters()) {
                    assertTrue(p.getValue().getArray().hasGradient(), p.getKey() + " still requires a gradient");
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(continued[i], t.step().loss(), 0.0, "loss of step " + (11 + i));
                }
                List<byte[]> params = parameterBytes(model);
                for (int i = 0; i < params.size(); i++) {
                    assertArrayEquals(paramsAfter.get(i), params.get(i), "parameter " + i + " bit-identical");
                }
                assertArrayEquals(adamM, t.optimizer().firstMoment(t.optimizer().parameterNames().get(0))
                        .toType(DataType.FLOAT64, false).toDoubleArray(), 0.0);
            }
        }
    }

    @Test
    void checkpointFromAnotherSeedOrModelIsRefused(@TempDir Path dir) {
        Path file = dir.resolve("x.ckpt");
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 5, V, 16, 0f, 8, 8);
            try (Trainer t = Trainer.builder().model(model).config(Fixtures.config(5).steps(4).build())
                    .trainData(Fixtures.affineTask(V)).build()) {
                t.step();
                t.saveCheckpoint(file);
            }
            TinyLM other = Fixtures.model(m, 5, V, 8, 0f, 8, 8); // dim 8, not 16
            try (Trainer t = Trainer.builder().model(other).config(Fixtures.config(5).steps(4).build())
                    .trainData(Fixtures.affineTask(V)).build()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.loadCheckpoint(file));
                assertTrue(e.getMessage().contains("(8, 8)") || e.getMessage().contains("(16"), e.getMessage());
            }
            try (Trainer t = Trainer.builder().model(model).config(Fixtures.config(6).steps(4).build())
                    .trainData(Fixtures.affineTask(V)).build()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.loadCheckpoint(file));
                assertTrue(e.getMessage().contains("seed 5") && e.getMessage().contains("6"), e.getMessage());
            }
        }
    }

    @Test
    void periodicCheckpointsResumeWhereTheyStopped(@TempDir Path dir) {
        double[] full;
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 8, V, 16, 0f, 8, 8);
            try (Trainer t = Trainer.builder().model(model).config(Fixtures.config(8).steps(30).build())
                    .trainData(Fixtures.affineTask(V)).build()) {
                full = t.run().metrics().values("train_loss");
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 8, V, 16, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(8).steps(30).checkpointEvery(10, dir).build();
            ProgressListener crashAt25 = new ProgressListener() {
                @Override
                public void onStep(ProgressListener.Progress p) {
                    if (p.step() == 25) {
                        throw new IllegalStateException("simulated crash");
                    }
                }
            };
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(V))
                    .runName("resume").listener(crashAt25).build()) {
                assertThrows(IllegalStateException.class, t::run); // checkpoints at 10 and 20 were written
            }
            TinyLM model3 = Fixtures.model(m, 77, V, 16, 0f, 8, 8);
            try (Trainer t = Trainer.builder().model(model3).config(cfg).trainData(Fixtures.affineTask(V))
                    .runName("resume").build()) {
                t.loadCheckpoint(t.checkpointFile());
                assertEquals(20, t.stepsDone());
                TrainResult r = t.run();
                assertEquals(30, r.steps());
                assertArrayEquals(full, r.metrics().values("train_loss"), 0.0);
            }
        }
    }

    @Test
    void badInputFailsNamingTheProblem() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 1, V, 8, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(1).steps(3).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.builder().model(model).config(cfg).build());
            assertTrue(e.getMessage().contains("trainData"), e.getMessage());
            IllegalArgumentException notInit = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.builder().model(new TinyLM(V, 8, 0f)).config(cfg)
                            .trainData(Fixtures.affineTask(V)).build());
            assertTrue(notInit.getMessage().contains("not initialized"), notInit.getMessage());
            IllegalArgumentException noEval = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.builder().model(model).config(cfg.toBuilder()
                                    .earlyStop(EarlyStop.atMost("eval_loss", 0.1)).build())
                            .trainData(Fixtures.affineTask(V)).build());
            assertTrue(noEval.getMessage().contains("eval_loss"), noEval.getMessage());
            // a source returning a wrongly shaped mask
            TrainingData bad = (mm, req) -> {
                NDArray x = mm.zeros(new ai.djl.ndarray.types.Shape(req.batchSize(), req.context()), DataType.INT32);
                return new TensorBatch(x, x, mm.ones(new ai.djl.ndarray.types.Shape(req.batchSize())));
            };
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(bad).build()) {
                IllegalArgumentException s = assertThrows(IllegalArgumentException.class, t::step);
                assertTrue(s.getMessage().contains("lossMask shape (8)"), s.getMessage());
            }
        }
    }

    @Test
    void divergenceFailsWithTheStep() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 1, V, 8, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(1).steps(3).build();
            TrainingData nan = (mm, req) -> {
                throw new IllegalStateException("source broke at " + req.index());
            };
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(nan).build()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, t::step);
                assertEquals("source broke at 0", e.getMessage());
                // the failed step left the parameters usable
                assertTrue(model.getParameters().get(0).getValue().getArray().getManager().isOpen());
            }
        }
    }
}
