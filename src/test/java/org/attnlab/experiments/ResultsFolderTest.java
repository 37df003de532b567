package org.attnlab.experiments;

import ai.djl.Device;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class ResultsFolderTest {

    @TempDir
    Path tmp;

    private static final Settings SETTINGS = new Settings(Device.cpu(), Preset.SMOKE, 7);

    private String refused(String out) {
        return assertThrows(IllegalArgumentException.class,
                () -> ResultsFolder.prepare(out, tmp, tmp.resolve("default"))).getMessage();
    }

    private List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anEmptyOutIsRefused() {
        assertEquals("--out '' is empty; name a folder for the results, e.g. --out results/run1, or leave --out out "
                + "for " + tmp.resolve("default"), refused(""));
    }

    @Test
    void aFileIsRefusedAndSoIsAPathThroughAFile() throws Exception {
        Files.writeString(tmp.resolve("notes.txt"), "mine");
        String m = refused("notes.txt");
        assertEquals("--out notes.txt (" + tmp.resolve("notes.txt") + ") is a file, not a folder; name a new folder "
                + "(the run writes several files into it)", m);
        String through = refused("notes.txt/run");
        assertTrue(through.startsWith("--out notes.txt/run (" + tmp.resolve("notes.txt/run") + ") cannot be written"),
                through);
        assertEquals("mine", Files.readString(tmp.resolve("notes.txt")));
    }

    @Test
    void aReadOnlyFolderIsRefused() throws Exception {
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(ro), "running as root: a read-only folder is writable, nothing to refuse");
            assertEquals("--out ro (" + ro + ") is read-only; name a folder you can write to", refused("ro"));
            String below = refused("ro/run");
            assertTrue(below.contains("is read-only; name a folder you can write to"), below);
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aFolderWithOtherFilesIsRefusedNotEmptied() throws Exception {
        Path mine = Files.createDirectory(tmp.resolve("mine"));
        Files.writeString(mine.resolve("thesis.tex"), "x");
        Files.writeString(mine.resolve("data.csv"), "1");
        String m = refused("mine");
        assertTrue(m.contains("already holds files that are not an experiment's results [thesis.tex]"), m);
        assertEquals(List.of("data.csv", "thesis.tex"), names(mine));
    }

    @Test
    void relativeOutMeansFromTheCallersDirectory() throws Exception {
        Path caller = Files.createDirectory(tmp.resolve("where-i-typed"));
        ResultsFolder f = ResultsFolder.prepare("sub/run", caller, tmp.resolve("default"));
        assertEquals(caller.resolve("sub/run"), f.target());
        f.abandon();
        ResultsFolder d = ResultsFolder.prepare(null, caller, tmp.resolve("build/results/x"));
        assertEquals(tmp.resolve("build/results/x"), d.target());
        d.abandon();
    }

    @Test
    void aRunAppearsWholeWithItsManifestAndReplacesAPreviousRunEntirely() throws Exception {
        Path out = tmp.resolve("res");
        ResultsFolder first = ResultsFolder.prepare("res", tmp, tmp);
        Files.writeString(first.staging().resolve("flipflop.csv"), "seed,1");
        Files.writeString(first.staging().resolve("index.html"), "one");
        assertFalse(Files.exists(out), "nothing in place before the run is complete");
        first.commit("flip-flop", SETTINGS);
        assertEquals(List.of("flipflop.csv", "index.html", "run.json"), names(out));
        Path plain = Files.createDirectory(tmp.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out),
                "the mode mkdir gives (the umask's), not a temporary folder's rwx------");
        Files.delete(plain);
        String manifest = Files.readString(out.resolve("run.json"));
        assertTrue(manifest.contains("\"experiment\": \"flip-flop\"") && manifest.contains("\"preset\": \"smoke\"")
                && manifest.contains("\"seed\": 7") && manifest.contains("\"device\": \"cpu()\"")
                && manifest.contains("\"commit\": "), manifest);

        ResultsFolder second = ResultsFolder.prepare("res", tmp, tmp); // a previous run: replaced, not refused
        Files.writeString(second.staging().resolve("induction.csv"), "seed,2");
        Files.writeString(second.staging().resolve("index.html"), "two");
        assertEquals("one", Files.readString(out.resolve("index.html")), "the old run stays until the new is whole");
        second.commit("induction", SETTINGS.withSeed(2));
        assertEquals(List.of("index.html", "induction.csv", "run.json"), names(out), "no flip-flop CSV left over");
        assertEquals("two", Files.readString(out.resolve("index.html")));
        assertEquals(List.of("res"), names(tmp), "no staging or old folder left beside it");
    }

    @Test
    void aFailedRunLeavesThePreviousResultsAndNoPartialFolder() throws Exception {
        ResultsFolder first = ResultsFolder.prepare("res", tmp, tmp);
        Files.writeString(first.staging().resolve("index.html"), "seed 1");
        first.commit("induction", SETTINGS);
        ResultsFolder failing = ResultsFolder.prepare("res", tmp, tmp);
        Files.writeString(failing.staging().resolve("a.csv"), "half");
        failing.abandon();
        assertEquals(List.of("res"), names(tmp));
        assertEquals(List.of("index.html", "run.json"), names(tmp.resolve("res")));
        assertEquals("seed 1", Files.readString(tmp.resolve("res/index.html")));
    }

    @Test
    void theCommandLineChecksOutBeforeTraining() throws Exception {
        Files.writeString(tmp.resolve("a-file"), "x");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String before = System.getProperty("attnlab.cwd");
        System.setProperty("attnlab.cwd", tmp.toString());
        try {
            int code = ExperimentCli.run(new String[] {"induction", "--preset", "smoke", "--out", "a-file"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(2, code);
            String e = err.toString(StandardCharsets.UTF_8);
            assertTrue(e.startsWith("lab experiment: --out a-file (" + tmp.resolve("a-file") + ") is a file"), e);
            assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing ran");
            err.reset();
            assertEquals(2, ExperimentCli.run(new String[] {"induction", "--out", ""},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
            assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("lab experiment: --out '' is empty"));
        } finally {
            if (before == null) {
                System.clearProperty("attnlab.cwd");
            } else {
                System.setProperty("attnlab.cwd", before);
            }
        }
        assertEquals(List.of("a-file"), names(tmp));
    }

    @Test
    void aDamagedCorpusIsTheRunsFailureNotAUsageError() throws Exception {
        // a repository whose moby-dick.txt does not match its manifest
        Path home = Files.createDirectories(tmp.resolve("repo/datasets/text"));
        Files.writeString(tmp.resolve("repo/datasets/manifest.json"), "{\"corpora\": [{\"output\": "
                + "\"text/moby-dick.txt\", \"sha256\": \"" + "0".repeat(64) + "\"}]}");
        Files.writeString(home.resolve("moby-dick.txt"), "Call me Ishmael, edited.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setProperty("attnlab.home", tmp.resolve("repo").toString());
        System.setProperty("attnlab.cwd", tmp.toString());
        try {
            int code = ExperimentCli.run(new String[] {"design-principles", "--preset", "smoke", "--out", "res"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String e = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, code, e);
            assertTrue(e.startsWith("lab experiment: design-principles failed: Corpus 'moby-dick' at "), e);
            assertTrue(e.contains("Run ./lab setup in "), e);
            assertFalse(e.contains("Usage:"), e);
            assertEquals(List.of("repo"), names(tmp), "no results folder, no staging folder left");
        } finally {
            System.clearProperty("attnlab.home");
            System.clearProperty("attnlab.cwd");
        }
    }
}
