package org.attnlab.data.tasks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The symmetric group S5 or the alternating group A5, with elements indexed for use as tokens.
 *
 * <p>A permutation is an array {@code p} with {@code p[i]} the image of point {@code i} (points 0..4; names
 * use 1..5). Elements are indexed in lexicographic order of their arrays (S5: all 120; A5: the 60 even ones),
 * so index 0 is the identity {@code e}. The product is composition, right factor first:
 * {@code compose(a, b)[i] = a[b[i]]}. Names are in cycle notation, e.g. {@code [1,2,0,3,4]} is {@code (123)}.
 */
public final class PermutationGroup {

    public static final int DEGREE = 5;

    private final String name;
    private final List<int[]> elements;
    private final Map<String, Integer> index;
    private final int[][] table; // table[a][b] = index of compose(a, b)

    private PermutationGroup(String name, boolean evenOnly) {
        this.name = name;
        List<int[]> all = new ArrayList<>();
        permute(new int[DEGREE], new boolean[DEGREE], 0, all);
        List<int[]> kept = new ArrayList<>();
        for (int[] p : all) {
            if (!evenOnly || isEven(p)) {
                kept.add(p);
            }
        }
        this.elements = Collections.unmodifiableList(kept);
        this.index = new HashMap<>();
        for (int i = 0; i < kept.size(); i++) {
            index.put(Arrays.toString(kept.get(i)), i);
        }
        int n = kept.size();
        this.table = new int[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                table[a][b] = indexOf(compose(kept.get(a), kept.get(b)));
            }
        }
    }

    private static final PermutationGroup S5 = new PermutationGroup("S5", false);
    private static final PermutationGroup A5 = new PermutationGroup("A5", true);

    /** All 120 permutations of 5 points. */
    public static PermutationGroup s5() {
        return S5;
    }

    /** The 60 even permutations of 5 points (the smallest non-solvable group). */
    public static PermutationGroup a5() {
        return A5;
    }

    public String name() {
        return name;
    }

    public int order() {
        return elements.size();
    }

    /** The permutation with index {@code i} (a copy). */
    public int[] element(int i) {
        return elements.get(i).clone();
    }

    /** Index of permutation {@code p}; fails if {@code p} is not in this group. */
    public int indexOf(int[] p) {
        Integer i = index.get(Arrays.toString(p));
        if (i == null) {
            throw new IllegalArgumentException("Permutation " + Arrays.toString(p) + " is not an element of " + name);
        }
        return i;
    }

    /** Index of the product {@code a b} (apply b, then a). */
    public int multiply(int a, int b) {
        return table[a][b];
    }

    /** {@code compose(a, b)[i] = a[b[i]]}: apply b first, then a. */
    public static int[] compose(int[] a, int[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = a[b[i]];
        }
        return out;
    }

    /** The permutation of a cycle written with points 1..5, e.g. {@code cycle(1, 2, 3)} maps 1->2->3->1. */
    public static int[] cycle(int... points) {
        int[] p = {0, 1, 2, 3, 4};
        for (int k = 0; k < points.length; k++) {
            int from = points[k] - 1;
            int to = points[(k + 1) % points.length] - 1;
            if (from < 0 || from >= DEGREE) {
                throw new IllegalArgumentException("Cycle points are 1..5, got " + points[k]);
            }
            p[from] = to;
        }
        return p;
    }

    /** Cycle notation with points 1..5, e.g. {@code (123)(45)} (points are single digits, so no spaces are needed); {@code e} for the identity. */
    public static String cycleNotation(int[] p) {
        StringBuilder sb = new StringBuilder();
        boolean[] seen = new boolean[p.length];
        for (int s = 0; s < p.length; s++) {
            if (seen[s] || p[s] == s) {
                seen[s] = true;
                continue;
            }
            sb.append('(');
            int x = s;
                        while (!seen[x]) {
                seen[x] = true;
                sb.append(x + 1);
                x = p[x];
            }
            sb.append(')');
        }
        return sb.length() == 0 ? "e" : sb.toString();
    }

    /** Token strings of all elements in index order. */
    public List<String> names() {
        List<String> out = new ArrayList<>(elements.size());
        for (int[] p : elements) {
            out.add(cycleNotation(p));
        }
        return out;
    }

    static boolean isEven(int[] p) {
        int inversions = 0;
        for (int i = 0; i < p.length; i++) {
            for (int j = i + 1; j < p.length; j++) {
                if (p[i] > p[j]) {
                    inversions++;
                }
            }
        }
        return inversions % 2 == 0;
    }

    private static void permute(int[] cur, boolean[] used, int pos, List<int[]> out) {
        if (pos == cur.length) {
            out.add(cur.clone());
            return;
        }
        for (int v = 0; v < cur.length; v++) {
            if (!used[v]) {
                used[v] = true;
                cur[pos] = v;
                permute(cur, used, pos + 1, out);
                used[v] = false;
            }
        }
    }
}
