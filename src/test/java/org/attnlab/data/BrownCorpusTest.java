package org.attnlab.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Brown reader on real lines of the corpus (copied from files ca01, cb01 and ca03), and on the prepared file. */
class BrownCorpusTest {

    /** datasets/text/brown.txt's form of the opening of ca01 and cb01 (as prepare.py writes it). */
    static final String PREPARED = """
            # ca01 news

            The/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` no/at evidence/nn ''/'' that/cs any/dti irregularities/nns took/vbd place/nn ./.

            The/at jury/nn further/rbr said/vbd in/in term-end/nn presentments/nns that/cs the/at City/nn-tl Executive/jj-tl Committee/nn-tl ,/, which/wdt had/hvd over-all/jj charge/nn of/in the/at election/nn ,/, ``/`` deserves/vbz the/at praise/nn and/cc thanks/nns of/in the/at City/nn-tl of/in-tl Atlanta/np-tl ''/'' for/in the/at manner/nn in/in which/wdt the/at election/nn was/bedz conducted/vbn ./.

            # cb01 editorial

            Assembly/nn-hl session/nn-hl brought/vbd-hl much/ap-hl good/nn-hl
            The/at General/jj-tl Assembly/nn-tl ,/, which/wdt adjourns/vbz today/nr ,/, has/hvz performed/vbn in/in an/at atmosphere/nn of/in crisis/nn and/cc struggle/nn from/in the/at day/nn it/pps convened/vbd ./.
            """;

    @Test
    void parsesSentencesAsWordTagPairsWithFileGenreAndParagraph() {
        BrownCorpus brown = BrownCorpus.parse(PREPARED);
        assertEquals(4, brown.sentences().size());
        BrownCorpus.Sentence first = brown.sentences().get(0);
        assertEquals("ca01", first.file());
        assertEquals("news", first.genre());
        assertEquals(25, first.size());
        assertEquals(new BrownCorpus.TaggedWord("The", "at"), first.words().get(0));
        assertEquals(new BrownCorpus.TaggedWord("Atlanta's", "np$"), first.words().get(10));
        assertEquals(List.of("The", "Fulton", "County"), first.tokens().subList(0, 3));
        assertEquals(List.of("at", "np-tl", "nn-tl"), first.tags().subList(0, 3));
        assertEquals(0, first.paragraph());
        assertEquals(1, brown.sentences().get(1).paragraph());
        BrownCorpus.Sentence headline = brown.sentences().get(2);
        assertEquals("cb01", headline.file());
        assertEquals("editorial", headline.genre());
        assertEquals(0, headline.paragraph(), "paragraph numbers restart in each file");
        assertEquals(0, brown.sentences().get(3).paragraph(), "a line right below stays in the paragraph");
        assertEquals(List.of("news", "editorial"), brown.genres());
        assertEquals(25 + 43 + 5 + 23, brown.wordCount());
    }

    @Test
    void aTagIsWhatFollowsTheLastSlash() {
        // ca03: "... every/at 1-1/2/cd minutes/nns ..."
        List<BrownCorpus.TaggedWord> w = BrownCorpus.parseTokens("every/at 1-1/2/cd minutes/nns");
        assertEquals(new BrownCorpus.TaggedWord("1-1/2", "cd"), w.get(1));
        assertEquals("minutes", w.get(2).word());
    }

    @Test
    void baseTagStripsTitleHeadlineCitedAndForeignMarks() {
        assertEquals("nn", BrownCorpus.parseToken("Jury/nn-tl").baseTag());
        assertEquals("np$", BrownCorpus.parseToken("Atlanta's/np$").baseTag());
        assertEquals("nn", BrownCorpus.parseToken("facto/fw-nn").baseTag());
        assertEquals("nn", BrownCorpus.parseToken("Court/nn-tl-hl").baseTag());
        assertEquals("vbd", BrownCorpus.parseToken("brought/vbd-hl").baseTag());
        assertEquals("ppss+md", BrownCorpus.parseToken("I'll/ppss+md").baseTag());
        assertEquals("--", BrownCorpus.parseToken("--/--").baseTag());
        assertEquals(".", BrownCorpus.parseToken("./.-hl").baseTag());
    }

    @Test
    void plainTextGluesPunctuationAndTurnsQuotePairsIntoQuotes() {
        BrownCorpus brown = BrownCorpus.parse(PREPARED);
        assertEquals("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election "
                + "produced \"no evidence\" that any irregularities took place.", brown.sentences().get(0).text());
        String text = brown.plainText().text();
        assertTrue(text.startsWith("The Fulton County"), text);
        assertTrue(text.contains("took place.\n\nThe jury further said"), "paragraphs apart: " + text);
        assertTrue(text.contains("the City Executive Committee, which had over-all charge of the election, \"deserves"),
                text);
        assertTrue(text.contains("brought much good The General Assembly, which adjourns today, has"),
                "one paragraph joined by a space: " + text);
        assertTrue(text.endsWith("the day it convened.\n"), text);
        assertEquals("brown", brown.plainText().name());
    }

    @Test
    void badInputFailsNamingTheLineAndToken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BrownCorpus.parse("# ca01 news\n\nThe/at jury said/vbd"));
        assertTrue(e.getMessage().contains("Brown line 3 (file ca01)"), e.getMessage());
        assertTrue(e.getMessage().contains("'jury' is not a word/tag token"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BrownCorpus.parseToken("jury/"));
        assertThrows(IllegalArgumentException.class, () -> BrownCorpus.parseToken("/nn"));
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> BrownCorpus.parse(PREPARED).genre("poetry"));
        assertTrue(g.getMessage().contains("known: [news, editorial]"), g.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BrownCorpus.parse("# ca01\n\nThe/at"));
    }

    @Test
    void joinKeepsEveryTextInOrderWithABlankLineBetween() {
        Corpus j = Corpus.join("both", List.of(Corpus.of("a", "One.\n"), Corpus.of("b", "Two."), Corpus.of("c", "3")));
        assertEquals("One.\n\nTwo.\n\n3", j.text());
        assertThrows(IllegalArgumentException.class, () -> Corpus.join("none", List.of()));
    }

    @Test
    void thePreparedCorpusHasTheBrownCountsWhenPrepared() {
        assumeTrue(RealCorpusTest.prepared(Corpus.BROWN), "datasets/text/brown.txt not prepared (./lab setup)");
        BrownCorpus brown = BrownCorpus.load();
        // the Brown Corpus as NLTK counts it: 57,340 sentences, 1,161,192 tokens, 500 files in 15 genres
        assertEquals(57_340, brown.sentences().size());
        assertEquals(1_161_192, brown.wordCount());
        assertEquals(500, brown.sentences().stream().map(BrownCorpus.Sentence::file).distinct().count());
        assertEquals(15, brown.genres().size());
        assertEquals(List.of("The", "Fulton", "County", "Grand", "Jury", "said", "Friday"),
                brown.sentences().get(0).tokens().subList(0, 7));
        assertEquals("cr09", brown.sentences().get(brown.sentences().size() - 1).file());
        long nouns = brown.sentences().stream().flatMap(s -> s.words().stream())
                .filter(w -> w.baseTag().equals("nn")).count();
        assertTrue(nouns > 150_000 && nouns < 200_000, "nn (any marks) is the most common tag: " + nouns);
        Corpus text = Corpus.brown();
        assertTrue(text.text().startsWith("The Fulton County Grand Jury said Friday an investigation of Atlanta's"),
                text.text().substring(0, 80));
        assertTrue(!text.text().contains("/at ") && !text.text().contains("``"), "no tags or quote pairs left");
    }
}
