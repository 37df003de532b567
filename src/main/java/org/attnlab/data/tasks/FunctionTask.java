package org.attnlab.data.tasks;

import org.attnlab.Seeds;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * In-context function tasks, for function vectors (Todd et al. ICLR 2024): k demonstrations {@code x -> f(x)}
 * then a query {@code x ->}; k = 0 is the zero-shot prompt.
 *
 * <p>Synthetic words: 64 tokens {@code a0..h7} (letter a..h, digit 0..7; word index = 8 * letter + digit);
 * letters {@code A..H}. Functions ({@link Function}): {@code ANTONYM} pairs each word with a fixed partner (a
 * fixed random perfect matching, the same in every run); {@code SUCCESSOR} maps word i to word i+1 (mod 64,
 * e.g. {@code c7 -> d0}); {@code FIRST_LETTER} maps a word to its capital letter ({@code c5 -> C});
 * {@code COPY} is the identity. Each example uses one function, drawn uniformly from the task's set; the x's of
 * one prompt are distinct.
 *
 * <p>Vocabulary: {@code <s> -> ,} then the 64 words then the 8 letters. Sequence:
 * {@code <s> x_1 -> y_1 , x_2 -> y_2 , ... , x_q -> y_q}; next-token inputs/targets; every answer {@code y} is
 * graded (target at each {@code ->}). Example (SUCCESSOR, k = 1): {@code <s> a3 -> a4 , c7 -> d0}; inputs are
 * all but the last token; graded input positions 2 and 6. Named positions: {@code "arrows"} (input indices of
 * every {@code ->}), {@code "query"} (the last arrow: the zero-shot/function-vector position),
 * {@code "function"} (one entry: the {@link Function} ordinal, not a position).
 */
public final class FunctionTask implements Task {

    /** The mapping applied in one prompt. */
    public enum Function { ANTONYM, SUCCESSOR, FIRST_LETTER, COPY }

    public static final int BOS = 0;
    public static final int ARROW = 1;
    public static final int COMMA = 2;
    public static final int WORDS = 64;
    public static final int LETTERS = 8;
    public static final String ARROWS = "arrows";
    public static final String QUERY = "query";
    public static final String FUNCTION = "function";

    private static final long ANTONYM_SEED = 20240507L; // fixed: antonyms are "world knowledge", not per run
    private static final int[] ANTONYM = antonymPairs();
    private static final Vocabulary VOCAB = buildVocabulary();

    private final List<Function> functions;

    private FunctionTask(Set<Function> functions) {
        if (functions.isEmpty()) {
            throw new IllegalArgumentException("FunctionTask needs at least one function");
        }
        this.functions = List.copyOf(EnumSet.copyOf(functions));
    }

    /** Prompts of the given functions, drawn uniformly per example. */
    public static FunctionTask of(Function... functions) {
        return new FunctionTask(functions.length == 0 ? EnumSet.noneOf(Function.class) : EnumSet.of(functions[0], functions));
    }

    /** All functions mixed. */
    public static FunctionTask all() {
        return new FunctionTask(EnumSet.allOf(Function.class));
    }

    public List<Function> functions() {
        return functions;
    }

    public static int wordId(int word) {
        return 3 + word;
    }

    public static int letterId(int letter) {
        return 3 + WORDS + letter;
    }

    /** f(x) as a token id, for a word index x in 0..63. */
    public static int apply(Function f, int word) {
        if (word < 0 || word >= WORDS) {
            throw new IllegalArgumentException("Word index must be in [0, 64), got " + word);
        }
        return switch (f) {
            case ANTONYM -> wordId(ANTONYM[word]);
            case SUCCESSOR -> wordId((word + 1) % WORDS);
            case FIRST_LETTER -> letterId(word / 8);
            case COPY -> wordId(word);
        };
    }

    @Override
    public String name() {
        return "functions";
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
        return "k, the number of demonstrations before the query (0 = zero-shot, at most 63); input length 4k + 3";
    }

    @Override
    public int inputLength(int length) {
        if (length < 0 || length >= WORDS) {
            throw new IllegalArgumentException("Demonstrations k must be in [0, 63], got " + length);
        }
        return 4 * length + 3;
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        return generate(length, functions.get(rng.nextInt(functions.size())), rng);
    }

    /** Like {@link #sample} with every example using {@code function}. */
    public TaskBatch sample(int batchSize, int k, Function function, Split split, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        checkSplit(split);
        inputLength(k);
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, split.name() + "/" + function));
        List<Example> out = new ArrayList<>(batchSize);
        for (int b = 0; b < batchSize; b++) {
            out.add(generate(k, function, rng));
        }
        return TaskBatch.of(name(), split, out, -1);
    }

    /**
     * The inputs of {@code batch} with each row's demonstration labels shuffled among its demonstrations (Todd et
     * al.'s corrupted prompts: the x's, the query and the format stay; which y follows which x is random, so the
     * function is no longer shown). A uniform permutation per row from {@code Seeds.derive(seed, "shuffled labels")};
     * the batch itself is not changed.
     */
    public static int[][] shuffledLabels(TaskBatch batch, long seed) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, "shuffled labels"));
        int[][] out = new int[batch.inputs().length][];
        for (int b = 0; b < out.length; b++) {
            out[b] = batch.inputs()[b].clone();
            int[] arrows = batch.example(b).positions(ARROWS);
            int k = arrows.length - 1;                       // the last arrow is the query's; its label is the target
            int[] labels = new int[k];
            for (int d = 0; d < k; d++) {
                labels[d] = out[b][arrows[d] + 1];
            }
            MqrarTask.shuffle(labels, rng);
            for (int d = 0; d < k; d++) {
                out[b][arrows[d] + 1] = labels[d];
            }
        }
        return out;
    }

    /**
     * The inputs of {@code batch} with each demonstration's label recomputed by a function drawn uniformly from this
     * task's functions ({@code y_d = g_d(x_d)}, {@code g_d} random per demonstration, from
     * {@code Seeds.derive(seed, "mixed labels")}): every label is one the task could give for its x, but the
     * demonstrations no longer show one function. The corrupted prompts for a mixture whose functions differ in the
     * type of their answers, where shuffling labels within a prompt keeps the function visible. The query is unchanged.
     */
    public int[][] mixedLabels(TaskBatch batch, long seed) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, "mixed labels"));
        int[][] out = new int[batch.inputs().length][];
        for (int b = 0; b < out.length; b++) {
            out[b] = batch.inputs()[b].clone();
            int[] arrows = batch.example(b).positions(ARROWS);
            for (int d = 0; d < arrows.length - 1; d++) {
                int x = out[b][arrows[d] - 1] - wordId(0);
                out[b][arrows[d] + 1] = apply(functions.get(rng.nextInt(functions.size())), x);
            }
        }
        return out;
    }

    /** The answer {@code f(x_q)} of each row: the target at its query position. */
    public static int[] queryAnswers(TaskBatch batch) {
        int[] out = new int[batch.inputs().length];
        for (int b = 0; b < out.length; b++) {
            out[b] = batch.targets()[b][batch.example(b).positions(QUERY)[0]];
        }
        return out;
    }

    private Example generate(int k, Function f, SplittableRandom rng) {
        int[] words = new int[WORDS];
        for (int i = 0; i < WORDS; i++) {
            words[i] = i;
        }
        int[] seq = new int[4 * k + 4];
        seq[0] = BOS;
        boolean[] graded = new boolean[seq.length - 1];
        int[] arrows = new int[k + 1];
        for (int d = 0; d <= k; d++) {
            int j = d + rng.nextInt(WORDS - d); // partial Fisher-Yates: distinct x's
            int x = words[j];
            words[j] = words[d];
            words[d] = x;
            int p = 1 + 4 * d;
            seq[p] = wordId(x);
            seq[p + 1] = ARROW;
            seq[p + 2] = apply(f, x);
            if (d < k) {
                seq[p + 3] = COMMA;
            }
            graded[p + 1] = true;
            arrows[d] = p + 1;
        }
        return Example.nextToken(seq, graded, Map.of(ARROWS, arrows, QUERY, new int[] {arrows[k]},
                FUNCTION, new int[] {f.ordinal()}));
    }

    private static int[] antonymPairs() {
        int[] order = new int[WORDS];
        for (int i = 0; i < WORDS; i++) {
            order[i] = i;
        }
        MqrarTask.shuffle(order, new SplittableRandom(ANTONYM_SEED));
        int[] partner = new int[WORDS];
        for (int i = 0; i < WORDS; i += 2) {
            partner[order[i]] = order[i + 1];
            partner[order[i + 1]] = order[i];
        }
        return partner;
    }

    private static Vocabulary buildVocabulary() {
        List<String> t = new ArrayList<>(List.of("<s>", "->", ","));
        for (int w = 0; w < WORDS; w++) {
            t.add("" + (char) ('a' + w / 8) + (w % 8));
        }
        for (int l = 0; l < LETTERS; l++) {
            t.add(String.valueOf((char) ('A' + l)));
        }
        return new Vocabulary(t);
    }
}
