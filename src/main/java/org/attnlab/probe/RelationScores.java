package org.attnlab.probe;

import org.attnlab.data.GrammarRelations.Arc;
import org.attnlab.data.GrammarRelations.Relation;

import java.util.ArrayList;
import java.util.List;

/**
 * How well each head tracks a grammatical relation (Clark et al. 2019, "What does BERT look at?"): for the arcs of
 * one relation ({@link org.attnlab.data.GrammarRelations}, dependent word -> the earlier word it should attend to),
 * the share on which the head's most-attended key from the dependent is the arc's head word:
 * <pre>
 *   accuracy(h) = |{ arcs a : argmax_{j &lt;= a.dependent} w_h[a.dependent][j] = a.head }| / |arcs|
 * </pre>
 * (ties go to the earliest key). The arcs of all sequences of a batch are pooled (each arc counts once). The
 * baseline is the best <b>fixed offset</b>: always predicting the word {@code k} back, for the {@code k} that is right
 * most often on the same arcs ({@code k = 1} is the previous-token baseline). A head tracks the relation only when
 * it beats that baseline.
 *
 * <pre>{@code
 * List<List<Arc>> arcs = ...;                                   // per probe sequence, in its token positions
 * Table t = HeadScores.measure(model, manager, tokens, RelationScores.score(Relation.DETERMINER, arcs));
 * RelationScores.Baseline b = RelationScores.bestOffset(arcs, Relation.DETERMINER, 8);
 * }</pre>
 */
public final class RelationScores {

    /** The best fixed offset on a relation's arcs and its accuracy (NaN when there are no arcs). */
    public record Baseline(Relation relation, int offset, double accuracy, int arcs) {
    }

    private RelationScores() {
    }

    /** The key query {@code i} of one head's pattern {@code w [L][L]} weights most ({@code j <= i}; first of ties). */
    public static int mostAttended(float[][] w, int i) {
        if (i < 0 || i >= w.length) {
            throw new IllegalArgumentException("query " + i + " is outside the pattern's 0.." + (w.length - 1));
        }
        int best = 0;
        for (int j = 1; j <= i; j++) {
            if (w[i][j] > w[i][best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * Per head, the accuracy on {@code arcs} of one sequence's pattern {@code w [H][L][L]}; NaN for every head when
     * there are no arcs. Arcs whose dependent lies outside the pattern fail naming the arc.
     */
    public static double[] accuracy(float[][][] w, List<Arc> arcs) {
        double[] out = new double[w.length];
        for (int h = 0; h < w.length; h++) {
            int[] hits = hits(w[h], arcs);
            out[h] = hits[1] == 0 ? Double.NaN : hits[0] / (double) hits[1];
        }
        return out;
    }

    /** {hits, arcs} of one head on one sequence. */
    static int[] hits(float[][] w, List<Arc> arcs) {
        int hit = 0;
        for (Arc a : arcs) {
            if (a.dependent() >= w.length) {
                throw new IllegalArgumentException("arc " + a + " points past the sequence of " + w.length + " tokens");
            }
            if (mostAttended(w, a.dependent()) == a.head()) {
                hit++;
            }
        }
        return new int[] {hit, arcs.size()};
    }

    /**
     * The head score of one relation on a fixed batch: {@code arcsPerSequence.get(b)} are the arcs of sequence b
     * (all relations may be mixed in; only {@code relation}'s are scored), pooled over the batch.
     */
    public static HeadScore score(Relation relation, List<List<Arc>> arcsPerSequence) {
        List<List<Arc>> only = only(arcsPerSequence, relation);
        return HeadScore.of(relation.label(), (pattern, tokens) -> {
            if (pattern.length != only.size()) {
                throw new IllegalArgumentException("score '" + relation.label() + "' has arcs for " + only.size()
                        + " sequences; the batch has " + pattern.length);
            }
            int heads = pattern.length == 0 ? 0 : pattern[0].length;
            double[] out = new double[heads];
            for (int h = 0; h < heads; h++) {
                int hit = 0;
                int total = 0;
                for (int b = 0; b < pattern.length; b++) {
                    int[] r = hits(pattern[b][h], only.get(b));
                    hit += r[0];
                    total += r[1];
                }
                out[h] = total == 0 ? Double.NaN : hit / (double) total;
            }
            return out;
        });
    }

    /** One {@link #score} per relation, in {@link Relation} order. */
    public static List<HeadScore> scores(List<List<Arc>> arcsPerSequence) {
        List<HeadScore> out = new ArrayList<>();
        for (Relation r : Relation.values()) {
            out.add(score(r, arcsPerSequence));
        }
        return out;
    }

    /** The share of {@code relation}'s arcs whose head is exactly {@code offset} words back. */
    public static double offsetAccuracy(List<List<Arc>> arcsPerSequence, Relation relation, int offset) {
        if (offset < 1) {
            throw new IllegalArgumentException("an offset looks back at least 1 word, got " + offset);
        }
        int hit = 0;
        int total = 0;
        for (List<Arc> arcs : only(arcsPerSequence, relation)) {
            for (Arc a : arcs) {
                total++;
                hit += a.offset() == offset ? 1 : 0;
            }
        }
        return total == 0 ? Double.NaN : hit / (double) total;
    }

    /** The fixed offset in {@code 1..maxOffset} right most often on {@code relation}'s arcs (smallest of ties). */
    public static Baseline bestOffset(List<List<Arc>> arcsPerSequence, Relation relation, int maxOffset) {
        if (maxOffset < 1) {
            throw new IllegalArgumentException("maxOffset must be >= 1, got " + maxOffset);
        }
        int count = only(arcsPerSequence, relation).stream().mapToInt(List::size).sum();
        int best = 1;
        double bestAcc = offsetAccuracy(arcsPerSequence, relation, 1);
        for (int k = 2; k <= maxOffset; k++) {
            double acc = offsetAccuracy(arcsPerSequence, relation, k);
            if (acc > bestAcc) {
                best = k;
                bestAcc = acc;
            }
        }
        return new Baseline(relation, best, bestAcc, count);
    }

    private static List<List<Arc>> only(List<List<Arc>> arcsPerSequence, Relation relation) {
        List<List<Arc>> out = new ArrayList<>();
        for (List<Arc> arcs : arcsPerSequence) {
            out.add(arcs.stream().filter(a -> a.relation() == relation).toList());
        }
        return out;
    }
}
