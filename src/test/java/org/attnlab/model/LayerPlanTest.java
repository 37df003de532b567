package org.attnlab.model;

import org.attnlab.attention.AttentionKind;
import org.attnlab.model.LayerPlan.Placement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerPlanTest {

    private static Set<Integer> range(int from, int to) {
        return IntStream.rangeClosed(from, to).boxed().collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<Integer> of(Integer... layers) {
        return new TreeSet<>(List.of(layers));
    }

    private static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
        TreeSet<Integer> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    @Test
    void at24LayersThePlacementsAreThePapersLists() {
        assertEquals(of(2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24), Placement.EVEN.standardLayers(24));
        assertEquals(of(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23), Placement.ODD.standardLayers(24));
        assertEquals(range(1, 12), Placement.TOP.standardLayers(24));
        assertEquals(union(range(1, 6), range(19, 24)), Placement.MIDDLE.standardLayers(24));
        assertEquals(range(13, 24), Placement.BOTTOM.standardLayers(24));
        assertEquals(of(4, 8, 12, 16, 20, 24), Placement.QUARTER.standardLayers(24));
        assertEquals(of(1), Placement.FIRST.standardLayers(24));
        assertEquals(of(24), Placement.LAST.standardLayers(24));
        assertEquals(of(1, 24), Placement.BILATERAL.standardLayers(24));
    }

    @Test
    void scaledToSixAndFourLayers() {
        assertEquals(of(2, 4, 6), Placement.EVEN.standardLayers(6));
        assertEquals(of(1, 3, 5), Placement.ODD.standardLayers(6));
        assertEquals(of(1, 2, 3), Placement.TOP.standardLayers(6));
        assertEquals(of(1, 2, 6), Placement.MIDDLE.standardLayers(6));
        assertEquals(of(4, 5, 6), Placement.BOTTOM.standardLayers(6));
        assertEquals(of(3, 6), Placement.QUARTER.standardLayers(6));
        assertEquals(of(1), Placement.FIRST.standardLayers(6));
        assertEquals(of(6), Placement.LAST.standardLayers(6));
        assertEquals(of(1, 6), Placement.BILATERAL.standardLayers(6));

        assertEquals(of(2, 4), Placement.EVEN.standardLayers(4));
        assertEquals(of(1, 3), Placement.ODD.standardLayers(4));
        assertEquals(of(1, 2), Placement.TOP.standardLayers(4));
        assertEquals(of(1, 4), Placement.MIDDLE.standardLayers(4));
        assertEquals(of(3, 4), Placement.BOTTOM.standardLayers(4));
        assertEquals(of(4), Placement.QUARTER.standardLayers(4));
        assertEquals(of(1, 4), Placement.BILATERAL.standardLayers(4));
    }

    @ParameterizedTest
    @EnumSource(Placement.class)
    void everyPlacementStaysInsideTheModelAtEveryDepth(Placement p) {
        for (int depth = 1; depth <= 30; depth++) {
            Set<Integer> keep = p.standardLayers(depth);
            for (int l : keep) {
                assertTrue(l >= 1 && l <= depth, p + " at depth " + depth + " keeps layer " + l);
            }
            assertTrue(keep.size() <= depth);
            if (depth % 4 == 0) {
                // the half-and-half placements keep exactly half, 25% a quarter
                int expected = switch (p) {
                    case EVEN, ODD, TOP, MIDDLE, BOTTOM -> depth / 2;
                    case QUARTER -> depth / 4;
                    case FIRST, LAST -> 1;
                    case BILATERAL -> 2;
                };
                assertEquals(expected, keep.size(), p + " at depth " + depth);
            }
        }
    }

    @Test
    void hybridPutsTheVariantInOddLayersAndEqualsPlacementEven() {
        LayerPlan h = LayerPlan.hybrid(AttentionKind.MLP, 6);
        assertEquals(List.of(AttentionKind.MLP, AttentionKind.STANDARD, AttentionKind.MLP, AttentionKind.STANDARD,
                AttentionKind.MLP, AttentionKind.STANDARD), h.kinds());
        assertEquals(LayerPlan.placement(Placement.EVEN, AttentionKind.MLP, 6), h);
        assertEquals(List.of(0, 2, 4), h.variantIndices());
        assertEquals(of(2, 4, 6), h.baseLayerNumbers());
        assertTrue(h.isVariant(0));
        assertFalse(h.isVariant(1));
    }

    @Test
    void placementGivesTheVariantToTheOtherLayers() {
        LayerPlan p = LayerPlan.placement(Placement.BILATERAL, AttentionKind.APPROXIMATE, 5);
        assertEquals(List.of(AttentionKind.STANDARD, AttentionKind.APPROXIMATE, AttentionKind.APPROXIMATE,
                AttentionKind.APPROXIMATE, AttentionKind.STANDARD), p.kinds());
        LayerPlan withBase = LayerPlan.placement(Placement.FIRST, AttentionKind.PATH, AttentionKind.NOPE, 3);
        assertEquals(List.of(AttentionKind.NOPE, AttentionKind.PATH, AttentionKind.PATH), withBase.kinds());
        assertEquals(List.of(1, 2), withBase.variantIndices());
    }

    @Test
    void parsesSpecs() {
        assertEquals(LayerPlan.uniform(AttentionKind.FOX, 3), LayerPlan.parse("fox", 3));
        assertEquals(LayerPlan.uniform(AttentionKind.FOX, 3), LayerPlan.parse("uniform:FoX", 3));
        assertEquals(LayerPlan.hybrid(AttentionKind.RND_EMB_QK, 4), LayerPlan.parse("hybrid:RndEmbQK", 4));
        assertEquals(LayerPlan.placement(Placement.QUARTER, AttentionKind.MLP, 8), LayerPlan.parse("25%:mlp", 8));
        assertEquals(LayerPlan.placement(Placement.MIDDLE, AttentionKind.MLP, 8), LayerPlan.parse("middle:mlp", 8));
        assertEquals("[mlp, standard]", LayerPlan.hybrid(AttentionKind.MLP, 2).toString());
    }

    @Test
    void badPlansFailNamingTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> LayerPlan.parse("sideways:mlp", 4));
        assertTrue(e.getMessage().contains("sideways:mlp") && e.getMessage().contains("bilateral"), e.getMessage());
        var k = assertThrows(IllegalArgumentException.class, () -> LayerPlan.parse("hybrid:mamba", 4));
        assertTrue(k.getMessage().contains("mamba") && k.getMessage().contains("path-fox"), k.getMessage());
        var d = assertThrows(IllegalArgumentException.class, () -> LayerPlan.uniform(AttentionKind.MLP, 0));
        assertTrue(d.getMessage().contains("depth=0"), d.getMessage());
        var p = assertThrows(IllegalArgumentException.class, () -> Placement.parse("50%"));
        assertTrue(p.getMessage().contains("25%"), p.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> LayerPlan.uniform(AttentionKind.MLP, 2).kindAt(2));
    }
}
