package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.probe.FunctionVectors.Head;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FunctionVectorsExperimentTest {

    @Test
    void smokeRunsBothSeedsEveryLayerAndLoadsBackFromItsTables() throws Exception {
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try {
            Settings settings = new Settings(Device.cpu(), Preset.SMOKE, 42);
            FunctionVectorsExperiment e = new FunctionVectorsExperiment();
            org.attnlab.train.SeedNames seedNames = new org.attnlab.train.SeedNames();
            ExperimentResult r = e.run(settings, seedNames);
            // the progress line names the seed the reader knows, not the 64-bit second seed
            assertEquals(List.of("seed 42", "seed B"), seedNames.distinct());
            FunctionVectorsExperiment.Sizes s = FunctionVectorsExperiment.SMOKE;
            Table acc = r.table(FunctionVectorsExperiment.ACCURACY);
            assertEquals(2 * 2 * 4, acc.rowCount());                           // seeds x functions x conditions
            Table zero = r.table(FunctionVectorsExperiment.ZERO_SHOT);
            // per seed and function: none once, FV and each random draw at every layer
            assertEquals(2 * 2 * (1 + s.layers() * (1 + s.randomDraws())), zero.rowCount());
            Table ie = r.table(FunctionVectorsExperiment.INDIRECT_EFFECTS);
            assertEquals(2 * 3 * s.layers() * s.heads(), ie.rowCount());       // 2 functions + their mean
            assertEquals(2 * s.topHeads(), r.table(FunctionVectorsExperiment.TOP_HEADS).rowCount());
            for (double v : zero.doubleColumn("accuracy").asDoubleArray()) {
                assertTrue(v >= 0 && v <= 1, "accuracy " + v);
            }
            assertEquals(List.of(FunctionVectorsExperiment.BASELINE_FIGURE, FunctionVectorsExperiment.IE_HEATMAP,
                    FunctionVectorsExperiment.ZERO_SHOT_BARS, FunctionVectorsExperiment.BY_LAYER),
                    List.copyOf(r.namedFigures().keySet()));
            assertFalse(r.notes().isEmpty());

            Path dir = Files.createTempDirectory("fv-saved");
            Path folder = dir.resolve(e.name());
            ResultsFolder out = ResultsFolder.prepare(folder.toString(), dir, folder);
            try {
                r.writeTo(out.staging());
            } catch (IllegalStateException | IllegalArgumentException ex) {
                // no plotly.js here: the CSVs are written first
            }
            out.commit(e.name(), settings);
            ExperimentResult loaded = SavedRuns.load(e, settings, folder).orElseThrow();
            assertEquals(r.table(FunctionVectorsExperiment.SUMMARY).printAll(),
                    loaded.table(FunctionVectorsExperiment.SUMMARY).printAll());
            assertEquals(r.notes().subList(0, 4), loaded.notes().subList(0, 4));
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }

    /** A zero-shot table with none at 0.25, FV at fv[seed][layer] and random draws at rand[seed][draw] (every layer). */
    private static Table zeroShot(double[][] fv, double[][] rand) {
        Table t = Table.create("z", LongColumn.create("seed"), StringColumn.create("function"),
                StringColumn.create("vector"), IntColumn.create("layer"), IntColumn.create("draw"),
                DoubleColumn.create("accuracy"), DoubleColumn.create("probability"));
        for (int s = 0; s < fv.length; s++) {
            for (String f : List.of("copy", "successor")) {
                add(t, s, f, FunctionVectorsExperiment.NONE, -1, 0, 0.25);
                for (int l = 0; l < fv[s].length; l++) {
                    add(t, s, f, FunctionVectorsExperiment.FV, l, 0, fv[s][l]);
                    for (int d = 0; d < rand[s].length; d++) {
                        add(t, s, f, FunctionVectorsExperiment.RANDOM, l, d, rand[s][d]);
                    }
                }
            }
        }
        return t;
    }

    private static void add(Table t, long seed, String f, String v, int layer, int draw, double acc) {
        t.longColumn(0).append(seed);
        t.stringColumn(1).append(f);
        t.stringColumn(2).append(v);
        t.intColumn(3).append(layer);
        t.intColumn(4).append(draw);
        t.doubleColumn(5).append(acc);
        t.doubleColumn(6).append(acc);
    }

    @Test
    void theVerdictNeedsTheGapToBeatRandomDrawsAndSeeds() {
        // FV 0.9 / 0.8 at layer 1 against random draws around 0.3: shown
        Table clear = zeroShot(new double[][] {{0.2, 0.9}, {0.3, 0.8}}, new double[][] {{0.3, 0.32}, {0.28, 0.3}});
        assertTrue(FunctionVectorsExperiment.vectorShows(clear, 1));
        assertEquals(0.8 - 0.29, FunctionVectorsExperiment.vectorGap(clear, 1), 1e-9);
        assertEquals(1, FunctionVectorsExperiment.bestLayer(clear));
        // the same gap at one seed only: the other seed's FV is no better than its random heads
        Table oneSeed = zeroShot(new double[][] {{0.2, 0.9}, {0.3, 0.3}}, new double[][] {{0.3, 0.32}, {0.28, 0.3}});
        assertFalse(FunctionVectorsExperiment.vectorShows(oneSeed, 1));
        // a gap smaller than the random draws' spread
        Table noisy = zeroShot(new double[][] {{0.2, 0.5}, {0.3, 0.5}}, new double[][] {{0.0, 0.8}, {0.1, 0.7}});
        assertFalse(FunctionVectorsExperiment.vectorShows(noisy, 1));
        assertTrue(FunctionVectorsExperiment.vectorVerdict(noisy, 1).contains("does not show"));
        // against nothing added (0.25 at both seeds): FV 0.5 at both is a lift; 0.9 and 0.3 is not beyond the spread
        assertTrue(FunctionVectorsExperiment.liftShows(noisy, 1));
        assertFalse(FunctionVectorsExperiment.liftShows(oneSeed, 1));
    }

    @Test
    void randomHeadSetsAreDistinctHeadsFromTheModel() {
        List<Head> all = List.of(new Head(0, 0), new Head(0, 1), new Head(1, 0), new Head(1, 1));
        List<List<Head>> sets = FunctionVectorsExperiment.randomHeads(all, 3, 20, 7);
        assertEquals(20, sets.size());
        HashSet<Head> seen = new HashSet<>();
        for (List<Head> set : sets) {
            assertEquals(3, new HashSet<>(set).size());
            assertTrue(all.containsAll(set));
            seen.addAll(set);
        }
        assertEquals(4, seen.size());
        assertEquals(sets, FunctionVectorsExperiment.randomHeads(all, 3, 20, 7));
    }
}
