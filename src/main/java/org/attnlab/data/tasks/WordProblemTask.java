package org.attnlab.data.tasks;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Group word problems (state tracking): read group elements {@code g_1 .. g_L}, predict at every position the
 * running product {@code s_t = g_1 g_2 ... g_t} (so {@code s_t = s_{t-1} g_t}, {@code s_0 = e}), with the
 * product of {@link PermutationGroup} ({@code (a b)[i] = a[b[i]]}). Inputs and targets share one vocabulary: the
 * group's elements in cycle notation, indexed as in {@link PermutationGroup}. Every position is graded.
 *
 * <p>Inputs are drawn either from the generators (A5: {@code (123), (124), (125)} and their inverses, as
 * in the PaTH paper; S5: {@code (12), (12345)} and its inverse) or uniformly from the whole group.
 *
 * <p>Example (A5, generators), length 3: inputs {@code (123) (123) (124)} give targets
 * {@code (123) (132) (243)}: the last is {@code (132)(124)}, i.e. apply {@code (124)} then {@code (132)}:
 * 1->2->1, 2->4->4, 4->1->3, 3->3->2. Splits: {@link Split#TRAIN}, {@link Split#TEST} (same distribution, separate
 * streams; experiments choose train and test lengths, e.g. train at 16 and test at 16..64).
 */
public final class WordProblemTask implements Task {

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
        this.vocab = new Vocabulary(group.names());
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
        return length;
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        int[] in = new int[length];
        for (int t = 0; t < length; t++) {
            in[t] = sampling == Sampling.GENERATORS ? generators[rng.nextInt(generators.length)] : rng.nextInt(group.order());
        }
        return fromInputs(in);
    }

    /** The example of given input elements: targets are the running products. */
    public Example fromInputs(int[] elements) {
        int[] states = new int[elements.length];
        int s = 0; // identity
        for (int t = 0; t < elements.length; t++) {
            s = group.multiply(s, elements[t]);
            states[t] = s;
        }
        boolean[] all = new boolean[elements.length];
        Arrays.fill(all, true);
        return new Example(elements.clone(), states, all);
    }
}
