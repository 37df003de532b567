package org.attnlab.experiments;

import ai.djl.Device;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.attention.AttentionKind;
import org.attnlab.data.tasks.FlipFlopTask;
import org.attnlab.train.EarlyStop;
import org.attnlab.train.TrainingDiverged;
import org.attnlab.viz.Plots;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed parts experiments are built from: variants, specs and sizes by name, outcomes, results by name. */
class TypedPartsTest {

    @Test
    void variantsMapDisplayNamesToKindsInOnePlace() {
        assertSame(Variant.ROPE, Variant.named("RoPE"));
        assertSame(Variant.PATH_FOX, Variant.named("path-fox"));
        assertEquals(AttentionKind.STANDARD, Variant.ROPE.kind());
        assertEquals("PaTH", Variant.PATH.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Variant.named("ALiBi"));
        assertTrue(e.getMessage().contains("'ALiBi'") && e.getMessage().contains("RoPE, NoPE, FoX, PaTH, PaTH-FoX"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WordProblemsExperiment.Group.named("A4"));
    }

    @Test
    void specsAreBuiltByNameAndNeverStopEarlyUnlessTold() {
        FlipFlopTask task = FlipFlopTask.standard();
        TaskModelRun.Builder b = TaskModelRun.Spec.builder("PaTH", AttentionKind.PATH, task).layers(1).dModel(16)
                .heads(2).trainLength(16).batchSize(8).steps(8).lr(3e-3).evalEvery(4);
        TaskModelRun.Spec spec = b.build();
        assertEquals(Optional.empty(), spec.earlyStop());
        assertEquals(16, spec.dModel());
        EarlyStop stop = EarlyStop.atLeast("eval_accuracy", 0.99);
        assertEquals(Optional.of(stop), b.earlyStop(stop).build().earlyStop());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaskModelRun.Spec.builder("RoPE", AttentionKind.STANDARD, task).layers(1).dModel(16)
                        .trainLength(16).batchSize(8).steps(8).lr(3e-3).evalEvery(4).build());
        assertTrue(e.getMessage().contains("'RoPE'") && e.getMessage().contains("heads"), e.getMessage());
    }

    @Test
    void everyPresetsSizesBuildAndAMissingSizeIsNamed() {
        for (Preset p : Preset.values()) {
            assertTrue(FlipFlopExperiment.size(p).dModel() > 0);
            assertTrue(MqrarExperiment.size(p).maxN() > 0);
            assertTrue(WordProblemsExperiment.size(p).trainLength() > 0);
            assertTrue(DesignPrinciplesExperiment.sizes(p).layers() > 0);
        }
        assertEquals(List.of(Variant.PATH, Variant.FOX), MqrarExperiment.size(Preset.FULL).variants());
        assertEquals(4, InductionExperiment.QUICK.heads());
        assertEquals(24, InductionExperiment.QUICK.maxT());
        assertEquals(16, ParityCotExperiment.QUICK.maxLength());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlipFlopExperiment.Size.builder().dModel(16).length(16).steps(8).batchSize(8).lr(3e-3)
                        .evalEvery(4).testBatchSize(8).build());
        assertTrue(e.getMessage().contains("testBatches") && e.getMessage().contains("not set"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ParityCotExperiment.Sizes.builder().maxLength(4).dModel(32).steps(20).batch(16).evalEvery(10)
                        .testPerLength(16).probeSequences(8).heatmapLength(3).build());
        assertTrue(e.getMessage().contains("lr"), e.getMessage());
    }

    @Test
    void outcomesGiveTheRunStatus() {
        assertEquals("ok", RunOutcome.completed().status());
        assertTrue(RunOutcome.completed().isCompleted());
        TrainingDiverged d = new TrainingDiverged("mlp/uniform", 7, Double.NaN, 3.0, 1e-3);
        RunOutcome o = RunOutcome.diverged(d);
        assertFalse(o.isCompleted());
        assertEquals(7, ((RunOutcome.Diverged) o).step());
        assertEquals("diverged: " + d.getMessage(), o.status());
        assertTrue(o.status().startsWith("diverged: run 'mlp/uniform' diverged at step 7: loss=NaN"), o.status());
    }

    @Test
    void tablesAndFiguresAreLookedUpByName() {
        ExperimentResult r = new ExperimentResult(new FlipFlopExperiment(),
                new Settings(Device.cpu(), Preset.SMOKE, 1), null);
        Table t = Table.create("x", StringColumn.create("variant", "a", "b"), DoubleColumn.create("error", 0.1, 0.2));
        var bars = Plots.bars(t, "variant", "error", null);
        r.table(FlipFlopExperiment.ERRORS, t).figure(FlipFlopExperiment.ERROR_BARS, bars);
        assertSame(t, r.table(FlipFlopExperiment.ERRORS));
        assertSame(bars, r.figure(FlipFlopExperiment.ERROR_BARS));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.figure("errors_bars"));
        assertTrue(e.getMessage().contains("'errors_bars'") && e.getMessage().contains("[error_by_split]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> r.table("summary"));
        assertTrue(e.getMessage().contains("[errors]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.figure(FlipFlopExperiment.ERROR_BARS, bars));
    }
}
