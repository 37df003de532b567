package org.attnlab.data.tasks;

import org.attnlab.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Needle-in-a-haystack retrieval: a key followed by M value tokens (the needle) hides in filler at a chosen
 * depth; at the end, {@code ?} and the key ask for the M values. Optional distractor needles (other keys,
 * other values) sit in the haystack too, so the answer must be found by matching the key.
 *
 * <p>Vocabulary: {@code <s>}, {@code ?}, fillers {@code f0..f(F-1)}, keys {@code k0..k(K-1)}, values
 * {@code v0..v(V-1)}, in that order. Sequence: {@code <s> [haystack with needle(s)] ? key v_1..v_M}; next-token
 * inputs/targets; the M targets at input positions of the query key and the first M-1 answer values are graded.
 * The needle's first filler-free slot is at {@code round(depth * H)} fillers into the haystack of H fillers.
 *
 * <p>Example, M = 2, no distractors, length 12 (H = 5 fillers), depth 0.4:
 * {@code <s> f3 f0 k1 v4 v2 f7 f1 f5 ? k1 v4 v2}; graded input positions 10, 11 (targets v4, v2).
 * Named positions: {@code "needleKey"} [3], {@code "needleValues"} [4, 5], {@code "queryKey"} [10],
 * {@code "answers"} [10, 11] (graded input positions), {@code "distractorKeys"} (positions of distractor keys).
 * Splits {@link Split#TRAIN}, {@link Split#TEST}; {@link #sample} draws depth uniformly in [0, 1],
 * {@link #sampleAtDepth} fixes it.
 */
public final class NeedleTask implements Task {

    public static final String NEEDLE_KEY = "needleKey";
    public static final String NEEDLE_VALUES = "needleValues";
    public static final String QUERY_KEY = "queryKey";
    public static final String ANSWERS = "answers";
    public static final String DISTRACTOR_KEYS = "distractorKeys";

    public static final int BOS = 0;
    public static final int QUERY = 1;

    private final int fillers;
    private final int keys;
    private final int values;
    private final int valueLength;
    private final int distractors;
    private final Vocabulary vocab;

    /**
     * @param fillers     F filler tokens
     * @param keys        K keys (at least distractors + 1)
     * @param values      V value tokens
     * @param valueLength M value tokens per needle
     * @param distractors extra needles with other keys in the haystack
     */
    public NeedleTask(int fillers, int keys, int values, int valueLength, int distractors) {
        if (fillers < 1 || values < 1 || valueLength < 1 || distractors < 0 || keys < distractors + 1) {
            throw new IllegalArgumentException("NeedleTask needs fillers >= 1, values >= 1, valueLength >= 1, distractors >= 0, "
                    + "keys >= distractors + 1; got fillers=" + fillers + ", keys=" + keys + ", values=" + values
                    + ", valueLength=" + valueLength + ", distractors=" + distractors);
        }
        this.fillers = fillers;
        this.keys = keys;
        this.values = values;
        this.valueLength = valueLength;
        this.distractors = distractors;
        this.vocab = Vocabulary.concat(List.of("<s>", "?"), Vocabulary.numbered("f", fillers),
                Vocabulary.numbered("k", keys), Vocabulary.numbered("v", values));
    }

    public int fillerId(int f) {
        return 2 + f;
    }

    public int keyId(int k) {
        return 2 + fillers + k;
    }

    public int valueId(int v) {
        return 2 + fillers + keys + v;
    }

    /** H, the filler count of a haystack for input length {@code length}. */
    public int haystackFillers(int length) {
        return length - 3 - 2 * valueLength - distractors * (1 + valueLength);
    }

    @Override
    public String name() {
        return "needle";
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
        return "input tokens per sequence (at least " + (3 + 2 * valueLength + distractors * (1 + valueLength)) + ")";
    }

    @Override
    public int inputLength(int length) {
        if (haystackFillers(length) < 0) {
            throw new IllegalArgumentException("Needle length " + length + " leaves no room: the needle, query and "
                    + distractors + " distractors need at least " + (length - haystackFillers(length)) + " tokens");
        }
        return length;
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        return generateAt(length, rng.nextDouble(), rng);
    }

    /** Like {@link #sample} with the needle at {@code depth} in [0, 1] (0 = start of the haystack, 1 = end). */
    public TaskBatch sampleAtDepth(int batchSize, int length, double depth, Split split, long seed) {
        if (!(depth >= 0 && depth <= 1)) {
            throw new IllegalArgumentException("depth must be in [0, 1], got " + depth);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        checkSplit(split);
        inputLength(length);
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, split.name() + "/depth"));
        List<Example> out = new ArrayList<>(batchSize);
        for (int b = 0; b < batchSize; b++) {
            out.add(generateAt(length, depth, rng));
        }
        return TaskBatch.of(name(), split, out, -1);
    }

    private Example generateAt(int length, double depth, SplittableRandom rng) {
        int h = haystackFillers(length);
        // Keys: a random key for the needle and distinct others for the distractors.
        int[] keyOrder = new int[keys];
        for (int k = 0; k < keys; k++) {
            keyOrder[k] = k;
        }
        MqrarTask.shuffle(keyOrder, rng);
        int needleSlot = (int) Math.round(depth * h);
        // Distractors go at random filler slots; slot s means "after s fillers".
        int[] distractorSlots = new int[distractors];
        for (int d = 0; d < distractors; d++) {
            distractorSlots[d] = rng.nextInt(h + 1);
        }
        java.util.Arrays.sort(distractorSlots);
        int[] seq = new int[length + 1];
        int p = 0;
        seq[p++] = BOS;
        int[] needleValues = new int[valueLength];
        int needleKeyPos = -1;
        int[] distractorKeyPos = new int[distractors];
        int nextDistractor = 0;
        for (int slot = 0; slot <= h; slot++) {
            while (nextDistractor < distractors && distractorSlots[nextDistractor] == slot) {
                distractorKeyPos[nextDistractor] = p;
                seq[p++] = keyId(keyOrder[1 + nextDistractor]);
                for (int m = 0; m < valueLength; m++) {
                    seq[p++] = valueId(rng.nextInt(values));
                }
                nextDistractor++;
            }
            if (slot == needleSlot) {
                needleKeyPos = p;
                seq[p++] = keyId(keyOrder[0]);
                for (int m = 0; m < valueLength; m++) {
                    needleValues[m] = p;
                    seq[p++] = valueId(rng.nextInt(values));
                }
            }
            if (slot < h) {
                seq[p++] = fillerId(rng.nextInt(fillers));
            }
        }
        seq[p++] = QUERY;
        int queryPos = p;
        seq[p++] = seq[needleKeyPos];
        int[] answers = new int[valueLength];
        boolean[] graded = new boolean[length];
        for (int m = 0; m < valueLength; m++) {
            answers[m] = queryPos + m;
            graded[queryPos + m] = true;
            seq[p++] = seq[needleValues[m]];
        }
        if (p != length + 1) {
            throw new IllegalStateException("needle sequence has " + p + " tokens, expected " + (length + 1));
        }
        return Example.nextToken(seq, graded, Map.of(NEEDLE_KEY, new int[] {needleKeyPos}, NEEDLE_VALUES, needleValues,
                QUERY_KEY, new int[] {queryPos}, ANSWERS, answers, DISTRACTOR_KEYS, distractorKeyPos));
    }
}
