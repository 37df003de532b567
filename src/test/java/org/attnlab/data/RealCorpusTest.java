package org.attnlab.data;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs on the real corpora when {@code ./lab setup} has prepared them; skipped otherwise. */
class RealCorpusTest {

    static boolean prepared(String name) {
        try {
            return Files.isRegularFile(DataFiles.repoRoot().resolve("datasets/text/" + name + ".txt"));
        } catch (IllegalStateException e) {
            return false;
        }
    }

    @Test
    void mobyDickSplitsAndRoundTrips() {
        assumeTrue(prepared(Corpus.MOBY_DICK), "datasets/text/moby-dick.txt not prepared (./lab setup)");
        Corpus moby = Corpus.mobyDick();
        assertTrue(moby.length() > 1_000_000, "Moby Dick has about 1.2 M chars, got " + moby.length());
        assertTrue(moby.text().contains("Call me Ishmael"));
        Corpus.TrainValidation tv = moby.split(0.9);
        double fraction = tv.train().length() / (double) moby.length();
        assertEquals(0.9, fraction, 0.05);
        CharTokenizer chars = CharTokenizer.fit(tv.train().text());
        String head = tv.validation().text().substring(0, 5000);
        assertEquals(head.codePointCount(0, head.length()), chars.encode(head).length);
        assertTrue(chars.vocabSize() < 200, "a few dozen distinct characters, got " + chars.vocabSize());
        assertEquals(tv.train().text(), chars.decode(chars.encode(tv.train().text())));
    }

    @Test
    void sotuLoadsWhenPrepared() {
        assumeTrue(prepared(Corpus.SOTU), "datasets/text/sotu.txt not prepared (./lab setup)");
        Corpus sotu = Corpus.sotu();
        assertTrue(sotu.length() > 100_000);
        Path unused = DataFiles.textFile(Corpus.SOTU);
        assertTrue(Files.isRegularFile(unused));
    }
}
