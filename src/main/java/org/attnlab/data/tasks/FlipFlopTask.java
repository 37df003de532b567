package org.attnlab.data.tasks;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Flip-flop language modelling (Liu et al. 2023, "Exposing attention glitches with flip-flop language
 * modeling"; PaTH paper Table 1).
 *
 * <p>A sequence of {@code length/2} (instruction, bit) pairs over the vocabulary {@code w r i 0 1}
 * (ids 0..4). Instructions are i.i.d.: ignore {@code i} with probability {@code p_i}, write {@code w} and read
 * {@code r} with {@code (1 - p_i)/2} each; except the first instruction is always {@code w} and the last always
 * {@code r}. The bit after {@code w} or {@code i} is a fair coin; the bit after {@code r} is the bit of the most
 * recent {@code w}. Only those read bits are graded.
 *
 * <p>Splits: {@link Split#TRAIN} and {@link #IN_DISTRIBUTION} use {@code p_i = 0.8}; {@link #OOD_SPARSE}
 * {@code p_i = 0.98} (long gaps); {@link #OOD_DENSE} {@code p_i = 0.1}.
 *
 * <p>Example, length 12: sequence {@code w 1 i 0 r 1 w 0 i 1 r 0}; inputs are the first 11 tokens,
 * targets the last 11 (shifted by one); the graded input positions are 4 and 10 (the {@code r}s), whose targets
 * are {@code 1} and {@code 0}. Named positions: {@code "reads"} = input indices of every {@code r}.
 */
public final class FlipFlopTask implements Task {

    public static final Split IN_DISTRIBUTION = new Split("in-distribution");
    public static final Split OOD_SPARSE = new Split("ood-sparse");
    public static final Split OOD_DENSE = new Split("ood-dense");

    public static final int W = 0;
    public static final int R = 1;
    public static final int I = 2;
    public static final int ZERO = 3;
    public static final int ONE = 4;
    /** Input positions of the {@code r} instructions (each one's target is graded). */
    public static final String READS = "reads";

    /** The paper's sequence length: 512 tokens (256 instruction/bit pairs). */
    public static final int PAPER_LENGTH = 512;

    private static final Vocabulary VOCAB = Vocabulary.of("w", "r", "i", "0", "1");

    private FlipFlopTask() {
    }

    /** The task with the paper's splits. */
    public static FlipFlopTask standard() {
        return new FlipFlopTask();
    }

    @Override
    public String name() {
        return "flip-flop";
    }

    @Override
    public Vocabulary vocabulary() {
        return VOCAB;
    }

    @Override
    public List<Split> splits() {
        return List.of(Split.TRAIN, IN_DISTRIBUTION, OOD_SPARSE, OOD_DENSE);
    }

    /** {@code p_i}, the probability of an ignore instruction (first and last instructions excepted). */
    public double ignoreProbability(Split split) {
        checkSplit(split);
        if (split.equals(OOD_SPARSE)) {
            return 0.98;
        }
        if (split.equals(OOD_DENSE)) {
            return 0.1;
        }
        return 0.8;
    }

    @Override
    public String lengthMeaning() {
        return "tokens per sequence (instruction/bit pairs times 2; even, at least 4; the paper uses 512)";
    }

    @Override
    public int inputLength(int length) {
        if (length < 4 || length % 2 != 0) {
            throw new IllegalArgumentException("Flip-flop length must be even and at least 4 (w b ... r b), got " + length);
        }
        return length - 1;
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        double pIgnore = ignoreProbability(split);
        int pairs = length / 2;
        int[] seq = new int[length];
        int lastWritten = -1;
        for (int p = 0; p < pairs; p++) {
            int instr;
            if (p == 0) {
                instr = W;
            } else if (p == pairs - 1) {
                instr = R;
            } else {
                double u = rng.nextDouble();
                instr = u < pIgnore ? I : (u < pIgnore + (1 - pIgnore) / 2 ? W : R);
            }
            int bit;
            if (instr == R) {
                bit = lastWritten;
            } else {
                bit = rng.nextBoolean() ? ONE : ZERO;
                if (instr == W) {
                    lastWritten = bit;
                }
            }
            seq[2 * p] = instr;
            seq[2 * p + 1] = bit;
        }
        return fromSequence(seq);
    }

    /** The example of a given sequence (e.g. {@code vocabulary().encode("w 1 i 0 r 1")}): graded after each r. */
    public static Example fromSequence(int[] seq) {
        boolean[] graded = new boolean[seq.length - 1];
        int reads = 0;
        for (int t = 0; t + 1 < seq.length; t++) {
            if (seq[t] == R) {
                graded[t] = true;
                reads++;
            }
        }
        int[] readPositions = new int[reads];
        int k = 0;
        for (int t = 0; t + 1 < seq.length; t++) {
            if (graded[t]) {
                readPositions[k++] = t;
            }
        }
        return Example.nextToken(seq, graded, Map.of(READS, readPositions));
    }
}
