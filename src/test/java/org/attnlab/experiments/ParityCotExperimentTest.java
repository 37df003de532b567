package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.train.ProgressListener;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParityCotExperimentTest {

    @Test
    void smokePresetReturnsAccuracyByLengthForEveryRunAndLoadsBackFromASavedRun() throws Exception {
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try {
            Settings settings = new Settings(Device.cpu(), Preset.SMOKE, 42);
            ExperimentResult r = new ParityCotExperiment().run(settings, new ProgressListener() { });
            Table summary = r.table("summary");
            assertEquals(List.of(ParityCotExperiment.WITH_COT, ParityCotExperiment.WITHOUT_COT,
                    ParityCotExperiment.WITH_COT_ONE_LAYER), summary.stringColumn("variant").asList());
            assertEquals(List.of(2, 2, 1), summary.intColumn("layers").asList());
            for (String c : List.of("accuracy_longest", "accuracy_mean")) {
                for (double v : summary.doubleColumn(c).asDoubleArray()) {
                    assertTrue(v >= 0 && v <= 1, c + " = " + v);
                }
            }
            for (int row : new int[] {0, 2}) {       // the CoT runs carry teacher-forced and head scores
                for (String c : List.of("every_step_forced_longest", "step_forced_longest", "eoi_score_layer0",
                        "eoi_peaked_layer0", "iteration_score_layer0")) {
                    double v = summary.doubleColumn(c).getDouble(row);
                    assertTrue(v >= 0 && v <= 1, c + " = " + v + " in row " + row);
                }
            }
            double iteration = summary.doubleColumn("iteration_score_layer1").getDouble(0);
            assertTrue(iteration >= 0 && iteration <= 1, "iteration score " + iteration);
            assertTrue(Double.isNaN(summary.doubleColumn("iteration_score_layer1").getDouble(2)),
                    "a 1-layer model has no layer 1");
            int maxL = ParityCotExperiment.SMOKE.maxLength();
            Table acc = r.table("accuracy_by_length");
            // with CoT (2 runs): answer, every step and step accuracy per length; without: answer only
            assertEquals(7 * maxL, acc.rowCount());
            assertEquals(List.of("variant", "length", "metric", "value"), acc.columnNames());
            // the attention table holds an L x L pattern per layer: 2 layers + 1 layer of the CoT runs
            int l = 2 * ParityCotExperiment.SMOKE.heatmapLength() + 1;
            assertEquals(3 * l * l, r.table(ParityCotExperiment.ATTENTION).rowCount());
            assertEquals(List.of("nothing", "L0.H0 (EoI head)", "L1.H0 (iteration head)"),
                    r.table(ParityCotExperiment.ABLATION).stringColumn("ablated").asList());
            assertEquals(List.of(ParityCotExperiment.ACCURACY_FIGURE, ParityCotExperiment.ATTENTION_FIGURE,
                    ParityCotExperiment.ABLATION_FIGURE), List.copyOf(r.namedFigures().keySet()));
            assertFalse(r.notes().isEmpty());
            // a saved run is rebuilt from its raw tables into the same tables and figures
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("parity-cot");
            java.nio.file.Path folder = dir.resolve("parity-cot");
            ResultsFolder out = ResultsFolder.prepare(folder.toString(), dir, folder);
            try {
                r.writeTo(out.staging());
            } catch (IllegalStateException | IllegalArgumentException e) {
                // no plotly.js here: the CSVs are written first
            }
            out.commit("parity-cot", settings);
            ExperimentResult back = SavedRuns.load(new ParityCotExperiment(), settings, folder).orElseThrow(
                    () -> new AssertionError(SavedRuns.whyNot(new ParityCotExperiment(), settings, folder)));
            for (String t : List.of(ParityCotExperiment.SUMMARY, ParityCotExperiment.ACCURACY_BY_LENGTH,
                    ParityCotExperiment.ABLATION)) {
                assertEquals(r.table(t).printAll(), back.table(t).printAll(), t);
            }
            assertEquals(summary.stringColumn("variant").asList(), back.table("summary").stringColumn("variant").asList());
            assertEquals(summary.doubleColumn("accuracy_longest").asList(),
                    back.table("summary").doubleColumn("accuracy_longest").asList());
            assertEquals(r.table(ParityCotExperiment.ATTENTION).rowCount(),
                    back.table(ParityCotExperiment.ATTENTION).rowCount());
            assertEquals(r.namedFigures().keySet(), back.namedFigures().keySet());
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }
    @Test
    void thePaperRecipeRunsAndRepeatsItself() {
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try {
            ParityCotExperiment.Sizes s = ParityCotExperiment.Sizes.builder().maxLength(4).dModel(16).steps(12)
                    .batch(8).lr(1e-3).evalEvery(6).testPerLength(8).probeSequences(4).heatmapLength(3)
                    .paperRecipe(true).build();
            Settings settings = new Settings(Device.cpu(), Preset.SMOKE, 5);
            ExperimentResult a = new ParityCotExperiment().run(settings, new ProgressListener() { }, s);
            ExperimentResult b = new ParityCotExperiment().run(settings, new ProgressListener() { }, s);
            Table sa = a.table("summary");
            assertEquals(3, sa.rowCount());
            // dropout masks are seeded: the same seed gives the same numbers
            for (String c : List.of("accuracy_mean", "step_forced_longest", "iteration_score_layer0")) {
                double[] x = sa.doubleColumn(c).asDoubleArray();
                double[] y = b.table("summary").doubleColumn(c).asDoubleArray();
                assertEquals(x.length, y.length);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Double.doubleToLongBits(x[i]), Double.doubleToLongBits(y[i]), c + " row " + i);
                }
            }
            assertTrue(ParityCotExperiment.scale(s).contains("GELU MLP"), ParityCotExperiment.scale(s));
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }
}
