package org.attnlab.model;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HookNameTest {

    @Test
    void buildsTheNamesTheModelFires() {
        assertEquals("blocks.0", HookName.layer(0));
        assertEquals("blocks.12.resid_post", HookName.of(12, HookName.RESID_POST));
        assertEquals("blocks.3.attn.q", HookName.attn(3, HookName.Q));
        assertEquals("blocks.1.attn.pattern", HookName.pattern(1));
        assertEquals("blocks.2.attn.z", HookName.z(2));
    }

    @Test
    void everyPerLayerNameRoundTrips() {
        List<String> components = List.of(HookName.RESID_PRE, "attn.q", "attn.k", "attn.v", "attn.w", "attn.beta",
                "attn.log_forget", "attn.pattern", "attn.z", HookName.ATTN_OUT, HookName.RESID_MID,
                HookName.MLP_OUT, HookName.RESID_POST);
        for (int layer : new int[] {0, 1, 9, 10, 123}) {
            for (String c : components) {
                String name = HookName.of(layer, c);
                HookName.Parsed p = HookName.parse(name).orElseThrow();
                assertEquals(new HookName.Parsed(layer, c), p, name);
                assertEquals(name, HookName.of(p.layer(), p.component()));
                assertEquals(layer, HookName.layerOf(name));
                assertEquals(c.startsWith("attn."), p.isAttention(), name);
            }
        }
        HookName.Parsed z = HookName.parse(HookName.z(5)).orElseThrow();
        assertEquals("z", z.local());
        assertEquals(HookName.ATTN_OUT, HookName.parse(HookName.of(5, HookName.ATTN_OUT)).orElseThrow().local());
        assertFalse(HookName.parse(HookName.of(5, HookName.ATTN_OUT)).orElseThrow().isAttention(),
                "attn_out is the layer's point, not one of the attention block's own");
    }

    @Test
    void theModelsNamesAllParseExceptEmbedAndLnFinal() {
        LayerPlan plan = LayerPlan.of(org.attnlab.attention.AttentionKind.values());
        DecoderLM model = new DecoderLM(ModelConfig.builder(11, 8, 2, plan.depth()).plan(plan).maxLength(10)
                .fixedQkTokens(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)).pathChunkSize(4).pathRank(4).build());
        for (String name : model.hookNames()) {
            Optional<HookName.Parsed> p = HookName.parse(name);
            if (name.equals(HookName.EMBED) || name.equals(HookName.LN_FINAL)) {
                assertTrue(p.isEmpty(), name);
            } else {
                assertEquals(name, HookName.of(p.orElseThrow().layer(), p.orElseThrow().component()));
            }
        }
        long patterns = model.hookNames().stream().filter(HookName::isPattern).count();
        assertEquals(plan.kinds().stream().filter(org.attnlab.attention.AttentionKind::hasPattern).count(), patterns);
    }

    @Test
    void recognisesPatternsOnly() {
        assertTrue(HookName.isPattern("blocks.0.attn.pattern"));
        assertEquals(7, HookName.patternLayer("blocks.7.attn.pattern"));
        for (String notPattern : new String[] {"blocks.0.attn.z", "blocks.0.attn.pattern.x", "blocks.0.pattern",
                "xblocks.0.attn.pattern", "embed", "", "blocks.-1.attn.pattern", "blocks.01.attn.pattern"}) {
            assertFalse(HookName.isPattern(notPattern), notPattern);
            var e = assertThrows(IllegalArgumentException.class, () -> HookName.patternLayer(notPattern));
            assertTrue(e.getMessage().contains("'" + notPattern + "'")
                    && e.getMessage().contains("blocks.N.attn.pattern"), e.getMessage());
        }
        assertFalse(HookName.isPattern(null));
    }

    @Test
    void namesThatAreNotPerLayerDoNotParse() {
        for (String name : new String[] {"embed", "ln_final", "logits", "blocks.", "blocks.1", "blocks.1.",
                "blocks.x.resid_pre", "blocks.-2.resid_pre", "blocks.007.resid_pre", "blocks.99999999999.resid_pre",
                "block.1.resid_pre", " blocks.1.resid_pre"}) {
            assertTrue(HookName.parse(name).isEmpty(), name);
            var e = assertThrows(IllegalArgumentException.class, () -> HookName.layerOf(name));
            assertTrue(e.getMessage().contains("'" + name + "'") && e.getMessage().contains("blocks.N.<component>"),
                    e.getMessage());
        }
        assertTrue(HookName.parse(null).isEmpty());
    }

    @Test
    void badPartsFailNamingTheValue() {
        var neg = assertThrows(IllegalArgumentException.class, () -> HookName.of(-1, HookName.RESID_PRE));
        assertTrue(neg.getMessage().contains("-1"), neg.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HookName.pattern(-3));
        var empty = assertThrows(IllegalArgumentException.class, () -> HookName.of(0, ""));
        assertTrue(empty.getMessage().contains("resid_pre"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HookName.of(0, null));
    }
}
