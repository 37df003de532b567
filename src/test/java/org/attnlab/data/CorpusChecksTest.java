package org.attnlab.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Corpora are checked against datasets/manifest.json when read; bad bytes say what to run. */
class CorpusChecksTest {

    @AfterEach
    void clearHome() {
        System.clearProperty("attnlab.home");
    }

    static Path repoWith(Path home, String text) throws Exception {
        Files.createDirectories(home.resolve("datasets/text"));
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Files.writeString(home.resolve("datasets/manifest.json"), "{\"corpora\": [{\"name\": \"moby-dick\", "
                + "\"output\": \"text/moby-dick.txt\", \"sha256\": \"" + sha + "\"}]}");
        Files.write(home.resolve("datasets/text/moby-dick.txt"), bytes);
        System.setProperty("attnlab.home", home.toString());
        return home.resolve("datasets/text/moby-dick.txt");
    }

    @Test
    void anEditedCorpusIsRefusedWithWhatToRun(@TempDir Path home) throws Exception {
        Path file = repoWith(home, CorpusTest.TEXT);
        assertEquals(CorpusTest.TEXT, Corpus.mobyDick().text());
        Files.writeString(file, CorpusTest.TEXT.replace("Ishmael", "Ahab"));
        IllegalStateException e = assertThrows(IllegalStateException.class, Corpus::mobyDick);
        assertTrue(e.getMessage().startsWith("Corpus 'moby-dick' at " + file + " is not the text "
                + "datasets/manifest.json names (sha256 "), e.getMessage());
        assertTrue(e.getMessage().endsWith("Run ./lab setup in " + home.toAbsolutePath()
                + " to restore it (setup rebuilds any corpus that does not match)."), e.getMessage());
    }

    @Test
    void aCorpusTheManifestDoesNotListIsReadUnchecked(@TempDir Path home) throws Exception {
        repoWith(home, CorpusTest.TEXT);
        Files.writeString(home.resolve("datasets/text/mine.txt"), "my own text");
        assertEquals("my own text", Corpus.load("mine").text());
    }

    @Test
    void invalidUtf8NamesTheFileAndTheByte(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.txt");
        Files.write(file, new byte[] {'a', 'b', 'c', (byte) 0xC3, 'x', 'y'});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Corpus.read("bad", file));
        assertEquals("Corpus 'bad' at " + file + " is not valid UTF-8 (at byte 3 of 6). Save it as UTF-8; for a "
                + "corpus that ./lab setup prepares, run ./lab setup to restore it.", e.getMessage());
        Files.write(file, "caf\u00e9 \u2192 ok".getBytes(StandardCharsets.UTF_8));
        assertEquals("caf\u00e9 \u2192 ok", Corpus.read("fine", file).text());
    }

    @Test
    void aDamagedManifestSaysHowToRestoreIt(@TempDir Path home) throws Exception {
        repoWith(home, CorpusTest.TEXT);
        Files.writeString(home.resolve("datasets/manifest.json"), "{\"corpora\": [");
        IllegalStateException e = assertThrows(IllegalStateException.class, Corpus::mobyDick);
        assertTrue(e.getMessage().contains("git checkout -- datasets/manifest.json"), e.getMessage());
    }
}
