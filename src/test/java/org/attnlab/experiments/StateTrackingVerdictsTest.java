package org.attnlab.experiments;

import ai.djl.Device;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.train.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The computed verdicts of notebook 05 on hand-built tables (known answers), and loading a saved run back
 * ({@link SavedRuns}).
 */
class StateTrackingVerdictsTest {

    private static final ProgressListener QUIET = new ProgressListener() {
    };

    /** A flip-flop errors table: for each variant, ID / sparse / dense error; 1000 reads per split. */
    private static Table flipErrors(double ropeId, double ropeSparse, double pathId, double pathSparse) {
        StringColumn v = StringColumn.create("variant");
        StringColumn sp = StringColumn.create("split");
        DoubleColumn e = DoubleColumn.create("error");
        IntColumn r = IntColumn.create("reads");
        double[][] rows = {{ropeId, ropeSparse, 0}, {0.5, 0.5, 0.5}, {0.1, 0.4, 0}, {pathId, pathSparse, 0},
            {0, 0, 0}};
        for (int i = 0; i < FlipFlopExperiment.VARIANTS.size(); i++) {
            for (int k = 0; k < 3; k++) {
                v.append(FlipFlopExperiment.VARIANTS.get(i).displayName());
                sp.append(FlipFlopExperiment.EVAL_SPLITS.get(k).name());
                e.append(rows[i][k]);
                r.append(1000);
            }
        }
        return Table.create("errors", v, sp, e, r);
    }

    @Test
    void flipFlopUndertrainedBaselineIsNotTested() {
        String verdict = FlipFlopExperiment.sparseVerdict(flipErrors(0.30, 0.47, 0.0, 0.0));
        assertTrue(verdict.startsWith("not tested at this scale"), verdict);
        assertTrue(verdict.contains("RoPE 30.0%"), verdict);
        assertTrue(FlipFlopExperiment.baselineCheck(flipErrors(0.30, 0.47, 0, 0), Variant.ROPE)
                .contains("NOT learned"));
        assertTrue(FlipFlopExperiment.baselineCheck(flipErrors(0.05, 0.47, 0, 0), Variant.ROPE)
                .contains("learned at this scale"));
    }

    @Test
    void flipFlopGapAgainstTwoStandardErrors() {
        // 1000 reads each: SE of the difference at 40% vs 0% is sqrt(0.24/1000) = 1.55 points
        assertTrue(FlipFlopExperiment.sparseVerdict(flipErrors(0.05, 0.40, 0.0, 0.0)).startsWith("shows"));
        // 2% vs 0%: SE sqrt(0.0196/1000) = 0.44 points, two SE 0.89 < 2 points: shows
        assertTrue(FlipFlopExperiment.sparseVerdict(flipErrors(0.05, 0.02, 0.0, 0.0)).startsWith("shows"));
        // 0.3% vs 0%: two SE 2*sqrt(0.003*0.997/1000) = 0.35 points > 0.3: within the error bar
        assertTrue(FlipFlopExperiment.sparseVerdict(flipErrors(0.05, 0.003, 0.0, 0.0))
                .startsWith("does not show"));
        assertTrue(FlipFlopExperiment.sparseVerdict(flipErrors(0.05, 0.01, 0.0, 0.05))
                .startsWith("does not show"), "RoPE better than PaTH is not the paper's finding");
    }

    @Test
    void flipFlopVerdictAgainstFox() {
        // the table's FoX row: 10% in distribution (at the threshold: learned), 40% OOD-sparse
        String verdict = FlipFlopExperiment.sparseVerdict(flipErrors(0.30, 0.47, 0.0, 0.0), Variant.FOX);
        assertTrue(verdict.startsWith("shows at this scale"), verdict);
        assertTrue(verdict.contains("OOD-sparse FoX 40.0% vs PaTH 0.0%"), verdict);
        String unlearnedPath = FlipFlopExperiment.sparseVerdict(flipErrors(0.05, 0.4, 0.2, 0.0), Variant.FOX);
        assertTrue(unlearnedPath.startsWith("not tested") && unlearnedPath.contains("PaTH 20.0%"), unlearnedPath);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlipFlopExperiment.sparseVerdict(flipErrors(0, 0, 0, 0), Variant.PATH));
        assertTrue(e.getMessage().contains("got PaTH") && e.getMessage().contains("RoPE or FoX"), e.getMessage());
    }

    private static Table wordSummary(double pathL1, double pathL2, double ropeL1, double ropeL2) {
        StringColumn g = StringColumn.create("group");
        StringColumn v = StringColumn.create("variant");
        IntColumn l = IntColumn.create("layers");
        DoubleColumn acc = DoubleColumn.create(WordProblemsExperiment.ACCURACY_COLUMN);
        DoubleColumn fin = DoubleColumn.create(WordProblemsExperiment.FINAL_COLUMN);
        DoubleColumn fin2 = DoubleColumn.create("final-state accuracy (2x length)");
        DoubleColumn sec = DoubleColumn.create("train_seconds");
        double[][] rows = {{pathL1, pathL2}, {ropeL1, ropeL2}};
        String[] names = {"PaTH", "RoPE"};
        for (int i = 0; i < 2; i++) {
            for (int n = 1; n <= 2; n++) {
                g.append("A5");
                v.append(names[i]);
                l.append(n);
                acc.append(0.95);            // per-position: always above 90%, the verdict must not read it
                fin.append(rows[i][n - 1]);
                fin2.append(0.1);
                sec.append(1);
            }
        }
        return Table.create("summary", g, v, l, acc, fin, fin2, sec);
    }

    @Test
    void wordProblemsVerdictReadsTheFinalState() {
        Table s = wordSummary(0.64, 0.70, 0.3, 0.5);
        String path = WordProblemsExperiment.solvedAt(s, WordProblemsExperiment.Group.A5, Variant.PATH, List.of(1, 2));
        assertTrue(path.startsWith("not solved with up to 2 layers (best final-state accuracy 70.0% with 2"), path);
        assertTrue(WordProblemsExperiment.depthVerdict(s, WordProblemsExperiment.Group.A5)
                .startsWith("does not show"));
        assertTrue(WordProblemsExperiment.depthVerdict(wordSummary(0.95, 0.99, 0.2, 0.95),
                WordProblemsExperiment.Group.A5).startsWith("shows at this scale: PaTH solves A5 with 1 layer, RoPE "
                + "needs 2"));
        assertTrue(WordProblemsExperiment.depthVerdict(wordSummary(0.5, 0.95, 0.2, 0.95),
                WordProblemsExperiment.Group.A5).startsWith("does not show at this scale: RoPE solves A5 with 2"));
        assertTrue(WordProblemsExperiment.depthVerdict(wordSummary(0.5, 0.95, 0.2, 0.3),
                WordProblemsExperiment.Group.A5).contains("RoPE not with up to 2"));
    }

    private static Table mqrar(double pathN1, double pathN2, double pathN3, double foxN1, double foxN2, double foxN3) {
        StringColumn v = StringColumn.create("variant");
        IntColumn n = IntColumn.create("n");
        DoubleColumn a = DoubleColumn.create("accuracy");
        double[][] rows = {{pathN1, pathN2, pathN3}, {foxN1, foxN2, foxN3}};
        String[] names = {"PaTH", "FoX"};
        for (int k = 1; k <= 3; k++) {
            for (int i = 0; i < 2; i++) {
                v.append(names[i]);
                n.append(k);
                a.append(rows[i][k - 1]);
            }
        }
        return Table.create("accuracy", v, n, a);
    }

    @Test
    void mqrarBaselineMustLearnNOne() {
        assertTrue(MqrarExperiment.foxVerdict(mqrar(1, 1, 1, 0.26, 0.2, 0.1)).startsWith("not tested"));
        assertTrue(MqrarExperiment.foxVerdict(mqrar(1, 1, 1, 0.99, 0.5, 0.1)).startsWith("shows at this scale: FoX "
                + "learns N=1 (99%) and falls to 50% at N=2"));
        assertTrue(MqrarExperiment.foxVerdict(mqrar(1, 1, 1, 0.99, 0.95, 0.92)).startsWith("does not show"));
        String path = MqrarExperiment.pathVerdict(mqrar(0.99, 0.93, 0.42, 1, 1, 1));
        assertEquals("does not show at this scale: PaTH is below 90% at N=3 42%", path);
        assertTrue(MqrarExperiment.pathVerdict(mqrar(0.99, 0.93, 0.91, 1, 1, 1)).startsWith("shows"));
    }

    @Test
    void lossAxisIsNamed() {
        org.attnlab.train.MetricsLog log = new org.attnlab.train.MetricsLog();
        for (int step = 1; step <= 5; step++) {
            log.add("RoPE", step, "train_loss", 1.0 / step);
            log.add("RoPE", step, "eval_loss", 9.0);
        }
        String svg = FlipFlopExperiment.lossFigure(log, "training loss (read bits)").svg();
        assertTrue(svg.contains("training loss (read bits)"), "the y axis names the loss");
        assertFalse(svg.contains(">value<"), "not the metrics log's column name");
    }

    @Test
    void savedRunIsLoadedOnlyForTheSameSettings(@TempDir Path dir) {
        Settings smoke = new Settings(Device.cpu(), Preset.SMOKE, 7);
        MqrarExperiment experiment = new MqrarExperiment();
        Path folder = dir.resolve("mqrar");
        assertTrue(SavedRuns.whyNot(experiment, smoke, folder).orElseThrow().contains("no complete run"));
        ExperimentResult ran = experiment.run(smoke, QUIET);
        ResultsFolder out = ResultsFolder.prepare(folder.toString(), dir, folder);
        try {
            ran.writeTo(out.staging());
        } catch (IllegalStateException | IllegalArgumentException e) {
            // no plotly.js here: the CSVs are written first
        }
        out.commit(experiment.name(), smoke);
        assertEquals(Optional.empty(), SavedRuns.whyNot(experiment, smoke, folder));
        ExperimentResult loaded = SavedRuns.load(experiment, smoke, folder).orElseThrow();
        assertEquals(ran.table(MqrarExperiment.ACCURACY).printAll(), loaded.table(MqrarExperiment.ACCURACY).printAll());
        assertEquals(ran.table(MqrarExperiment.SUMMARY).printAll(), loaded.table(MqrarExperiment.SUMMARY).printAll());
        assertEquals(ran.namedFigures().keySet(), loaded.namedFigures().keySet());
        assertTrue(loaded.notes().contains("FoX does not (paper): " + MqrarExperiment.foxVerdict(ran) + "."));
        assertEquals(ran.metrics().size(), loaded.metrics().size());
        // another seed, another preset, or a missing table: not loaded
        assertTrue(SavedRuns.load(experiment, new Settings(Device.cpu(), Preset.SMOKE, 8), folder).isEmpty());
        assertTrue(SavedRuns.whyNot(experiment, new Settings(Device.cpu(), Preset.QUICK, 7), folder).orElseThrow()
                .contains("preset smoke"));
        assertTrue(SavedRuns.load(new FlipFlopExperiment(), smoke, folder).isEmpty());
        assertTrue(SavedRuns.loadOrRun(experiment, smoke, QUIET, folder).notes().stream()
                .anyMatch(n -> n.startsWith("Loaded from the saved run")));
        try {
            Files.writeString(folder.resolve(MqrarExperiment.ACCURACY + ".csv"), "who,what\nx,y\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertTrue(SavedRuns.loadOrRun(experiment, smoke, QUIET, folder).notes().stream()
                .noneMatch(n -> n.startsWith("Loaded from the saved run")), "unreadable tables: trained instead");
        try {
            Files.delete(folder.resolve(MqrarExperiment.ACCURACY + ".csv"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertTrue(SavedRuns.whyNot(experiment, smoke, folder).orElseThrow().contains("lacks accuracy.csv"));
        assertFalse(SavedRuns.load(experiment, smoke, folder).isPresent());
    }
}
