package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.probe.InductionScores;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InductionExperimentTest {

    @Test
    void smokePresetReturnsTablesFiguresAndFiniteNumbers() {
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try {
            ExperimentResult r = new InductionExperiment().run(new Settings(Device.cpu(), Preset.SMOKE, 42),
                    new ProgressListener() { });
            Table summary = r.table("summary");
            assertEquals(List.of("1-layer", "2-layer"), summary.stringColumn("model").asList());
            for (String c : List.of("first_half_loss", "repeated_half_loss", "induction_loss", "icl_score",
                    "max_prefix_matching", "max_previous_token")) {
                for (double v : summary.doubleColumn(c).asDoubleArray()) {
                    assertTrue(Double.isFinite(v), c + " = " + v);
                }
            }
            int t = InductionExperiment.SMOKE.maxT();
            Table byPosition = r.table("loss_by_position");
            assertEquals(2 * 2 * t, byPosition.rowCount());
            assertEquals(List.of("model", "position", "half", "loss"), byPosition.columnNames());
            Table scores = r.table("head_scores");
            int heads = InductionExperiment.SMOKE.heads();
            assertEquals((1 + 2) * heads * InductionScores.SCORES.size(), scores.rowCount());
            assertTrue(r.table("scores_over_training").columnNames().contains("step"));
            assertTrue(r.metrics().metricNames().containsAll(List.of("eval_induction_loss", "eval_first_half_loss",
                    "max_prefix_matching")));
            // position, score and loss curves, 2 head grids, 2 heatmaps
            assertEquals(List.of(InductionExperiment.LOSS_BY_POSITION_FIGURE, InductionExperiment.PREFIX_MATCHING_CURVE,
                    InductionExperiment.INDUCTION_LOSS_CURVE, InductionExperiment.PREFIX_MATCHING_HEADS,
                    InductionExperiment.PREVIOUS_TOKEN_HEADS, InductionExperiment.attentionFigure(1),
                    InductionExperiment.attentionFigure(2)), List.copyOf(r.namedFigures().keySet()));
            assertFalse(r.notes().isEmpty());
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }

    @Test
    void phaseChangeIsTheFirstEvalBelowTheMidpoint() {
        MetricsLog log = new MetricsLog();
        double[] loss = {3.0, 2.9, 2.5, 1.0, 0.2, 0.1};
        for (int i = 0; i < loss.length; i++) {
            log.add("2-layer", 10L * (i + 1), "eval_induction_loss", loss[i]);
            log.add("1-layer", 10L * (i + 1), "eval_induction_loss", 3.0 - 0.1 * i);
        }
        // midpoint of 3.0 and 0.1 is 1.55: first below it is 1.0 at step 40
        assertEquals(40.0, InductionExperiment.phaseChange(log, "2-layer"));
        // 1-layer ends at 2.5 > 3.0 / 2: no phase change
        assertTrue(Double.isNaN(InductionExperiment.phaseChange(log, "1-layer")));
    }
}
