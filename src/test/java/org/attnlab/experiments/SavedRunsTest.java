package org.attnlab.experiments;

import ai.djl.Device;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SavedRunsTest {

    /** An experiment that counts its runs and returns tables whose column types a CSV reader would guess wrong. */
    static final class Counting implements Experiment {
        int runs;

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public String title() {
            return "counts its runs";
        }

        @Override
        public String description() {
            return "test double";
        }

        @Override
        public ExperimentResult run(Settings settings, ProgressListener progress) {
            runs++;
            MetricsLog log = new MetricsLog().add("a", 10, "eval_loss", 1.5).add("a", 20, "eval_loss", 1.25);
            ExperimentResult r = new ExperimentResult(this, settings, log);
            // doubles that look like integers, a NaN, a string that looks like a number, an int column
            r.table("t", Table.create("t", StringColumn.create("name", "x", "007", "a, \"quoted\" one"),
                    DoubleColumn.create("value", 1.0, Double.NaN, 2.0), IntColumn.create("layer", 0, 1, 2)));
            r.table("empty", Table.create("empty", StringColumn.create("s"), DoubleColumn.create("d")));
            r.note("first note, with a comma");
            r.note("second note");
            return r.seconds(12.5);
        }
    }

    private static Settings settings(long seed) {
        return new Settings(Device.cpu(), Preset.SMOKE, seed);
    }

    /** What {@code ./lab experiment} leaves: the result's files plus the manifest. */
    private static void save(ExperimentResult r, Path dir) throws Exception {
        r.writeTo(dir);
        Files.writeString(dir.resolve(ResultsFolder.MANIFEST),
                ResultsFolder.manifest(r.experiment().name(), r.settings()), StandardCharsets.UTF_8);
    }

    @Test
    void aSavedRunIsReadBackWithItsTypesNotesAndMetrics(@TempDir Path dir) throws Exception {
        Counting e = new Counting();
        ExperimentResult original = e.run(settings(7), null);
        save(original, dir);

        Optional<ExperimentResult> loaded = SavedRuns.load(e, settings(7), dir, null);
        assertTrue(loaded.isPresent());
        ExperimentResult r = loaded.get();
        assertEquals(List.of("t", "empty"), List.copyOf(r.tables().keySet()));
        Table t = r.table("t");
        assertEquals(List.of("x", "007", "a, \"quoted\" one"), t.stringColumn("name").asList());
        assertEquals(1.0, t.doubleColumn("value").getDouble(0));
        assertTrue(Double.isNaN(t.doubleColumn("value").getDouble(1)));
        assertEquals(2, t.intColumn("layer").getInt(2));
        assertEquals(0, r.table("empty").rowCount());
        assertEquals(2, r.table("empty").columnCount());
        assertEquals(original.notes(), r.notes());
        assertEquals(original.metrics().table().printAll(), r.metrics().table().printAll());
        assertEquals(1, e.runs);
    }

    @Test
    void otherSettingsOrAnIncompleteFolderAreNotLoaded(@TempDir Path dir) throws Exception {
        Counting e = new Counting();
        List<String> why = new ArrayList<>();
        assertFalse(SavedRuns.load(e, settings(7), dir, why).isPresent());
        assertTrue(why.get(0).contains("no saved run"), why.toString());

        save(e.run(settings(7), null), dir);
        why.clear();
        assertFalse(SavedRuns.load(e, settings(8), dir, why).isPresent());
        assertTrue(why.get(0).contains("seed 7") && why.get(0).contains("wanted experiment counting, preset smoke, "
                + "seed 8"), why.toString());
        why.clear();
        assertFalse(SavedRuns.load(e, settings(7).withPreset(Preset.QUICK), dir, why).isPresent());
        assertTrue(why.get(0).contains("preset smoke"), why.toString());

        Files.delete(dir.resolve("t.csv"));
        why.clear();
        assertFalse(SavedRuns.load(e, settings(7), dir, why).isPresent());
        assertTrue(why.get(0).contains("lacks t.csv"), why.toString());

        Files.delete(dir.resolve(SavedRuns.COLUMNS + ".csv"));
        why.clear();
        assertFalse(SavedRuns.load(e, settings(7), dir, why).isPresent());
        assertTrue(why.get(0).contains("older version"), why.toString());
    }

    @Test
    void loadOrRunRunsOnlyWhenNothingMatches(@TempDir Path dir) throws Exception {
        Counting e = new Counting();
        ExperimentResult fresh = SavedRuns.loadOrRun(e, settings(7), null, dir);
        assertEquals(1, e.runs);
        assertEquals(12.5, fresh.seconds());
        save(fresh, dir);
        ExperimentResult again = SavedRuns.loadOrRun(e, settings(7), null, dir);
        assertEquals(1, e.runs, "a matching saved run is loaded, not trained again");
        assertEquals(fresh.notes(), again.notes());
        SavedRuns.loadOrRun(e, settings(9), null, dir);
        assertEquals(2, e.runs, "another seed trains");
    }

    @Test
    void theFoldersOwnFileNamesAreNotTableNames() {
        ExperimentResult r = new ExperimentResult(new Counting(), settings(1), null);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> r.table("notes", Table.create("x")));
        assertTrue(ex.getMessage().contains("'notes' is reserved"), ex.getMessage());
    }
}
