package org.attnlab.data;

import org.attnlab.data.GrammarRelations.Arc;
import org.attnlab.data.GrammarRelations.Relation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tag rules on real Brown sentences (ca01) and hand-built ones. */
class GrammarRelationsTest {

    static List<Arc> arcs(String tagged, Relation r) {
        return GrammarRelations.arcs(BrownCorpus.parseTokens(tagged), r);
    }

    static List<Arc> arc(Relation r, int dependent, int head) {
        return List.of(new Arc(r, dependent, head));
    }

    // ca01, the first sentence
    static final String FULTON = "The/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at "
            + "investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` no/at "
            + "evidence/nn ''/'' that/cs any/dti irregularities/nns took/vbd place/nn ./.";

    @Test
    void determinersOnTheFirstBrownSentence() {
        // Jury -> The (over Fulton County Grand), investigation -> an, evidence -> no, irregularities -> any;
        // election's phrase opens with a possessive (Atlanta's), not a determiner
        assertEquals(List.of(new Arc(Relation.DETERMINER, 4, 0), new Arc(Relation.DETERMINER, 8, 7),
                new Arc(Relation.DETERMINER, 17, 16), new Arc(Relation.DETERMINER, 21, 20)),
                arcs(FULTON, Relation.DETERMINER));
    }

    @Test
    void subjectsOnTheFirstBrownSentence() {
        // said -> Jury (the NP opens the sentence); took -> irregularities (after "that", a clause opener);
        // produced's left neighbour "election" is inside "of Atlanta's ... election", so the rule steps over the
        // prepositional phrase to "investigation", whose NP follows "Friday" (no clause opener): no arc
        assertEquals(List.of(new Arc(Relation.SUBJECT, 5, 4), new Arc(Relation.SUBJECT, 22, 21)),
                arcs(FULTON, Relation.SUBJECT));
    }

    @Test
    void objectsOnTheFirstBrownSentence() {
        assertEquals(arc(Relation.PREPOSITION_OBJECT, 13, 9), arcs(FULTON, Relation.PREPOSITION_OBJECT),
                "of -> Atlanta's recent primary election: the object is the last noun");
        // produced ``no evidence'': the quote mark stands between verb and object, so no arc; took place -> took
        assertEquals(arc(Relation.DIRECT_OBJECT, 23, 22), arcs(FULTON, Relation.DIRECT_OBJECT));
    }

    @Test
    void theSubjectRuleStepsOverPrepositionalPhrasesToTheClauseStart() {
        String[] tags = {"at", "nn", "in", "at", "nns", "vbz", "."};   // the man near the dogs runs .
        assertEquals(arc(Relation.SUBJECT, 5, 1), GrammarRelations.arcsOfTags(tags, Relation.SUBJECT));
        String[] two = {"at", "nn", "in", "at", "nn", "in", "nns", "rb", "vbd"};  // the key to the door of houses often fell
        assertEquals(arc(Relation.SUBJECT, 8, 1), GrammarRelations.arcsOfTags(two, Relation.SUBJECT));
        String[] object = {"pps", "vbd", "at", "nn", "vbz"};    // no clause opener before "the nn": no subject
        assertTrue(GrammarRelations.arcsOfTags(object, Relation.SUBJECT).isEmpty());
        String[] afterComma = {"rb", ",", "at", "jj", "nns", "ber", "jj"};
        assertEquals(arc(Relation.SUBJECT, 5, 4), GrammarRelations.arcsOfTags(afterComma, Relation.SUBJECT));
        String[] pronoun = {"pps", "vbz"};
        assertTrue(GrammarRelations.arcsOfTags(pronoun, Relation.SUBJECT).isEmpty(), "pronoun subjects are left out");
    }

    @Test
    void onlyTheHeadNounOfACompoundGetsTheDeterminer() {
        String[] tags = {"at", "nn", "nn", "nn", "vbd"};        // the city council meeting ended
        assertEquals(arc(Relation.DETERMINER, 3, 0), GrammarRelations.arcsOfTags(tags, Relation.DETERMINER));
        String[] noDet = {"jj", "nns", "vbd"};
        assertTrue(GrammarRelations.arcsOfTags(noDet, Relation.DETERMINER).isEmpty());
    }

    @Test
    void allArcsComeInRelationOrderAndPointBack() {
        List<Arc> all = GrammarRelations.arcs(BrownCorpus.parseTokens(FULTON));
        assertEquals(4 + 2 + 1 + 1, all.size());
        assertEquals(Relation.DETERMINER, all.get(0).relation());
        assertTrue(all.stream().allMatch(a -> a.head() < a.dependent()));
        assertEquals(4, new Arc(Relation.DETERMINER, 4, 0).offset());
        assertThrows(IllegalArgumentException.class, () -> new Arc(Relation.SUBJECT, 3, 3));
    }

    @Test
    void wordVocabularyKeepsTheFrequentWordsAndTheRequiredOnes() {
        WordVocabulary v = WordVocabulary.fit(List.of("The", "the", "jury", "the", "said", "jury"), 2, List.of("dog"));
        assertEquals(List.of("<unk>", "the", "jury", "dog"), List.of(v.token(0), v.token(1), v.token(2), v.token(3)));
        assertEquals(4, v.size());
        assertEquals(0, v.id("said"), "rare words are unknown");
        assertEquals(1, v.id("THE"));
        assertTrue(v.contains("Dog"));
        assertThrows(IllegalArgumentException.class, () -> v.token(4));
        assertEquals(List.of("The", "jury's", "report", ",", "1,200", "men", ".", "U.S."),
                WordVocabulary.split("The jury's report, 1,200 men. U.S."));
    }
}
