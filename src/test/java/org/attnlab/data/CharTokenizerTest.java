package org.attnlab.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CharTokenizerTest {

    @Test
    void vocabularyIsUnknownThenSortedCodePoints() {
        CharTokenizer t = CharTokenizer.fit("abca");
        assertEquals(List.of("<unk>", "a", "b", "c"), t.vocabulary());
        assertArrayEquals(new int[] {3, 1, 2, 0}, t.encode("cab!"));
        assertEquals("cab\uFFFD", t.decode(new int[] {3, 1, 2, 0}));
    }

    @Test
    void roundTripsTextMadeOfKnownCharactersIncludingSurrogatePairs() {
        String text = "Whale\u2014ho! \uD83D\uDC33 naïve\n";
        CharTokenizer t = CharTokenizer.fit(text);
        int[] ids = t.encode(text);
        assertEquals(text.codePointCount(0, text.length()), ids.length);
        assertEquals(text, t.decode(ids));
        assertEquals("\uD83D\uDC33", t.token(t.encode("\uD83D\uDC33")[0]));
    }

    @Test
    void strictEncodingNamesTheUnknownCharacter() {
        CharTokenizer t = CharTokenizer.fit("abc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encodeStrict("abz"));
        assertTrue(e.getMessage().contains("'z'") && e.getMessage().contains("U+007A"), e.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {1, 9}));
        assertTrue(d.getMessage().contains("9") && d.getMessage().contains("[0, 4)"), d.getMessage());
    }

    @Test
    void saveAndLoadGiveTheSameTokenizer(@TempDir Path dir) {
        CharTokenizer t = CharTokenizer.fit("Call me Ishmael.\n\uD83D\uDC33");
        Path f = dir.resolve("sub/char.tok");
        t.save(f);
        Tokenizer back = Tokenizer.load(f);
        assertEquals(t, back);
        assertArrayEquals(t.encode("Ishmael \uD83D\uDC33"), back.encode("Ishmael \uD83D\uDC33"));
    }
}
