package org.attnlab.attention;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionKindTest {

    @Test
    void parsesLabelsAndThePapersSpellings() {
        for (AttentionKind k : AttentionKind.values()) {
            assertEquals(k, AttentionKind.parse(k.label()));
            assertEquals(k, AttentionKind.parse(k.name()));
        }
        assertEquals(AttentionKind.RND_EMB_QK, AttentionKind.parse("RndEmbQK"));
        assertEquals(AttentionKind.FIXED_SEQ_QK, AttentionKind.parse("FixedSeqQK"));
        assertEquals(AttentionKind.STATIC_EMB_QK, AttentionKind.parse("StaticEmbQK"));
        assertEquals(AttentionKind.NON_APPROXIMATE, AttentionKind.parse("Non-approximate"));
        assertEquals(AttentionKind.PATH_FOX, AttentionKind.parse("PaTH-FoX"));
        assertEquals(AttentionKind.NOPE, AttentionKind.parse(" NoPE "));
        assertEquals(AttentionKind.SOFTMAX_ZERO, AttentionKind.parse("softmax_zero"));
        assertEquals(AttentionKind.SINK_KV, AttentionKind.parse("SinkKV"));
        assertEquals(AttentionKind.WINDOW, AttentionKind.parse("Window"));
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> AttentionKind.parse("mamba"));
        assertTrue(e.getMessage().contains("'mamba'"), e.getMessage());
        for (AttentionKind k : AttentionKind.values()) {
            assertTrue(e.getMessage().contains(k.label()), e.getMessage());
        }
    }

    @Test
    void propertiesFollowThePapers() {
        assertFalse(AttentionKind.MLP.hasPattern());
        assertTrue(AttentionKind.NON_APPROXIMATE.hasPattern());
        assertTrue(AttentionKind.STANDARD.usesRope());
        assertFalse(AttentionKind.NOPE.usesRope());
        assertFalse(AttentionKind.PATH.usesRope());
        assertFalse(AttentionKind.FOX.usesRope());
        assertFalse(AttentionKind.PATH_FOX.usesRope());
        assertTrue(AttentionKind.STATIC_EMB_QK.needsQkSource());
        assertFalse(AttentionKind.PATH.needsQkSource());
        for (AttentionKind k : new AttentionKind[] {AttentionKind.SIGMOID, AttentionKind.SOFTMAX_ZERO,
                AttentionKind.SINK_KV, AttentionKind.WINDOW}) {
            assertTrue(k.usesRope() && k.hasPattern() && !k.needsQkSource(), k.label());
        }
        assertEquals(AttentionKind.RowSum.UNNORMALISED, AttentionKind.SIGMOID.rowSum());
        assertEquals(AttentionKind.RowSum.BELOW_ONE, AttentionKind.SOFTMAX_ZERO.rowSum());
        assertEquals(AttentionKind.RowSum.BELOW_ONE, AttentionKind.SINK_KV.rowSum());
        assertEquals(AttentionKind.RowSum.ONE, AttentionKind.WINDOW.rowSum());
        assertEquals(AttentionKind.RowSum.ONE, AttentionKind.STANDARD.rowSum());
        assertEquals(java.util.List.of("q", "k", "v", "sink_weight", "pattern", "z"), AttentionKind.SINK_KV.hookNames());
    }
}
