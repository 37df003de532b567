package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.probe.HeadScores;
import org.attnlab.train.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SinksExperimentTest {

    @Test
    void smokePresetTrainsEveryPartAtTwoSeedsAndLoadsBackFromItsSavedTables(@TempDir Path folder) throws Exception {
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try {
            Settings smoke = new Settings(Device.cpu(), Preset.SMOKE, 42);
            SinksExperiment experiment = new SinksExperiment();
            ExperimentResult r = experiment.run(smoke, new ProgressListener() { });
            long[] seeds = SinksExperiment.seeds(smoke);
            assertEquals(42, seeds[0]);
            assertEquals(List.of(seeds[0], seeds[1]), r.table(SinksExperiment.BB_SUMMARY).longColumn("seed").asList());
            assertEquals(List.of(seeds[0], seeds[1]), r.table(SinksExperiment.LM_SUMMARY).longColumn("seed").asList());
            for (String t : List.of(SinksExperiment.BB_SUMMARY, SinksExperiment.LM_SUMMARY)) {
                for (String c : r.table(t).columnNames()) {
                    if (r.table(t).column(c) instanceof DoubleColumn d) {
                        for (double v : d.asDoubleArray()) {
                            assertTrue(Double.isFinite(v), t + "." + c + " = " + v);
                        }
                    }
                }
            }
            // every mechanism at both seeds; softmax rows sum to 1, sigmoid's need not
            Table mech = r.table(SinksExperiment.BB_MECHANISMS);
            assertEquals(2 * SinksExperiment.Mechanism.values().length, mech.rowCount());
            assertEquals(1.0, mech.where(mech.stringColumn("mechanism").isEqualTo("softmax")).doubleColumn("mean_row_mass")
                    .getDouble(0), 1e-4);
            // the share of sink heads at step 0 and at every evaluation, for each part and seed
            Table share = r.table(SinksExperiment.SINK_SHARE);
            assertEquals(List.of(0L, 10L, 20L), SinksExperiment.steps(share.where(share.stringColumn("part")
                    .isEqualTo(SinksExperiment.BB).and(share.longColumn("seed").isEqualTo(42L)))));
            // streaming: a loss at every position of the streamed text for each cache and seed
            SinksExperiment.Sizes s = SinksExperiment.SMOKE;
            int positions = s.lmContext() * s.streamFactor();
            assertEquals(2 * 3 * positions, r.table(SinksExperiment.STREAMING).rowCount());
            assertEquals(6, r.table(SinksExperiment.STREAMING_SUMMARY).rowCount());
            // the viewer's two inputs: all heads, every causal (query, key) pair
            int len = r.table(SinksExperiment.BB_TOKENS).where(r.table(SinksExperiment.BB_TOKENS).intColumn("example")
                    .isEqualTo(0)).rowCount();
            assertEquals(2 * s.bbLayers() * s.bbHeads() * len * (len + 1) / 2, r.table(SinksExperiment.BB_PATTERNS).rowCount());
            assertEquals(List.of(SinksExperiment.SINK_SHARE_FIGURE, SinksExperiment.LM_HEADS_FIGURE,
                    SinksExperiment.BB_HEADS_FIGURE, SinksExperiment.MECHANISMS_FIGURE, SinksExperiment.STREAMING_FIGURE), List.copyOf(r.namedFigures().keySet()));
            assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("Text model, seed 42")), r.notes().toString());

            r.writeTo(folder);
            Files.writeString(folder.resolve(ResultsFolder.MANIFEST), ResultsFolder.manifest(experiment.name(), smoke));
            ExperimentResult loaded = SavedRuns.load(experiment, smoke, folder).orElseThrow();
            assertEquals(r.tables().keySet(), loaded.tables().keySet());
            for (String name : r.tables().keySet()) {
                assertEquals(r.table(name).printAll(), loaded.table(name).printAll(), name);
            }
            assertEquals(r.namedFigures().keySet(), loaded.namedFigures().keySet());
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }

    private static Table over(double[][] rows) {     // seed, step, layer, head, metric index, value
        Table t = Table.create("over", LongColumn.create("seed"), LongColumn.create("step"), IntColumn.create("layer"),
                IntColumn.create("head"), StringColumn.create("metric"), DoubleColumn.create("value"));
        List<String> metrics = List.of(HeadScores.SINK_MASS, SinksExperiment.SINK_AT_BIGRAM,
                SinksExperiment.SINK_AT_TRIGGER, SinksExperiment.PREVIOUS_AT_TRIGGER, SinksExperiment.PREVIOUS_AT_BIGRAM);
        for (double[] r : rows) {
            t.longColumn("seed").append((long) r[0]);
            t.longColumn("step").append((long) r[1]);
            t.intColumn("layer").append((int) r[2]);
            t.intColumn("head").append((int) r[3]);
            t.stringColumn("metric").append(metrics.get((int) r[4]));
            t.doubleColumn("value").append(r[5]);
        }
        return t;
    }

    @Test
    void sinkShareCountsHeadsAboveGuEtAlsThresholdAtEachStep() {
        Table t = over(new double[][] {
                {1, 0, 0, 0, 0, 0.1}, {1, 0, 0, 1, 0, 0.2}, {1, 0, 1, 0, 0, 0.05}, {1, 0, 1, 1, 0, 0.31},
                {1, 5, 0, 0, 0, 0.9}, {1, 5, 0, 1, 0, 0.3}, {1, 5, 1, 0, 0, 0.6}, {1, 5, 1, 1, 0, 0.7},
                {1, 5, 0, 0, 1, 0.99}});        // another metric: not counted
        Table share = SinksExperiment.sinkShare(t, "x");
        assertArrayEquals(new double[] {0.25, 0.75}, share.doubleColumn("share").asDoubleArray(), 1e-12,
                "0.3 itself is not above the threshold");
        assertEquals(0.75, SinksExperiment.lastShare(share, 1), 1e-12);
    }

    @Test
    void theActiveDormantHeadLooksBackFromTriggersOnly() {
        Table t = over(new double[][] {
                {7, 9, 0, 0, 1, 0.9}, {7, 9, 0, 0, 2, 0.85}, {7, 9, 0, 0, 3, 0.6}, {7, 9, 0, 0, 4, 0.6},  // looks back always
                {7, 9, 0, 1, 1, 0.8}, {7, 9, 0, 1, 2, 0.05}, {7, 9, 0, 1, 3, 0.9}, {7, 9, 0, 1, 4, 0.1},  // active on triggers
                {7, 9, 1, 0, 1, 0.1}, {7, 9, 1, 0, 2, 0.1}, {7, 9, 1, 0, 3, 0.1}, {7, 9, 1, 0, 4, 0.1},
                {7, 3, 1, 0, 1, 0.9}, {7, 3, 1, 0, 2, 0.0}, {7, 3, 1, 0, 3, 1.0}, {7, 3, 1, 0, 4, 0.0}}); // earlier: ignored
        assertArrayEquals(new double[] {0, 1, 0.8, 0.05, 0.9, 0.1}, SinksExperiment.dormantActiveHead(t, 7), 1e-12);
    }

    @Test
    void streamingSummaryAveragesOnlyThePositionsPastTheCache() {
        Table s = Table.create("s", LongColumn.create("seed"), StringColumn.create("cache"), IntColumn.create("position"),
                DoubleColumn.create("nll"));
        double[] nll = {9, 9, 1, 3};
        for (int p = 0; p < 4; p++) {
            s.longColumn("seed").append(5L);
            s.stringColumn("cache").append("w");
            s.intColumn("position").append(p);
            s.doubleColumn("nll").append(nll[p]);
        }
        Table sum = SinksExperiment.streamingSummary(s, 2);
        assertEquals(2.0, SinksExperiment.pastCache(sum, 5, "w"), 1e-12);
        assertEquals(Math.exp(2.0), sum.doubleColumn("ppl_past_cache").getDouble(0), 1e-9);
        assertTrue(Double.isNaN(SinksExperiment.pastCache(sum, 5, "other")));
    }
}
