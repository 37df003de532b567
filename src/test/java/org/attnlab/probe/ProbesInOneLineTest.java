package org.attnlab.probe;

import ai.djl.ndarray.NDManager;
import org.attnlab.data.tasks.RepeatedTokensTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.ModelConfig;
import org.attnlab.viz.Figure;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's "Probes in one line", verbatim between the markers, so the lines it shows compile and run. */
class ProbesInOneLineTest {

    @Test
    void theReadmeOneLinersRun() {
        RepeatedTokensTask task = new RepeatedTokensTask(16);
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelConfig config = ModelConfig.builder(task.vocabulary().size(), 32, 4, 2).build();
            DecoderLM model = DecoderLM.create(config, manager, 1);
            TaskBatch batch = task.sample(8, 6, Split.TEST, 3);
            int[][] tokens = batch.inputs();
            int[][] clean = task.sample(4, 6, Split.TEST, 4).inputs();
            int[][] corrupted = task.sample(4, 6, Split.TEST, 5).inputs();
            int[] correct = {1, 2, 3, 4};
            int[] wrong = {5, 6, 7, 8};
            // --- README: Probes in one line ---
            Table scores = HeadScores.measure(model, manager, tokens);      // every head: previous-token ... copying
            Figure grid = HeadScores.figure(scores, HeadScores.PREFIX_MATCHING);  // layer x head
            Table mine = HeadScores.measure(model, manager, tokens,
                    HeadScore.perSequence("last_to_first", (w, t) -> w[w.length - 1][0]));
            Table ablated = Ablation.of(model, manager, batch).mode(Ablation.Mode.MEAN).each();
            Table patched = ActivationPatching.residual(model, manager, clean, corrupted,
                    LogitMetric.logitDifference(-1, correct, wrong));
            Figure picture = ActivationPatching.residualFigure(patched);    // layer x position
            Table byHead = ActivationPatching.heads(model, manager, clean, corrupted,
                    LogitMetric.logitDifference(-1, correct, wrong));
            Table dla = DirectLogitAttribution.measure(model, manager, clean, -1, correct);
            HeadScoreTracker induction = HeadScoreTracker.of(tokens, HeadScores.PREFIX_MATCHING_SCORE);
            // Trainer.builder()...evalHook(induction).build().run(); then induction.figure(HeadScores.PREFIX_MATCHING)
            // --- end ---
            assertEquals(2 * 4 * (HeadScores.PATTERN_SCORES.size() + 1), scores.rowCount());
            assertTrue(grid.svg().contains(HeadScores.PREFIX_MATCHING));
            assertEquals(List.of("last_to_first"), mine.stringColumn(ProbeTable.METRIC).unique().asList());
            assertEquals((2 * 4 + 2) * 6, ablated.rowCount());
            assertEquals(2 * 2 * 12, patched.rowCount());
            assertTrue(picture.svg().contains(ActivationPatching.RECOVERED_LABEL));
            assertEquals(2 * 4 * 2, byHead.rowCount());
            assertEquals(1 + 2 * 5 + 1, dla.rowCount());
            assertEquals(0, induction.table().rowCount());
        }
    }
}
