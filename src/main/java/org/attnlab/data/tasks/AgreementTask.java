package org.attnlab.data.tasks;

import org.attnlab.Seeds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small English-like grammar with number agreement, for grammar heads and minimal-pair (BLiMP-style)
 * evaluation (Clark et al. 2019; Chen et al. ICLR 2024).
 *
 * <p>Sentences ({@code D} determiner, {@code N} noun, {@code P} preposition, {@code Vi}/{@code Vt}
 * intransitive/transitive verb; every determiner agrees with its noun, every verb with its subject):
 * <pre>
 *   SIMPLE          &lt;s&gt; D N Vi .                 this dog runs .
 *   TRANSITIVE      &lt;s&gt; D N Vt D N2 .           these cats see a farmer .
 *   PREPOSITIONAL   &lt;s&gt; D N P D N2 Vi .          this dog near those cats runs .
 *   SUBJECT_RELATIVE &lt;s&gt; D N who Vt D N2 Vi .   these kings who see a pilot sleep .
 *   OBJECT_RELATIVE &lt;s&gt; D N who D N2 Vt Vi .    this girl who those boys like laughs .
 * </pre>
 * The noun after a preposition or inside a relative clause is an attractor: its number is drawn
 * independently of the subject's. Examples are next-token sequences right-padded with {@code <pad>} to
 * {@code length} inputs; every real target is graded.
 *
 * <p>Named positions (input indices; aligned pairs of arrays):
 * {@code "determiners"}/{@code "determinerNouns"} (each determiner and its noun),
 * {@code "verbs"}/{@code "verbSubjects"} (each verb and its subject noun),
 * {@code "objects"}/{@code "objectVerbs"} (each direct object noun and its verb). E.g. for
 * {@code <s> this dog near those cats runs .}: determiners [1, 4] -> nouns [2, 5]; verbs [6] -> subjects [2].
 *
 * <p>{@link #minimalPairs} gives grammatical/ungrammatical pairs that differ in exactly one token: the main verb
 * in the wrong number ({@link Phenomenon#SUBJECT_VERB}) or the first determiner in the wrong number
 * ({@link Phenomenon#DETERMINER_NOUN}). Splits {@link Split#TRAIN}, {@link Split#TEST}.
 */
public final class AgreementTask implements Task {

    /** Sentence shapes. */
    public enum Template { SIMPLE, TRANSITIVE, PREPOSITIONAL, SUBJECT_RELATIVE, OBJECT_RELATIVE }

    /** What a minimal pair breaks. */
    public enum Phenomenon { SUBJECT_VERB, DETERMINER_NOUN }

    /**
     * A grammatical sentence and its one-token ungrammatical twin: their inputs differ only at index
     * {@code position} and their targets only at {@code position - 1}. Score each by the summed log-probability
     * of its graded targets; the model is right when the grammatical one scores higher.
     */
    public record MinimalPair(Phenomenon phenomenon, Example grammatical, Example ungrammatical, int position) {
    }

    public static final String DETERMINERS = "determiners";
    public static final String DETERMINER_NOUNS = "determinerNouns";
    public static final String VERBS = "verbs";
    public static final String VERB_SUBJECTS = "verbSubjects";
    public static final String OBJECTS = "objects";
    public static final String OBJECT_VERBS = "objectVerbs";

    /** Tokens of the longest sentence, {@code <s>} and {@code .} included. */
    public static final int MAX_SENTENCE_TOKENS = 9;

    private static final String[][] DETS = {{"this", "these"}, {"that", "those"}, {"a", "some"}, {"every", "many"}};
    private static final String[][] NOUNS = {{"dog", "dogs"}, {"cat", "cats"}, {"farmer", "farmers"},
        {"teacher", "teachers"}, {"pilot", "pilots"}, {"doctor", "doctors"}, {"king", "kings"}, {"girl", "girls"},
        {"boy", "boys"}, {"singer", "singers"}};
    private static final String[][] INTRANSITIVE = {{"runs", "run"}, {"sleeps", "sleep"}, {"laughs", "laugh"},
        {"waits", "wait"}, {"sings", "sing"}};
    private static final String[][] TRANSITIVE = {{"sees", "see"}, {"likes", "like"}, {"helps", "help"},
        {"chases", "chase"}, {"knows", "know"}};
    private static final String[] PREPOSITIONS = {"near", "behind", "beside", "with"};

    public static final int PAD = 0;
    public static final int BOS = 1;
    public static final int END = 2;

    private static final Vocabulary VOCAB = buildVocabulary();

    private final Map<String, Integer> ids = new HashMap<>();

    public AgreementTask() {
        for (int i = 0; i < VOCAB.size(); i++) {
            ids.put(VOCAB.token(i), i);
        }
    }

    private static Vocabulary buildVocabulary() {
        List<String> t = new ArrayList<>(List.of("<pad>", "<s>", ".", "who"));
        for (String[][] table : new String[][][] {DETS, NOUNS, INTRANSITIVE, TRANSITIVE}) {
            for (String[] pair : table) {
                t.add(pair[0]);
                t.add(pair[1]);
            }
        }
        t.addAll(List.of(PREPOSITIONS));
        return new Vocabulary(t);
    }

    @Override
    public String name() {
        return "agreement";
    }

    @Override
    public Vocabulary vocabulary() {
        return VOCAB;
    }

    @Override
    public List<Split> splits() {
        return List.of(Split.TRAIN, Split.TEST);
    }

    @Override
    public String lengthMeaning() {
        return "padded input length (at least " + (MAX_SENTENCE_TOKENS - 1) + "); one sentence per example";
    }

    @Override
    public int inputLength(int length) {
        if (length < MAX_SENTENCE_TOKENS - 1) {
            throw new IllegalArgumentException("Agreement examples need length >= " + (MAX_SENTENCE_TOKENS - 1)
                    + " (the longest sentence has " + MAX_SENTENCE_TOKENS + " tokens), got " + length);
        }
        return length;
    }

    @Override
    public int padId() {
        return PAD;
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        Template template = Template.values()[rng.nextInt(Template.values().length)];
        return sentence(template, rng).toExample().padTo(length, PAD);
    }

    /**
     * {@code count} minimal pairs of one phenomenon (templates uniform), unpadded; a pure function of the seed.
     */
    public List<MinimalPair> minimalPairs(int count, Phenomenon phenomenon, Split split, long seed) {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be positive, got " + count);
        }
        checkSplit(split);
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, split.name() + "/pairs/" + phenomenon));
        List<MinimalPair> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Template template = Template.values()[rng.nextInt(Template.values().length)];
            out.add(minimalPair(sentence(template, rng), phenomenon));
        }
        return out;
    }

    /** A sentence of a given template with the given random choices (exposed for tests). */
    Sentence sentence(Template template, SplittableRandom rng) {
        Sentence s = new Sentence();
        s.add("<s>");
        int subjNumber = rng.nextInt(2);
        int subjNoun = s.nounPhrase(rng, subjNumber);
        switch (template) {
            case SIMPLE -> s.verb(INTRANSITIVE, rng, subjNumber, subjNoun, true);
            case TRANSITIVE -> {
                int v = s.verb(TRANSITIVE, rng, subjNumber, subjNoun, true);
                int obj = s.nounPhrase(rng, rng.nextInt(2));
                s.object(obj, v);
            }
            case PREPOSITIONAL -> {
                s.add(PREPOSITIONS[rng.nextInt(PREPOSITIONS.length)]);
                s.nounPhrase(rng, rng.nextInt(2));
                s.verb(INTRANSITIVE, rng, subjNumber, subjNoun, true);
            }
            case SUBJECT_RELATIVE -> {
                s.add("who");
                int v = s.verb(TRANSITIVE, rng, subjNumber, subjNoun, false);
                int obj = s.nounPhrase(rng, rng.nextInt(2));
                s.object(obj, v);
                s.verb(INTRANSITIVE, rng, subjNumber, subjNoun, true);
            }
            case OBJECT_RELATIVE -> {
                s.add("who");
                int innerNumber = rng.nextInt(2);
                int inner = s.nounPhrase(rng, innerNumber);
                int v = s.verb(TRANSITIVE, rng, innerNumber, inner, false);
                s.object(subjNoun, v); // the head noun is the extracted object of the relative clause
                s.verb(INTRANSITIVE, rng, subjNumber, subjNoun, true);
            }
            default -> throw new IllegalStateException();
        }
        s.add(".");
        return s;
    }

    MinimalPair minimalPair(Sentence good, Phenomenon phenomenon) {
        int pos = phenomenon == Phenomenon.SUBJECT_VERB ? good.mainVerb : good.determiners.get(0);
        int[] bad = good.tokens();
        bad[pos] = flipNumber(bad[pos]);
        Example g = good.toExample();
        Example b = Example.nextToken(bad, g.lossMask(), g.positions());
        return new MinimalPair(phenomenon, g, b, pos);
    }

    /** 0 for a singular word (this, dog, runs), 1 for a plural one (these, dogs, run), -1 for others. */
    public int number(int id) {
        String w = VOCAB.token(id);
        for (String[][] table : new String[][][] {DETS, NOUNS, INTRANSITIVE, TRANSITIVE}) {
            for (String[] pair : table) {
                if (pair[0].equals(w)) {
                    return 0;
                }
                if (pair[1].equals(w)) {
                    return 1;
                }
            }
        }
        return -1;
    }

    /** The same word in the other number (dog and dogs, runs and run, this and these swap). */
    public int flipNumber(int id) {
        String w = VOCAB.token(id);
        for (String[][] table : new String[][][] {DETS, NOUNS, INTRANSITIVE, TRANSITIVE}) {
            for (String[] pair : table) {
                if (pair[0].equals(w)) {
                    return ids.get(pair[1]);
                }
                if (pair[1].equals(w)) {
                    return ids.get(pair[0]);
                }
            }
        }
        throw new IllegalArgumentException("Token '" + w + "' has no number to flip");
    }

    /** A sentence under construction with its agreement annotations. */
    final class Sentence {
        private final List<Integer> tokens = new ArrayList<>();
        final List<Integer> determiners = new ArrayList<>();
        final List<Integer> determinerNouns = new ArrayList<>();
        final List<Integer> verbs = new ArrayList<>();
        final List<Integer> verbSubjects = new ArrayList<>();
        final List<Integer> objects = new ArrayList<>();
        final List<Integer> objectVerbs = new ArrayList<>();
        int mainVerb = -1;

        int add(String word) {
            tokens.add(ids.get(word));
            return tokens.size() - 1;
        }

        /** D N with the given number; returns the noun's position. */
        int nounPhrase(SplittableRandom rng, int number) {
            int d = add(DETS[rng.nextInt(DETS.length)][number]);
            int n = add(NOUNS[rng.nextInt(NOUNS.length)][number]);
            determiners.add(d);
            determinerNouns.add(n);
            return n;
        }

        int verb(String[][] table, SplittableRandom rng, int number, int subject, boolean main) {
            int v = add(table[rng.nextInt(table.length)][number]);
            verbs.add(v);
            verbSubjects.add(subject);
            if (main) {
                mainVerb = v;
            }
            return v;
        }

        void object(int noun, int verb) {
            objects.add(noun);
            objectVerbs.add(verb);
        }

        int[] tokens() {
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }

        Example toExample() {
            int[] seq = tokens();
            boolean[] graded = new boolean[seq.length - 1];
            Arrays.fill(graded, true);
            Map<String, int[]> pos = new HashMap<>();
            pos.put(DETERMINERS, toArray(determiners));
            pos.put(DETERMINER_NOUNS, toArray(determinerNouns));
            pos.put(VERBS, toArray(verbs));
            pos.put(VERB_SUBJECTS, toArray(verbSubjects));
            pos.put(OBJECTS, toArray(objects));
            pos.put(OBJECT_VERBS, toArray(objectVerbs));
            return Example.nextToken(seq, graded, pos);
        }

        private int[] toArray(List<Integer> list) {
            return list.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
