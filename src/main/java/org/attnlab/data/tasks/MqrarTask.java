package org.attnlab.data.tasks;

import java.util.Map;
import java.util.List;
import java.util.SplittableRandom;

/**
 * MQRAR-N, multi-query repeated associative recall (PaTH paper): keys are assigned values again and again; a
 * query asks for the N-th last value assigned to a key (N = 1: the current value).
 *
 * <p>Vocabulary: keys {@code k0..k(K-1)} (ids 0..K-1), values {@code v0..v(V-1)} (ids K..K+V-1), the separator
 * {@code ?} (id K+V). A sequence is {@code A} assignments {@code key value}, then {@code ?}, then {@code Q}
 * queries {@code key answer} with distinct keys. Every key is assigned at least N times (each key N times plus
 * {@code A - K*N} extra uniform keys, shuffled); values are uniform. The target at each query key is its answer:
 * only those Q positions are graded.
 *
 * <p>Example, N = 2, K = 2, A = 4, Q = 1: {@code k0 v3 k1 v0 k0 v5 k1 v2 ? k0 v3}; inputs are all but the last
 * token; the graded input position is 9 (the query {@code k0}), target {@code v3}: k0's values were v3 then v5,
 * and the 2nd last is v3. Named positions: {@code "queries"} (input indices of the query keys) and
 * {@code "sources"} (input index of the value each query recalls, aligned with queries).
 */
public final class MqrarTask implements Task {

    public static final String QUERIES = "queries";
    public static final String SOURCES = "sources";

    private final int n;
    private final int numKeys;
    private final int numValues;
    private final int numQueries;
    private final Vocabulary vocab;

    /**
     * @param n          which assignment back to recall (1 = last)
     * @param numKeys    K distinct keys
     * @param numValues  V distinct values
     * @param numQueries Q queries per sequence, at most K
     */
    public MqrarTask(int n, int numKeys, int numValues, int numQueries) {
        if (n < 1 || numKeys < 1 || numValues < 2 || numQueries < 1 || numQueries > numKeys) {
            throw new IllegalArgumentException("MQRAR needs n >= 1, numKeys >= 1, numValues >= 2, 1 <= numQueries <= "
                    + "numKeys; got n=" + n + ", numKeys=" + numKeys + ", numValues=" + numValues + ", numQueries="
                    + numQueries);
        }
        this.n = n;
        this.numKeys = numKeys;
        this.numValues = numValues;
        this.numQueries = numQueries;
        this.vocab = Vocabulary.concat(Vocabulary.numbered("k", numKeys), Vocabulary.numbered("v", numValues),
                List.of("?"));
    }

    public int n() {
        return n;
    }

    public int separatorId() {
        return numKeys + numValues;
    }

    public int keyId(int key) {
        return key;
    }

    public int valueId(int value) {
        return numKeys + value;
    }

    /** The smallest valid length: every key assigned N times. */
    public int minAssignments() {
        return numKeys * n;
    }

    @Override
    public String name() {
        return "mqrar-" + n;
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
        return "assignments A per sequence (at least numKeys * N = " + minAssignments() + "); input length 2A + 2Q";
    }

    @Override
    public int inputLength(int length) {
        if (length < minAssignments()) {
            throw new IllegalArgumentException("MQRAR-" + n + " with " + numKeys + " keys needs at least " + minAssignments()
                    + " assignments so every key has an N-th last value, got " + length);
        }
        return 2 * length + 2 * numQueries;
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        int a = length;
        int[] keys = new int[a];
        for (int i = 0; i < a; i++) {
            keys[i] = i < numKeys * n ? i % numKeys : rng.nextInt(numKeys);
        }
        shuffle(keys, rng);
        int[] seq = new int[2 * a + 1 + 2 * numQueries];
        for (int i = 0; i < a; i++) {
            seq[2 * i] = keyId(keys[i]);
            seq[2 * i + 1] = valueId(rng.nextInt(numValues));
        }
        seq[2 * a] = separatorId();
        int[] order = new int[numKeys];
        for (int k = 0; k < numKeys; k++) {
            order[k] = k;
        }
        shuffle(order, rng);
        boolean[] graded = new boolean[seq.length - 1];
        int[] queries = new int[numQueries];
        int[] sources = new int[numQueries];
        for (int q = 0; q < numQueries; q++) {
            int key = order[q];
            int pos = 2 * a + 1 + 2 * q;
            int source = nthLastValuePosition(seq, 2 * a, key, n);
            seq[pos] = keyId(key);
            seq[pos + 1] = seq[source];
            graded[pos] = true;
            queries[q] = pos;
            sources[q] = source;
        }
        return Example.nextToken(seq, graded, Map.of(QUERIES, queries, SOURCES, sources));
    }

    /** Position of the value of the n-th last assignment of {@code key} among the first {@code end} tokens. */
    static int nthLastValuePosition(int[] seq, int end, int key, int n) {
        int seen = 0;
        for (int p = end - 2; p >= 0; p -= 2) {
            if (seq[p] == key && ++seen == n) {
                return p + 1;
            }
        }
        throw new IllegalStateException("key " + key + " has fewer than " + n + " assignments");
    }

    static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
