package org.attnlab.probe;

import org.attnlab.data.GrammarRelations.Arc;
import org.attnlab.data.GrammarRelations.Relation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Relation scores on hand-built attention patterns. */
class RelationScoresTest {

    /** A [L][L] pattern whose query i puts 0.7 on key target[i] and spreads the rest over keys 0..i. */
    static float[][] pointing(int[] target) {
        int n = target.length;
        float[][] w = new float[n][n];
        for (int i = 0; i < n; i++) {
            float rest = 0.3f / (i + 1);
            for (int j = 0; j <= i; j++) {
                w[i][j] = rest;
            }
            w[i][target[i]] += 0.7f;
        }
        return w;
    }

    // "the old dog of the farmer runs": the(0) old(1) dog(2) of(3) the(4) farmer(5) runs(6)
    static final List<Arc> ARCS = List.of(new Arc(Relation.DETERMINER, 2, 0), new Arc(Relation.DETERMINER, 5, 4),
            new Arc(Relation.PREPOSITION_OBJECT, 5, 3), new Arc(Relation.SUBJECT, 6, 2));

    @Test
    void aHeadThatLooksAtTheDeterminerScoresOneAndAPreviousTokenHeadHalf() {
        float[][] determinerHead = pointing(new int[] {0, 0, 0, 3, 4, 4, 2});
        float[][] previousHead = pointing(new int[] {0, 0, 1, 2, 3, 4, 5});
        float[][][][] pattern = {{determinerHead, previousHead}};
        List<List<Arc>> arcs = List.of(ARCS);
        assertArrayEquals(new double[] {1.0, 0.5}, RelationScores.score(Relation.DETERMINER, arcs)
                .perHead(pattern, new int[1][7]), 1e-12);
        assertArrayEquals(new double[] {1.0, 0.0}, RelationScores.score(Relation.SUBJECT, arcs)
                .perHead(pattern, new int[1][7]), 1e-12);
        assertArrayEquals(new double[] {0.0, 0.0}, RelationScores.score(Relation.PREPOSITION_OBJECT, arcs)
                .perHead(pattern, new int[1][7]), 1e-12, "farmer's most-attended key is the, not of");
        assertTrue(Double.isNaN(RelationScores.score(Relation.DIRECT_OBJECT, arcs).perHead(pattern, new int[1][7])[0]),
                "no arcs: NaN");
    }

    @Test
    void arcsArePooledOverSequencesNotAveragedPerSequence() {
        float[][] right = pointing(new int[] {0, 0, 0, 0});
        float[][] wrong = pointing(new int[] {0, 0, 1, 2});
        List<List<Arc>> arcs = List.of(List.of(new Arc(Relation.DETERMINER, 2, 0)),
                List.of(new Arc(Relation.DETERMINER, 2, 0), new Arc(Relation.DETERMINER, 3, 0),
                        new Arc(Relation.DETERMINER, 1, 0)));
        // sequence 0: head right 1/1; sequence 1 (wrong head): key 0 only for query 1 -> 1/3; pooled 2/4
        double[] v = RelationScores.score(Relation.DETERMINER, arcs).perHead(new float[][][][] {{right}, {wrong}},
                new int[2][4]);
        assertArrayEquals(new double[] {0.5}, v, 1e-12);
        assertThrows(IllegalArgumentException.class, () -> RelationScores.score(Relation.DETERMINER, arcs)
                .perHead(new float[][][][] {{right}}, new int[1][4]));
    }

    @Test
    void mostAttendedTakesTheEarliestOfTiesAndOnlyLooksBack() {
        float[][] w = {{1, 0, 0}, {0.5f, 0.5f, 0}, {0.2f, 0.4f, 0.4f}};
        assertEquals(0, RelationScores.mostAttended(w, 1));
        assertEquals(1, RelationScores.mostAttended(w, 2));
        assertThrows(IllegalArgumentException.class, () -> RelationScores.mostAttended(w, 3));
        assertArrayEquals(new double[] {0.5}, RelationScores.accuracy(new float[][][] {w},
                List.of(new Arc(Relation.SUBJECT, 1, 0), new Arc(Relation.SUBJECT, 2, 0))), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RelationScores.accuracy(
                new float[][][] {w}, List.of(new Arc(Relation.SUBJECT, 5, 0))));
        assertTrue(e.getMessage().contains("points past the sequence of 3 tokens"), e.getMessage());
    }

    @Test
    void theBaselineIsTheBestFixedOffset() {
        List<List<Arc>> arcs = List.of(ARCS, List.of(new Arc(Relation.DETERMINER, 3, 1),
                new Arc(Relation.DETERMINER, 7, 6)));
        // determiner offsets: 2, 1, 2, 1 -> offsets 1 and 2 tie at 0.5: the smaller wins
        assertEquals(0.5, RelationScores.offsetAccuracy(arcs, Relation.DETERMINER, 2), 1e-12);
        RelationScores.Baseline b = RelationScores.bestOffset(arcs, Relation.DETERMINER, 8);
        assertEquals(1, b.offset());
        assertEquals(0.5, b.accuracy(), 1e-12);
        assertEquals(4, b.arcs());
        assertEquals(4, RelationScores.bestOffset(arcs, Relation.SUBJECT, 8).offset());
        assertEquals(1.0, RelationScores.bestOffset(arcs, Relation.SUBJECT, 8).accuracy(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> RelationScores.offsetAccuracy(arcs, Relation.SUBJECT, 0));
    }
}
