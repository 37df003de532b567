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
    void smokePresetReturnsAccuracyByLengthForBothVariants() {
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try {
            ExperimentResult r = new ParityCotExperiment().run(new Settings(Device.cpu(), Preset.SMOKE, 42),
                    new ProgressListener() { });
            Table summary = r.table("summary");
            assertEquals(List.of(ParityCotExperiment.WITH_COT, ParityCotExperiment.WITHOUT_COT),
                    summary.stringColumn("variant").asList());
            for (String c : List.of("accuracy_longest", "accuracy_mean", "accuracy_longest_teacher_forced")) {
                for (double v : summary.doubleColumn(c).asDoubleArray()) {
                    assertTrue(v >= 0 && v <= 1, c + " = " + v);
                }
            }
            double iteration = summary.doubleColumn("iteration_score_layer1").getDouble(0);
            assertTrue(iteration >= 0 && iteration <= 1, "iteration score " + iteration);
            int maxL = ParityCotExperiment.SMOKE.maxLength();
            Table acc = r.table("accuracy_by_length");
            // with CoT: answer + teacher-forced per length; without: answer only
            assertEquals(3 * maxL, acc.rowCount());
            assertEquals(List.of("variant", "length", "metric", "value"), acc.columnNames());
            assertEquals(List.of(ParityCotExperiment.ACCURACY_FIGURE, ParityCotExperiment.ATTENTION_FIGURE),
                    List.copyOf(r.namedFigures().keySet()));
            assertFalse(r.notes().isEmpty());
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }
}
