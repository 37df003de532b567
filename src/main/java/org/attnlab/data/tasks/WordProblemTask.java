package org.attnlab.data.tasks;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Group word problems (state tracking): read group elements {@code g_1 .. g_L}, predict at every position the
 * running product {@code s_t = g_1 g_2 ... g_t} (so {@code s_t = s_{t-1} g_t}, {@code s_0 = e}), with the
 * product of {@link PermutationGroup} ({@code (a b)[i] = a[b[i]]}). Inputs and targets share one vocabulary: the
 * group's elements in cycle notation, indexed as in {@link PermutationGroup}, then {@code <bos>}. A sequence
 * starts with {@code <bos>} (target: the identity, {@code s_0 = e}, not graded); every element position is graded.
 * The {@code <bos>} matters for position-free and relative encodings (RoPE, PaTH): without it the prefix
 * {@code a a} gives the same hidden state at both positions (attention mixes equal values), so no model could tell
 * {@code s_1 = a} from {@code s_2 = a a}.
 *
 * <p>Inputs are drawn either from the generators (A5: {@code (123), (124), (125)} and their inverses, as
 * in the PaTH paper; S5: {@code (12), (12345)} and its inverse) or uniformly from the whole group.
 *
 * <p>Example (A5, generators), length 3: inputs {@code <bos> (123) (123) (124)} give targets
 * {@code e (123) (132) (243)} (the first not graded): the last is {@code (132)(124)}, i.e. apply {@code (124)}
 * then {@code (132)}:
 * 1->2->1, 2->4->4, 4->1->3, 3->3->2. Splits: {@link Split#TRAIN}, {@link Split#TEST} (same distribution, separate
 * streams; experiments choose train and test lengths, e.g. train at 16 and test at 16..64).
 */
public final class WordProblemTask implements Task {

    /** The token that starts every sequence; its id is the group's order. */
    public static final String BOS_TOKEN = "<bos>";

    /** Where input elements come from. */
    public enum Sampling { GENERATORS, UNIFORM }

    private final PermutationGroup group;
    private final Sampling sampling;
    private final int[] generators;
    private final Vocabulary vocab;

    private WordProblemTask(PermutationGroup group, Sampling sampling) {
        this.group = group;
        this.sampling = sampling;
        int[][] gens = group.order() == 60
                ? new int[][] {PermutationGroup.cycle(1, 2, 3), PermutationGroup.cycle(1, 3, 2),
                        PermutationGroup.cycle(1, 2, 4), PermutationGroup.cycle(1, 4, 2),
                        PermutationGroup.cycle(1, 2, 5), PermutationGroup.cycle(1, 5, 2)}
                : new int[][] {PermutationGroup.cycle(1, 2), PermutationGroup.cycle(1, 2, 3, 4, 5),
                        PermutationGroup.cycle(1, 5, 4, 3, 2)};
        this.generators = Arrays.stream(gens).mapToInt(group::indexOf).toArray();
        List<String> tokens = new java.util.ArrayList<>(group.names());
        tokens.add(BOS_TOKEN);
        this.vocab = new Vocabulary(tokens);
    }

    /** A5 with inputs from the generators (123), (124), (125) and inverses: the PaTH paper's setting. */
    public static WordProblemTask a5() {
        return new WordProblemTask(PermutationGroup.a5(), Sampling.GENERATORS);
    }

    /** S5 with inputs uniform over the group. */
    public static WordProblemTask s5() {
        return new WordProblemTask(PermutationGroup.s5(), Sampling.UNIFORM);
    }

    /** Any group and sampling. */
    public static WordProblemTask of(PermutationGroup group, Sampling sampling) {
        return new WordProblemTask(group, sampling);
    }

    public PermutationGroup group() {
        return group;
    }

    public Sampling sampling() {
        return sampling;
    }

    /** The id of {@code <bos>} (after the group's elements). */
    public int bos() {
        return group.order();
    }

    /** Indices of the generator elements (used when sampling is {@link Sampling#GENERATORS}). */
    public int[] generators() {
        return generators.clone();
    }

    @Override
    public String name() {
        return group.name().toLowerCase() + "-word-problem" + (sampling == Sampling.UNIFORM ? "-uniform" : "");
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
        return "group elements per sequence (at least 1)";
    }

    @Override
    public int inputLength(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("Word problem length must be at least 1, got " + length);
        }
        return length + 1;
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        int[] in = new int[length];
        for (int t = 0; t < length; t++) {
            in[t] = sampling == Sampling.GENERATORS ? generators[rng.nextInt(generators.length)] : rng.nextInt(group.order());
        }
        return fromInputs(in);
    }

    /**
     * The example of given input elements: inputs {@code <bos> g_1..g_L}, targets {@code e s_1..s_L} (the running
     * products), graded at 1..L.
     */
    public Example fromInputs(int[] elements) {
        int n = elements.length;
        int[] inputs = new int[n + 1];
        int[] states = new int[n + 1];
        boolean[] graded = new boolean[n + 1];
        inputs[0] = bos();
        int s = 0; // identity
        for (int t = 0; t < n; t++) {
            if (elements[t] < 0 || elements[t] >= group.order()) {
                throw new IllegalArgumentException("Input " + t + " is " + elements[t] + ", not an element of "
                        + group.name() + " (ids 0.." + (group.order() - 1) + ")");
            }
            s = group.multiply(s, elements[t]);
            inputs[t + 1] = elements[t];
            states[t + 1] = s;
            graded[t + 1] = true;
        }
        return new Example(inputs, states, graded);
    }
}
