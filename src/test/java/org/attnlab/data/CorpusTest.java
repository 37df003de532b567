package org.attnlab.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorpusTest {

    static final String TEXT = "Call me Ishmael. Some years ago.\n\nIt is a way I have.\n\nWhenever I find myself.\nGrim about the mouth.";

    @AfterEach
    void clearHome() {
        System.clearProperty("attnlab.home");
    }

    @Test
    void splitCutsAfterTheNearestParagraphBreak() {
        Corpus c = Corpus.of("t", TEXT);
        Corpus.TrainValidation tv = c.split(0.5);
        assertEquals(TEXT, tv.train().text() + tv.validation().text());
        assertTrue(tv.train().text().endsWith("I have.\n\n"), tv.train().text());
        assertTrue(tv.validation().text().startsWith("Whenever"), tv.validation().text());
        assertEquals("t/train", tv.train().name());
        assertEquals("t/validation", tv.validation().name());
    }

    @Test
    void splitFallsBackToWhitespaceWithoutLineBreaks() {
        String text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon";
        Corpus.TrainValidation tv = Corpus.of("g", text).split(0.5);
        assertEquals(text, tv.train().text() + tv.validation().text());
        assertTrue(tv.train().text().endsWith(" "), "cut after a space: '" + tv.train().text() + "'");
        assertTrue(Character.isLetter(tv.validation().text().charAt(0)));
        assertTrue(Math.abs(tv.train().length() - text.length() / 2) < 10);
    }

    @Test
    void badFractionsAndEmptyTextFail() {
        Corpus c = Corpus.of("t", TEXT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.split(1.0));
        assertTrue(e.getMessage().contains("(0, 1)") && e.getMessage().contains("1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.split(0));
        assertThrows(IllegalArgumentException.class, () -> Corpus.of("t", ""));
        assertThrows(IllegalArgumentException.class, () -> c.head(0));
    }

    @Test
    void headCutsAtABoundary() {
        Corpus h = Corpus.of("t", TEXT).head(40);
        assertTrue(TEXT.startsWith(h.text()));
        assertTrue(h.text().endsWith("\n\n") || h.text().endsWith("\n") || h.text().endsWith(" "), h.text());
    }

    @Test
    void loadsFromTheRepoNamedByTheSystemProperty(@TempDir Path home) throws IOException {
        Files.createDirectories(home.resolve("datasets/text"));
        Files.writeString(home.resolve("datasets/manifest.json"), "{}");
        Files.writeString(home.resolve("datasets/text/moby-dick.txt"), TEXT);
        System.setProperty("attnlab.home", home.toString());
        Corpus c = Corpus.mobyDick();
        assertEquals(TEXT, c.text());
        assertEquals("moby-dick", c.name());
    }

    @Test
    void missingCorpusTellsTheUserToRunSetup(@TempDir Path home) throws IOException {
        Files.createDirectories(home.resolve("datasets"));
        Files.writeString(home.resolve("datasets/manifest.json"), "{}");
        System.setProperty("attnlab.home", home.toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, Corpus::sotu);
        assertTrue(e.getMessage().contains("./lab setup") && e.getMessage().contains("sotu.txt"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Corpus.load("../etc/passwd"));
        assertTrue(bad.getMessage().contains("../etc/passwd"), bad.getMessage());
    }

    @Test
    void homeThatIsNotAFolderFails(@TempDir Path tmp) {
        System.setProperty("attnlab.home", tmp.resolve("nope").toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, DataFiles::repoRoot);
        assertTrue(e.getMessage().contains("attnlab.home"), e.getMessage());
    }
}
