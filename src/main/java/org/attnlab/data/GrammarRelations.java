package org.attnlab.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Grammatical relations read off Brown Corpus tags ({@link BrownCorpus}), each as arcs from a dependent word to the
 * word it should attend to (always an earlier word, so a causal model can), for scoring attention heads the way
 * Clark et al. (2019) score BERT's heads against dependency parses. The Brown Corpus has tags, not parses, so each
 * relation is a plain rule on the tags (base tags, {@link BrownCorpus.TaggedWord#baseTag()}):
 *
 * <pre>
 *   word classes
 *     NOUN      nn nns np nps                          DET   at dt dts dti dtx
 *     MODIFIER  jj jjr jjs jjt cd od ap ql             (may stand between a determiner and its noun)
 *     POSSESSIVE pp$ nn$ nns$ np$ nps$                 (stands where a determiner does: his, the city's)
 *     ADVERB    rb rbr rbt ql *
 *   a noun phrase (NP): [DET | POSSESSIVE] MODIFIER* NOUN+ ; its head is the last NOUN of the run
 *
 *   DETERMINER        head noun -> its determiner: from a head noun (a NOUN not followed by a NOUN) walk left
 *                     over MODIFIERs and NOUNs; if the walk stops at a DET, that is the arc.
 *                     The/at [jury/nn] ...            jury -> The
 *   SUBJECT           finite verb -> its subject noun: a verb tagged vbd vbz vb bez ber bem bedz bed hvz hv hvd doz
 *                     do dod md; walk left over ADVERBs; the word there must be a NOUN, the head of an NP; while
 *                     that NP is preceded by a preposition (in) which is preceded by a NOUN, step over the
 *                     prepositional phrase to the NP before it (at most twice); the subject is the head of the NP
 *                     reached, which must open its clause: at the sentence start or after , : ; -- ( `` cc cs.
 *                     The/at [man/nn] in/in the/at car/nn [drives/vbz]    drives -> man (not car)
 *   PREPOSITION_OBJECT the object of a preposition -> the preposition: after a word tagged in, an NP (DET or
 *                     POSSESSIVE, MODIFIERs, NOUNs) starting right after it; its head noun is the object.
 *                     [of/in] the/at [election/nn]    election -> of
 *   DIRECT_OBJECT     the object of a verb -> the verb: after a main verb (vb vbd vbz vbn vbg), an NP starting
 *                     right after it, as for prepositions.
 *                     [produced/vbd] no/at [evidence/nn]    evidence -> produced
 * </pre>
 * The rules miss what tags cannot show (a noun phrase that is an apposition, a verb's object after a particle) and
 * keep only confident cases: subjects that are pronouns, clauses without a clear start and objects of copulas are
 * left out. They are heuristics, not a parser: a head that does better than the best fixed offset on these arcs
 * tracks the relation; no claim is made about the arcs the rules miss.
 */
public final class GrammarRelations {

    /** A relation: which word (the dependent) should attend to which earlier word. */
    public enum Relation {
        DETERMINER("determiner", "a noun attends to its determiner"),
        SUBJECT("subject", "a verb attends to its subject noun"),
        PREPOSITION_OBJECT("preposition_object", "a preposition's object attends to the preposition"),
        DIRECT_OBJECT("direct_object", "a verb's direct object attends to the verb");

        private final String label;
        private final String meaning;

        Relation(String label, String meaning) {
            this.label = label;
            this.meaning = meaning;
        }

        /** The metric name of its head score: {@code determiner}, {@code subject}, ... */
        public String label() {
            return label;
        }

        /**
         * Its name as a reader reads it, the same in every figure and line of prose: {@code determiner},
         * {@code direct object} (the label with spaces).
         */
        public String words() {
            return label.replace('_', ' ');
        }

        /** In words: "a noun attends to its determiner". */
        public String meaning() {
            return meaning;
        }
    }

    /** One arc: word {@code dependent} should attend to word {@code head} ({@code head < dependent}), by index. */
    public record Arc(Relation relation, int dependent, int head) {
        public Arc {
            if (head < 0 || head >= dependent) {
                throw new IllegalArgumentException("an arc points back: need 0 <= head < dependent, got head " + head
                        + ", dependent " + dependent);
            }
        }

        /** {@code dependent - head}: how many words back the head is. */
        public int offset() {
            return dependent - head;
        }
    }

    static final Set<String> NOUN = Set.of("nn", "nns", "np", "nps");
    static final Set<String> DET = Set.of("at", "dt", "dts", "dti", "dtx");
    static final Set<String> MODIFIER = Set.of("jj", "jjr", "jjs", "jjt", "cd", "od", "ap", "ql");
    static final Set<String> POSSESSIVE = Set.of("pp$", "nn$", "nns$", "np$", "nps$");
    static final Set<String> ADVERB = Set.of("rb", "rbr", "rbt", "ql", "*");
    static final Set<String> FINITE = Set.of("vbd", "vbz", "vb", "bez", "ber", "bem", "bedz", "bed", "hvz", "hv",
            "hvd", "doz", "do", "dod", "md");
    static final Set<String> MAIN_VERB = Set.of("vb", "vbd", "vbz", "vbn", "vbg");
    static final Set<String> CLAUSE_OPENER = Set.of(",", ":", ";", "--", "(", "``", "cc", "cs");
    static final String PREPOSITION = "in";

    private GrammarRelations() {
    }

    /** Every arc of every relation in one sentence, in order of relation, then dependent. */
    public static List<Arc> arcs(List<BrownCorpus.TaggedWord> sentence) {
        List<Arc> out = new ArrayList<>();
        for (Relation r : Relation.values()) {
            out.addAll(arcs(sentence, r));
        }
        return out;
    }

    /** The arcs of one relation in one sentence, by dependent. */
    public static List<Arc> arcs(List<BrownCorpus.TaggedWord> sentence, Relation relation) {
        String[] tags = sentence.stream().map(BrownCorpus.TaggedWord::baseTag).toArray(String[]::new);
        return arcsOfTags(tags, relation);
    }

    /** The arcs of one relation on base tags alone (the tests' hand-built cases). */
    public static List<Arc> arcsOfTags(String[] tags, Relation relation) {
        List<Arc> out = new ArrayList<>();
        int n = tags.length;
        for (int i = 0; i < n; i++) {
            switch (relation) {
                case DETERMINER -> {
                    if (isHeadNoun(tags, i)) {
                        int j = i - 1;
                        while (j >= 0 && (MODIFIER.contains(tags[j]) || NOUN.contains(tags[j]))) {
                            j--;
                        }
                        if (j >= 0 && DET.contains(tags[j])) {
                            out.add(new Arc(relation, i, j));
                        }
                    }
                }
                case SUBJECT -> {
                    if (FINITE.contains(tags[i])) {
                        int s = subjectOf(tags, i);
                        if (s >= 0) {
                            out.add(new Arc(relation, i, s));
                        }
                    }
                }
                case PREPOSITION_OBJECT, DIRECT_OBJECT -> {
                    boolean governs = relation == Relation.PREPOSITION_OBJECT ? PREPOSITION.equals(tags[i])
                            : MAIN_VERB.contains(tags[i]);
                    if (governs) {
                        int object = objectAfter(tags, i);
                        if (object >= 0) {
                            out.add(new Arc(relation, object, i));
                        }
                    }
                }
                default -> throw new IllegalStateException("unknown relation " + relation);
            }
        }
        out.sort((a, b) -> Integer.compare(a.dependent(), b.dependent()));
        return out;
    }

    /** A NOUN not followed by MODIFIERs then a NOUN (in "Fulton County Grand Jury" only Jury is a head). */
    private static boolean isHeadNoun(String[] tags, int i) {
        if (!NOUN.contains(tags[i])) {
            return false;
        }
        int j = i + 1;
        while (j < tags.length && MODIFIER.contains(tags[j])) {
            j++;
        }
        return j >= tags.length || !NOUN.contains(tags[j]);
    }

    /** The head noun of the NP that starts right after {@code i}, or -1. */
    private static int objectAfter(String[] tags, int i) {
        int j = i + 1;
        if (j < tags.length && (DET.contains(tags[j]) || POSSESSIVE.contains(tags[j]))) {
            j++;
        }
        while (j < tags.length && MODIFIER.contains(tags[j])) {
            j++;
        }
        if (j >= tags.length || !NOUN.contains(tags[j])) {
            return -1;
        }
        while (j + 1 < tags.length && NOUN.contains(tags[j + 1])) {
            j++;
        }
        return j;
    }

    /** The first index of the NP whose head noun is at {@code head}. */
    private static int npStart(String[] tags, int head) {
        int j = head;
        while (j - 1 >= 0 && (NOUN.contains(tags[j - 1]) || MODIFIER.contains(tags[j - 1]))) {
            j--;
        }
        if (j - 1 >= 0 && (DET.contains(tags[j - 1]) || POSSESSIVE.contains(tags[j - 1]))) {
            j--;
        }
        return j;
    }

    private static int subjectOf(String[] tags, int verb) {
        int j = verb - 1;
        while (j >= 0 && ADVERB.contains(tags[j])) {
            j--;
        }
        if (j < 0 || !NOUN.contains(tags[j])) {
            return -1;
        }
        int head = j;
        int start = npStart(tags, head);
        for (int pp = 0; pp < 2; pp++) {
            int p = start - 1;
            if (p >= 1 && PREPOSITION.equals(tags[p]) && NOUN.contains(tags[p - 1])) {
                head = p - 1;
                start = npStart(tags, head);
            } else {
                break;
            }
        }
        boolean opensClause = start == 0 || CLAUSE_OPENER.contains(tags[start - 1]);
        return opensClause ? head : -1;
    }
}
