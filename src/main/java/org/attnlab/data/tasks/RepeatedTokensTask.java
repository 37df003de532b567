package org.attnlab.data.tasks;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Repeated random tokens, the standard probe and training data for induction heads (Olsson et al. 2022):
 * {@code <s> r_1 .. r_T r_1 .. r_T}. The first copy is unpredictable (loss about {@code ln V}); in the second a
 * model with an induction head predicts {@code r_{j+1}} after seeing {@code r_j} again. All positions are graded.
 *
 * <p>Vocabulary: {@code <s>} (id 0) and {@code t0..t(V-1)} (ids 1..V). The T tokens of one sequence are
 * distinct when {@code T <= V} (so the continuation of every repeated token is unambiguous), else drawn with
 * replacement.
 *
 * <p>Example, T = 3: {@code <s> t4 t1 t7 t4 t1 t7}; inputs {@code <s> t4 t1 t7 t4 t1} (length 2T), targets
 * {@code t4 t1 t7 t4 t1 t7}. Targets at input indices {@code t >= T} lie in the repeated half
 * ({@link #repeatedHalf}); the first of them ({@code t = T}, target {@code r_1}) still cannot be copied, so
 * {@link #inductionPositions} starts at {@code T + 1}. Named positions: {@code "repeated"} (input indices T..2T-1).
 */
public final class RepeatedTokensTask implements Task {

    public static final int BOS = 0;
    public static final String REPEATED = "repeated";

    private final int randomVocab;
    private final Vocabulary vocab;

    /** @param randomVocab V, the number of random tokens */
    public RepeatedTokensTask(int randomVocab) {
        if (randomVocab < 2) {
            throw new IllegalArgumentException("randomVocab must be at least 2, got " + randomVocab);
        }
        this.randomVocab = randomVocab;
        this.vocab = Vocabulary.concat(List.of("<s>"), Vocabulary.numbered("t", randomVocab));
    }

    @Override
    public String name() {
        return "repeated-tokens";
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public List<Split> splits() {
        return List.of(Split.TRAIN, Split.TEST);
    }

    @Override
    public String lengthMeaning() {
        return "T, the length of the random sequence that is repeated once; input length 2T";
    }

    @Override
    public int inputLength(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("Repeated-tokens length T must be at least 1, got " + length);
        }
        return 2 * length;
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        int t = length;
        int[] r = new int[t];
        if (t <= randomVocab) {
            int[] pool = new int[randomVocab];
            for (int i = 0; i < randomVocab; i++) {
                pool[i] = i + 1;
            }
            for (int i = 0; i < t; i++) { // partial Fisher-Yates: t distinct tokens
                int j = i + rng.nextInt(randomVocab - i);
                int x = pool[i];
                pool[i] = pool[j];
                pool[j] = x;
                r[i] = pool[i];
            }
        } else {
            for (int i = 0; i < t; i++) {
                r[i] = 1 + rng.nextInt(randomVocab);
            }
        }
        int[] seq = new int[2 * t + 1];
        seq[0] = BOS;
        System.arraycopy(r, 0, seq, 1, t);
        System.arraycopy(r, 0, seq, t + 1, t);
        boolean[] all = new boolean[2 * t];
        Arrays.fill(all, true);
        int[] repeated = new int[t];
        for (int i = 0; i < t; i++) {
            repeated[i] = t + i;
        }
        return Example.nextToken(seq, all, Map.of(REPEATED, repeated));
    }

    /** Over input positions 0..2T-1: true where the target lies in the second copy ({@code t >= T}). */
    public static boolean[] repeatedHalf(int length) {
        boolean[] m = new boolean[2 * length];
        Arrays.fill(m, length, 2 * length, true);
        return m;
    }

    /** Over input positions 0..2T-1: true where an induction head can predict the target ({@code t >= T + 1}). */
    public static boolean[] inductionPositions(int length) {
        boolean[] m = new boolean[2 * length];
        Arrays.fill(m, Math.min(2 * length, length + 1), 2 * length, true);
        return m;
    }
}
