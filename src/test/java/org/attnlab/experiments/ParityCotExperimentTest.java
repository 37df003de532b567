package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.attnlab.train.ProgressListener;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void learnedPositionsAreAddedAtTheEmbedHook() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ModelConfig config = ModelConfig.builder(5, 8, 1, 2).plan(LayerPlan.uniform(AttentionKind.NOPE, 2)).build();
            LearnedPositionsLM lm = LearnedPositionsLM.create(config, 6, m, 3);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray tokens = m.create(new int[] {1, 3, 4, 2, 1, 3}, new Shape(2, 3));
            NDArray logits = lm.forward(ps, tokens, false);
            assertArrayEquals(new long[] {2, 3, 5}, logits.getShape().getShape());
            // with the position table zeroed the model is its decoder exactly
            lm.getParameters().get("positions").getArray().muli(0);
            NDArray plain = lm.decoder().forward(ps, tokens, false);
            assertTrue(lm.forward(ps, tokens, false).allClose(plain, 1e-6, 1e-6, false));
            Map<String, NDArray> p = lm.patterns(ps, tokens);
            assertEquals(List.of(DecoderLM.patternName(0), DecoderLM.patternName(1)), List.copyOf(p.keySet()));
            assertThrows(IllegalArgumentException.class,
                    () -> lm.forward(ps, m.zeros(new Shape(1, 7), ai.djl.ndarray.types.DataType.INT32), false));
        }
    }
}
