package org.attnlab.experiments;

import ai.djl.Device;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.data.tasks.FlipFlopTask;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.train.TrainingInterrupted;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs at once: the same numbers as one after another, results in list order, failures and interrupts stop all. */
class ParallelRunsTest {

    private static final Settings SMOKE = new Settings(Device.cpu(), Preset.SMOKE, 7);
    private static final ProgressListener QUIET = new ProgressListener() {
    };

    /** The metrics rows except the wall-clock ones (tokens per second), as one string per row. */
    private static List<String> rowsWithoutTiming(MetricsLog log) {
        Table t = log.table();
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < t.rowCount(); i++) {
            String metric = t.stringColumn(MetricsLog.METRIC).get(i);
            if (!metric.equals("tokens_per_s")) {
                rows.add(t.stringColumn(MetricsLog.RUN).get(i) + " " + t.longColumn(MetricsLog.STEP).get(i) + " "
                        + metric + " " + Double.doubleToRawLongBits(t.doubleColumn(MetricsLog.VALUE).get(i)));
            }
        }
        return rows;
    }

    @Test
    void runsBesideEachOtherGiveTheNumbersOfRunsOneAfterAnother() {
        ExperimentResult alone = new FlipFlopExperiment().run(SMOKE, QUIET);
        ExperimentResult together = new FlipFlopExperiment().run(SMOKE.withParallelRuns(3), QUIET);
        Table a = alone.table(FlipFlopExperiment.ERRORS);
        Table b = together.table(FlipFlopExperiment.ERRORS);
        assertEquals(a.stringColumn("variant").asList(), b.stringColumn("variant").asList(), "rows in variant order");
        assertEquals(a.stringColumn("split").asList(), b.stringColumn("split").asList());
        assertArrayEquals(a.doubleColumn("error").asDoubleArray(), b.doubleColumn("error").asDoubleArray(),
                "bit for bit");
        List<String> rowsAlone = rowsWithoutTiming(alone.metrics());
        assertTrue(rowsAlone.size() > 5 * 8 * 3, "every run logged its steps: " + rowsAlone.size());
        assertEquals(rowsAlone, rowsWithoutTiming(together.metrics()), "every loss, norm and eval, in the same order");
        assertEquals(alone.table(FlipFlopExperiment.TIMING).stringColumn("variant").asList(),
                together.table(FlipFlopExperiment.TIMING).stringColumn("variant").asList());
    }

    @Test
    void aRunKeepsItsNumbersWhateverRunsBesideIt() {
        FlipFlopExperiment.Size s = FlipFlopExperiment.size(Preset.SMOKE);
        FlipFlopTask task = FlipFlopTask.standard();
        java.util.function.Function<Variant, TaskModelRun.Spec> spec = v -> TaskModelRun.Spec.builder(
                        v.displayName(), v.kind(), task).layers(1).dModel(s.dModel()).heads(2).trainLength(s.length())
                .batchSize(s.batchSize()).steps(12).lr(s.lr()).evalEvery(4).build();
        java.util.function.Function<Variant, TaskModelRun.Trained<double[]>> work = v -> TaskModelRun.trainAndMeasure(
                spec.apply(v), s.length(), SMOKE, QUIET, run -> run.accuracyByPosition(FlipFlopTask.OOD_SPARSE,
                        s.length(), s.testBatchSize(), 2));
        TaskModelRun.Trained<double[]> alone = work.apply(Variant.PATH);
        // beside a different model and a second copy of itself
        List<TaskModelRun.Trained<double[]>> beside = ParallelRuns.map(3,
                List.of(Variant.ROPE, Variant.PATH, Variant.PATH), work);
        for (int i = 1; i <= 2; i++) {
            assertEquals(rowsWithoutTiming(alone.log()), rowsWithoutTiming(beside.get(i).log()));
            assertArrayEquals(alone.value(), beside.get(i).value());
        }
        assertFalse(rowsWithoutTiming(alone.log()).equals(rowsWithoutTiming(beside.get(0).log())),
                "another variant trains otherwise (the comparison can fail)");
    }

    @Test
    void resultsComeBackInListOrderWhateverOrderTheRunsEnd() {
        // item i ends only after item i + 1 has ended: they finish 3, 2, 1, 0
        List<CountDownLatch> ended = List.of(new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1),
                new CountDownLatch(1));
        List<Integer> endOrder = Collections.synchronizedList(new ArrayList<>());
        List<String> out = ParallelRuns.map(4, List.of(0, 1, 2, 3), i -> {
            if (i < 3) {
                await(ended.get(i + 1));
            }
            endOrder.add(i);
            ended.get(i).countDown();
            return "run " + i;
        });
        assertEquals(List.of("run 0", "run 1", "run 2", "run 3"), out);
        assertEquals(List.of(3, 2, 1, 0), endOrder);
    }

    @Test
    void oneRunFailingStopsTheOthersAndItsErrorIsThrownAfterTheyEnd() {
        CountDownLatch started = new CountDownLatch(3);
        List<String> ended = Collections.synchronizedList(new ArrayList<>());
        IllegalArgumentException bad = new IllegalArgumentException("Spec 'PaTH': dModel must be at least 1");
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                () -> ParallelRuns.map(3, List.of(0, 1, 2), i -> {
                    started.countDown();
                    if (i == 1) {
                        await(started);
                        throw bad;
                    }
                    try {
                        Thread.sleep(TimeUnit.MINUTES.toMillis(5));   // a long run, until it is stopped
                    } catch (InterruptedException e) {
                        ended.add("run " + i + " stopped");
                        throw new TrainingInterrupted("run " + i, 3, 100);
                    }
                    ended.add("run " + i + " finished");
                    return i;
                }));
        assertSame(bad, thrown);
        Collections.sort(ended);
        assertEquals(List.of("run 0 stopped", "run 2 stopped"), ended, "the others were stopped, and ended before the error came back");
    }

    @Test
    void interruptingTheCallerStopsTheTrainingRunsWithTrainingInterrupted() throws Exception {
        FlipFlopExperiment.Size s = FlipFlopExperiment.size(Preset.SMOKE);
        FlipFlopTask task = FlipFlopTask.standard();
        CountDownLatch training = new CountDownLatch(2);
        ProgressListener firstStep = new ProgressListener() {
            @Override
            public void onStep(Progress p) {
                if (p.step() == 1) {
                    training.countDown();
                }
            }
        };
        AtomicReference<Throwable> caught = new AtomicReference<>();
        AtomicReference<Boolean> flagAfter = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                ParallelRuns.map(2, List.of(Variant.ROPE, Variant.NOPE), v -> TaskModelRun.trainAndMeasure(
                        TaskModelRun.Spec.builder(v.displayName(), v.kind(), task).layers(1).dModel(s.dModel())
                                .heads(2).trainLength(s.length()).batchSize(s.batchSize()).steps(1_000_000)
                                .lr(s.lr()).evalEvery(1_000_000).build(),
                        s.length(), SMOKE, ProgressListener.synchronizedListener(firstStep), run -> 0));
            } catch (Throwable t) {
                caught.set(t);
            }
            flagAfter.set(Thread.currentThread().isInterrupted());
        }, "caller");
        caller.start();
        assertTrue(training.await(2, TimeUnit.MINUTES), "both runs are training");
        caller.interrupt();                 // Jupyter's stop button interrupts the cell's thread
        caller.join(TimeUnit.MINUTES.toMillis(2));
        assertFalse(caller.isAlive(), "the runs stopped");
        assertNotNull(caught.get());
        assertTrue(caught.get() instanceof TrainingInterrupted, String.valueOf(caught.get()));
        assertTrue(caught.get().getMessage().startsWith("interrupted at step ")
                && caught.get().getMessage().contains("(run 'RoPE')"), caught.get().getMessage());
        assertFalse(flagAfter.get(), "as TrainingInterrupted says: the flag is cleared, the exception reports it");
    }

    @Test
    void parallelBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ParallelRuns.map(0, List.of(1), i -> i));
        assertEquals("parallel runs 0 must be at least 1 (1: one after another)", e.getMessage());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException("timed out waiting");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
