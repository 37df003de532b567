package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.probe.RetrievalScores;
import org.attnlab.train.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetrievalHeadsExperimentTest {

    @Test
    void smokeRunsBothSeedsAndEveryAblationAndDuoSettingAndLoadsBackTheSame(@TempDir Path dir) {
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try {
            Settings settings = new Settings(Device.cpu(), Preset.SMOKE, 42);
            RetrievalHeadsExperiment e = new RetrievalHeadsExperiment();
            ExperimentResult r = e.run(settings, new ProgressListener() { });
            RetrievalHeadsExperiment.Sizes s = RetrievalHeadsExperiment.SMOKE;
            int heads = s.layers() * s.heads();
            Table scores = r.table(RetrievalHeadsExperiment.HEAD_SCORES);
            assertEquals(2 * heads * 2, scores.rowCount());
            assertEquals(Set.of(RetrievalScores.RETRIEVAL, RetrievalScores.STREAMING),
                    Set.copyOf(scores.stringColumn("metric").asList()));
            for (double v : scores.doubleColumn("value").asDoubleArray()) {
                assertTrue(v >= 0 && v <= 1 + 1e-6, "score " + v);
            }
            Table ablation = r.table(RetrievalHeadsExperiment.ABLATION);
            assertEquals(2 * (3 + s.draws()), ablation.rowCount());
            Table duo = r.table(RetrievalHeadsExperiment.DUO);
            assertEquals(2 * s.evalLengths().length * 3, duo.rowCount());
            // the full cache grows with the length; all-streaming is never above DuoAttention, which is never above full
            for (int row = 0; row < duo.rowCount(); row += 3) {
                long full = duo.longColumn("kv_bytes").getLong(row);
                long mixed = duo.longColumn("kv_bytes").getLong(row + 1);
                long streaming = duo.longColumn("kv_bytes").getLong(row + 2);
                assertTrue(streaming <= mixed && mixed <= full, full + " " + mixed + " " + streaming);
            }
            Table summary = r.table(RetrievalHeadsExperiment.SUMMARY);
            assertEquals(2, summary.rowCount());
            assertEquals(List.of(RetrievalHeadsExperiment.RETRIEVAL_GRID, RetrievalHeadsExperiment.STREAMING_GRID,
                    RetrievalHeadsExperiment.ABLATION_BARS, RetrievalHeadsExperiment.DUO_ACCURACY,
                    RetrievalHeadsExperiment.DUO_MEMORY), List.copyOf(r.namedFigures().keySet()));
            assertEquals(s.exampleLength(), RetrievalHeadsExperiment.viewer(r).tokens().size());

            // a saved run is rebuilt into the same summary
            Path folder = dir.resolve(e.name());
            ResultsFolder out = ResultsFolder.prepare(folder.toString(), dir, folder);
            try {
                r.writeTo(out.staging());
            } catch (IllegalStateException | IllegalArgumentException ex) {
                // no plotly.js here: the CSVs are written first
            }
            out.commit(e.name(), settings);
            ExperimentResult back = SavedRuns.load(e, settings, folder).orElseThrow();
            assertEquals(summary.printAll(), back.table(RetrievalHeadsExperiment.SUMMARY).printAll());
            assertEquals(r.namedFigures().keySet(), back.namedFigures().keySet());
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }

    @Test
    void sizesRefuseEvalLengthsOutsideTheTrainedOnesAndTooLargeK() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetrievalHeadsExperiment.Sizes
                .builder().task(8, 4, 8, 2, 1).model(2, 32, 2).training(20, 8, 3e-3).lengths(16, 24).evalLengths(32)
                .evalBatch(8).ablate(1, 2).view(1, 4).exampleLength(16).build());
        assertTrue(e.getMessage().contains("eval length 32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetrievalHeadsExperiment.Sizes
                .builder().task(8, 4, 8, 2, 1).model(2, 32, 2).training(20, 8, 3e-3).lengths(16, 24).evalLengths(16)
                .evalBatch(8).ablate(3, 2).view(1, 4).exampleLength(16).build());
        assertTrue(e.getMessage().contains("k = 3"), e.getMessage());
    }

    @Test
    void sdIsTheSampleStandardDeviation() {
        assertEquals(Math.sqrt(2.5), RetrievalHeadsExperiment.sd(new double[] {1, 2, 3, 4, 5}), 1e-12);
        assertEquals(0.0, RetrievalHeadsExperiment.sd(new double[] {0.7}));
    }
}
