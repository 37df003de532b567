package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.data.BrownCorpus;
import org.attnlab.data.GrammarRelations.Relation;
import org.attnlab.data.WordVocabulary;
import org.attnlab.data.tasks.AgreementTask;
import org.attnlab.viz.AttentionViewer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class GrammarHeadsExperimentTest {

    static boolean prepared() {
        try {
            return java.nio.file.Files.isRegularFile(org.attnlab.data.DataFiles.repoRoot()
                    .resolve("datasets/text/brown.txt"));
        } catch (IllegalStateException e) {
            return false;
        }
    }

    @Test
    void smokePresetReturnsTablesFiguresAndTwoSeedsAndLoadsBackFromItsFolder(@TempDir Path dir) {
        assumeTrue(prepared(), "datasets/text/brown.txt not prepared");
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try {
            Settings smoke = new Settings(Device.cpu(), Preset.SMOKE, 42);
            GrammarHeadsExperiment experiment = new GrammarHeadsExperiment();
            org.attnlab.train.SeedNames seedNames = new org.attnlab.train.SeedNames();
            ExperimentResult r = experiment.run(smoke, seedNames);
            // the progress line names the seed the reader knows, not the 64-bit second seed
            assertEquals(List.of("seed 42", "seed B"), seedNames.distinct());
            Table summary = r.table(GrammarHeadsExperiment.SUMMARY);
            assertEquals(2 * Relation.values().length, summary.rowCount());
            assertEquals(List.of(42L, GrammarHeadsExperiment.secondSeed(42)),
                    summary.longColumn("seed").unique().asList());
            for (int i = 0; i < summary.rowCount(); i++) {
                double acc = summary.doubleColumn("best_accuracy").getDouble(i);
                double base = summary.doubleColumn("baseline_accuracy").getDouble(i);
                assertTrue(acc >= 0 && acc <= 1 && base >= 0 && base <= 1, "accuracies in [0, 1]: " + acc + ", " + base);
            }
            Table scores = r.table(GrammarHeadsExperiment.HEAD_SCORES);
            GrammarHeadsExperiment.Sizes s = GrammarHeadsExperiment.SMOKE;
            assertEquals(2 * s.layers() * s.heads() * Relation.values().length, scores.rowCount());
            Table over = r.table(GrammarHeadsExperiment.OVER_TRAINING);
            assertTrue(over.stringColumn("series").asSet().containsAll(List.of(GrammarHeadsExperiment.AGREEMENT_BROWN,
                    GrammarHeadsExperiment.AGREEMENT_TASK, GrammarHeadsExperiment.bestHeadSeries(Relation.DETERMINER))));
            assertEquals(0L, over.longColumn("step").min(), 0, "the untrained model is scored at step 0");
            assertEquals(List.of(GrammarHeadsExperiment.RELATION_HEATMAP, GrammarHeadsExperiment.BEST_VS_BASELINE,
                    GrammarHeadsExperiment.OVER_TRAINING_FIGURE), List.copyOf(r.namedFigures().keySet()));
            // the relations read the same in the heatmap's rows and the bar chart's categories: "direct object"
            List<String> words = java.util.Arrays.stream(Relation.values()).map(Relation::words).toList();
            assertEquals(List.of("determiner", "subject", "preposition object", "direct object"), words);
            org.attnlab.viz.BarFigure bars = (org.attnlab.viz.BarFigure) r.namedFigures().get(GrammarHeadsExperiment.BEST_VS_BASELINE);
            assertEquals(words, bars.categories());
            List<String> rows = ((org.attnlab.viz.HeatmapFigure) r.namedFigures().get(GrammarHeadsExperiment.RELATION_HEATMAP))
                    .panels().get(0).rowLabels();
            for (int i = 0; i < words.size(); i++) {
                assertTrue(rows.get(i).startsWith(words.get(i) + " ("), rows.get(i) + " names " + words.get(i));
            }
            AttentionViewer viewer = GrammarHeadsExperiment.viewer(r, 1, 0);
            assertTrue(viewer.mimeBundle().get("text/html").contains("/at"), "tokens carry their tags");

            // saved and loaded back: the same tables, rebuilt by the same code
            Path folder = dir.resolve("grammar-heads");
            ResultsFolder out = ResultsFolder.prepare(folder.toString(), dir, folder);
            try {
                r.writeTo(out.staging());
            } catch (IllegalStateException | IllegalArgumentException e) {
                // no plotly.js here: the CSVs are written first
            }
            out.commit(experiment.name(), smoke);
            ExperimentResult loaded = SavedRuns.load(experiment, smoke, folder).orElseThrow();
            for (String t : List.of(GrammarHeadsExperiment.SUMMARY, GrammarHeadsExperiment.TIMING,
                    GrammarHeadsExperiment.VIEWER_TOKENS)) {
                assertEquals(r.table(t).printAll(), loaded.table(t).printAll(), t);
            }
            assertEquals(r.namedFigures().keySet(), loaded.namedFigures().keySet());
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }

    @Test
    void riseStepsAreTheFirstStepsPastTenFiftyAndNinetyPercent() {
        TreeMap<Long, Double> curve = new TreeMap<>(Map.of(0L, 0.2, 50L, 0.25, 100L, 0.65, 150L, 0.95, 200L, 1.0));
        // levels 0.28, 0.6, 0.92
        assertArrayEquals(new double[] {100, 100, 150}, GrammarHeadsExperiment.riseSteps(curve, 0.05), 0);
        TreeMap<Long, Double> flat = new TreeMap<>(Map.of(0L, 0.5, 50L, 0.52));
        assertTrue(Double.isNaN(GrammarHeadsExperiment.riseSteps(flat, 0.05)[1]));
    }

    @Test
    void timingStepsAreWholeStepsAndACurveWithoutARiseHasNone() {
        Table over = Table.create(GrammarHeadsExperiment.OVER_TRAINING, tech.tablesaw.api.LongColumn.create("seed"),
                tech.tablesaw.api.LongColumn.create("step"), tech.tablesaw.api.StringColumn.create("series"),
                tech.tablesaw.api.DoubleColumn.create("value"));
        long[] steps = {0, 10, 20, 30};
        double[] rising = {0.2, 0.3, 0.9, 1.0};
        for (int i = 0; i < steps.length; i++) {
            for (String series : List.of("rising", "flat")) {
                over.longColumn("seed").append(7);
                over.longColumn("step").append(steps[i]);
                over.stringColumn("series").append(series);
                over.doubleColumn("value").append(series.equals("rising") ? rising[i] : 0.5);
            }
        }
        Table timing = GrammarHeadsExperiment.timing(over, new long[] {7});
        assertEquals(List.of(10L, 20L, 30L), List.of(timing.longColumn("step10").get(0), timing.longColumn("step50").get(0),
                timing.longColumn("step90").get(0)));
        for (String c : List.of("step10", "step50", "step90")) {
            assertTrue(timing.column(c).isMissing(1), "no rise: no " + c);
            assertTrue(Double.isNaN(timing.numberColumn(c).getDouble(1)), "read as a number, no rise is NaN");
        }
        String[] lines = org.attnlab.viz.Tables.plain(timing).split("\n");
        assertEquals("   7  rising      10      20      30  0.2000  1.000", lines[3], "steps print as whole numbers");
        assertEquals("   7  flat         \u2014       \u2014       \u2014  0.5000  0.500", lines[4], "no rise reads as a dash");
    }

    @Test
    void agreementPairsFromAgreementTaskDropTheStartTokenAndEndBeforeTheVerb() {
        AgreementTask task = new AgreementTask();
        List<String> words = new java.util.ArrayList<>();
        for (int i = 0; i < task.vocabulary().size(); i++) {
            words.add(task.vocabulary().token(i));
        }
        WordVocabulary v = WordVocabulary.fit(List.of("the"), 1, words);
        List<GrammarHeadsExperiment.AgreementPair> pairs = GrammarHeadsExperiment.taskPairs(task, v, 20, 7);
        assertEquals(20, pairs.size());
        for (GrammarHeadsExperiment.AgreementPair p : pairs) {
            String good = v.token(p.good());
            String bad = v.token(p.bad());
            assertTrue(good.endsWith("s") != bad.endsWith("s"), good + " / " + bad + ": one form of each number");
            assertTrue(p.prefix().length >= 2, "at least a determiner and a noun");
            assertTrue(List.of("this", "these", "that", "those", "a", "some", "every", "many")
                    .contains(v.token(p.prefix()[0])), "starts with the subject's determiner, not <s>");
        }
    }

    @Test
    void verbNumberPairsComeFromTheTags() {
        BrownCorpus b = BrownCorpus.parse("# ca01 news\n\nThe/at dog/nn runs/vbz ./.\nDogs/nns run/vb and/cc "
                + "try/vb ./.\nHe/pps tries/vbz ./.\nShe/pps goes/vbz ./.\n");
        Map<String, String> pairs = GrammarHeadsExperiment.verbNumberPairs(b);
        assertEquals("run", pairs.get("runs"));
        assertEquals("runs", pairs.get("run"));
        assertEquals("try", pairs.get("tries"));
        assertEquals("are", pairs.get("is"));
        assertTrue(!pairs.containsKey("goes"), "no 'go' tagged vb in this text");
        assertTrue(GrammarHeadsExperiment.isHeldOut("ca10") && !GrammarHeadsExperiment.isHeldOut("ca01"));
    }
}
