package org.attnlab.data.tasks;

import org.attnlab.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Parity with and without chain of thought (Cabannes et al., "Iteration heads", NeurIPS 2024).
 *
 * <p>Vocabulary: {@code <pad> <bos> <eoi> 0 1} (ids 0..4). With chain of thought the sequence is
 * {@code <bos> x_1..x_L <eoi> s_1..s_L} with {@code s_t = (x_1 + .. + x_t) mod 2}; without it,
 * {@code <bos> x_1..x_L <eoi> s_L}. Next-token inputs/targets; only targets after {@code <eoi>} are graded
 * (L of them with CoT, 1 without). Bits are fair coins.
 *
 * <p>Example with CoT, L = 3, x = 1 0 1: sequence {@code <bos> 1 0 1 <eoi> 1 1 0}; inputs
 * {@code <bos> 1 0 1 <eoi> 1 1}, targets {@code 1 0 1 <eoi> 1 1 0}, graded input positions 4, 5, 6 (targets
 * 1 1 0). Without CoT: {@code <bos> 1 0 1 <eoi> 0}, graded position 4 only (target 0).
 * Named positions: {@code "eoi"} (input index of {@code <eoi>}, = L+1), {@code "bits"} (1..L).
 *
 * <p>Splits {@link Split#TRAIN} and {@link Split#TEST}: separate random streams, and from
 * {@link #HELD_OUT_FROM_LENGTH} bits on disjoint sets of bit strings (about a quarter of the strings of each such
 * length are test-only, chosen by a fixed hash: {@link #isHeldOut}); shorter strings are too few to hold out, so
 * both splits see all of them. The paper samples from 2^32 strings, where a repeat is unlikely; at our shorter
 * lengths a model could otherwise score on test strings it has memorised.
 * The paper trains on lengths 1..32 mixed: use {@link #sampleMixedLengths}; measure accuracy per length with
 * {@link #sample}.
 */
public final class ParityTask implements Task {

    public static final int PAD = 0;
    public static final int BOS = 1;
    public static final int EOI = 2;
    public static final int ZERO = 3;
    public static final int ONE = 4;
    public static final String EOI_POSITION = "eoi";
    public static final String BITS = "bits";
    /** The paper's longest length. */
    public static final int PAPER_MAX_LENGTH = 32;
    /** From this length on, the train and test splits draw from disjoint sets of bit strings ({@link #isHeldOut}). */
    public static final int HELD_OUT_FROM_LENGTH = 6;
    /** About one bit string in this many (of each length from {@link #HELD_OUT_FROM_LENGTH} on) is test-only. */
    public static final int HELD_OUT_DENOMINATOR = 4;

    private static final Vocabulary VOCAB = Vocabulary.of("<pad>", "<bos>", "<eoi>", "0", "1");

    private final boolean chainOfThought;

    private ParityTask(boolean chainOfThought) {
        this.chainOfThought = chainOfThought;
    }

    public static ParityTask withChainOfThought() {
        return new ParityTask(true);
    }

    public static ParityTask withoutChainOfThought() {
        return new ParityTask(false);
    }

    public boolean chainOfThought() {
        return chainOfThought;
    }

    @Override
    public String name() {
        return chainOfThought ? "parity-cot" : "parity";
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
        return "L, the number of input bits (the paper uses 1..32)";
    }

    @Override
    public int inputLength(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("Parity length must be at least 1, got " + length);
        }
        return chainOfThought ? 2 * length + 1 : length + 2;
    }

    @Override
    public int padId() {
        return PAD;
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        checkSplit(split);
        int[] bits = new int[length];
        do {
            for (int t = 0; t < length; t++) {
                bits[t] = rng.nextInt(2);
            }
        } while (length >= HELD_OUT_FROM_LENGTH && isHeldOut(bits) != (split == Split.TEST));
        return fromBits(bits);
    }

    /**
     * Whether a bit string of length {@code >= }{@link #HELD_OUT_FROM_LENGTH} belongs to the test split: a fixed
     * hash of the bits puts about one string in {@value #HELD_OUT_DENOMINATOR} there. Training never draws these,
     * so test accuracy measures what was learned, not what was memorised (at L = 12 there are only 4096 strings,
     * and a quick run sees each of them many times).
     */
    public static boolean isHeldOut(int[] bits) {
        long h = bits.length;
        for (int b : bits) {
            h = h * 31 + b;
        }
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;   // SplitMix64's finaliser
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        h ^= h >>> 31;
        return Math.floorMod(h, HELD_OUT_DENOMINATOR) == 0;
    }

    /** The example for given bits (0/1 values). */
    public Example fromBits(int[] bits) {
        int l = bits.length;
        int[] seq = new int[inputLength(l) + 1];
        seq[0] = BOS;
        int parity = 0;
        int[] states = new int[l];
        for (int t = 0; t < l; t++) {
            if (bits[t] != 0 && bits[t] != 1) {
                throw new IllegalArgumentException("Parity bits are 0 or 1, got " + bits[t] + " at index " + t);
            }
            seq[1 + t] = bits[t] == 1 ? ONE : ZERO;
            parity ^= bits[t];
            states[t] = parity;
        }
        seq[l + 1] = EOI;
        if (chainOfThought) {
            for (int t = 0; t < l; t++) {
                seq[l + 2 + t] = states[t] == 1 ? ONE : ZERO;
            }
        } else {
            seq[l + 2] = parity == 1 ? ONE : ZERO;
        }
        boolean[] graded = new boolean[seq.length - 1];
        for (int t = l + 1; t < graded.length; t++) {
            graded[t] = true;
        }
        int[] bitPositions = new int[l];
        for (int t = 0; t < l; t++) {
            bitPositions[t] = t + 1;
        }
        return Example.nextToken(seq, graded, Map.of(EOI_POSITION, new int[] {l + 1}, BITS, bitPositions));
    }

    /**
     * B examples whose lengths are uniform in {@code [minLength, maxLength]}, right-padded with {@code <pad>}
     * (ungraded) to {@link #inputLength}{@code (maxLength)}.
     */
    public TaskBatch sampleMixedLengths(int batchSize, int minLength, int maxLength, Split split, long seed) {
        return sampleMixedLengths(batchSize, minLength, maxLength, split, seed, false);
    }

    /**
     * {@link #sampleMixedLengths(int, int, int, Split, long)}; with {@code gradeEnd} every padding position after a
     * sequence's end is graded too, with target {@code <pad>}: the model learns where the sequence ends, which
     * takes knowing L (the paper's loss grades its end-of-sequence padding the same way; see bench/README.md,
     * "parity-cot: the paper's recipe in PyTorch", for what it changed there).
     */
    public TaskBatch sampleMixedLengths(int batchSize, int minLength, int maxLength, Split split, long seed,
                                        boolean gradeEnd) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        if (minLength < 1 || maxLength < minLength) {
            throw new IllegalArgumentException("Need 1 <= minLength <= maxLength, got " + minLength + ".." + maxLength);
        }
        checkSplit(split);
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, split.name() + "/mixed"));
        List<Example> examples = new ArrayList<>(batchSize);
        int full = inputLength(maxLength);
        for (int b = 0; b < batchSize; b++) {
            int l = minLength + rng.nextInt(maxLength - minLength + 1);
            examples.add(generate(l, split, rng).padTo(full, PAD, gradeEnd));
        }
        return TaskBatch.of(name(), split, examples, PAD);
    }
}
