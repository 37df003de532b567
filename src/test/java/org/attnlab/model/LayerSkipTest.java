package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Skipping layers by hooks gives the model without those layers, computed here by a slow reference that runs the
 * blocks by hand (the reference the removed {@code DecoderLM.setSkip} was tested against).
 */
class LayerSkipTest {

    private static final int VOCAB = 11;
    private static final int D = 8;
    private static final int B = 2;
    private static final int L = 6;

    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static DecoderLM model(LayerPlan plan, long seed) {
        return DecoderLM.create(ModelConfig.builder(VOCAB, D, 2, plan.depth()).mlpWidth(12).plan(plan).maxLength(10)
                .fixedQkTokens(List.of(3, 1, 4, 1, 5, 9, 2, 6, 5, 3)).tieEmbeddings(false).build(), manager, seed);
    }

    private static NDArray tokens(long seed) {
        java.util.Random r = new java.util.Random(seed);
        int[] ids = new int[B * L];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(VOCAB);
        }
        return manager.create(ids, new Shape(B, L));
    }

    private static ParameterStore ps() {
        return new ParameterStore(manager, false);
    }

    /**
     * Embedding, then layer by layer: the layers in {@code dropped} not at all, those in {@code noAttention} as
     * {@code x + mlp(norm(x))}, the rest whole (Q,K from the hidden state); final norm; head.
     */
    private static NDArray byHand(DecoderLM model, NDArray t, Set<Integer> dropped, Set<Integer> noAttention) {
        ParameterStore ps = ps();
        NDArray x = model.embed(ps, t, false);
        for (int i = 0; i < model.layers(); i++) {
            TransformerBlock b = model.block(i);
            if (dropped.contains(i)) {
                continue;
            }
            if (noAttention.contains(i)) {
                x = x.add(b.mlp().forward(ps, b.mlpNorm().forward(ps, x, false), false));
            } else {
                x = b.forward(ps, x, null, false, Hooks.none());
            }
        }
        x = model.finalNorm().forward(ps, x, false);
        return x.matMul(model.getParameters().get("head").getArray().transpose());    // (B,L,d) x (d,V)
    }

    @ParameterizedTest
    @EnumSource(value = AttentionKind.class, names = {"MLP", "RND_EMB_QK", "FIXED_SEQ_QK", "STATIC_EMB_QK",
            "APPROXIMATE"})
    void skippingTheVariantLayersIsTheModelWithoutThem(AttentionKind variant) {
        LayerPlan plan = LayerPlan.hybrid(variant, 4);
        assertEquals(List.of(0, 2), plan.variantIndices());
        DecoderLM model = model(plan, 7);
        NDArray t = tokens(4);
        NDArray full = model.forward(ps(), t, false);

        NDArray skipped = model.forward(ps(), t, false, LayerSkip.variantLayers(plan));
        assertTrue(skipped.allClose(byHand(model, t, Set.of(0, 2), Set.of()), 1e-5, 1e-6, false));
        assertFalse(skipped.allClose(full, 1e-5, 1e-6, false));
        assertTrue(skipped.allClose(model.forward(ps(), t, false, LayerSkip.layers(Set.of(0, 2))), 0, 0, false));

        NDArray noAttention = model.forward(ps(), t, false, LayerSkip.variantAttention(plan));
        assertTrue(noAttention.allClose(byHand(model, t, Set.of(), Set.of(0, 2)), 1e-5, 1e-6, false));
        assertFalse(noAttention.allClose(skipped, 1e-5, 1e-6, false), "the MLPs of the variant layers still run");

        // nothing about the model changed: a plain pass gives the same logits as before
        assertTrue(model.forward(ps(), t, false).allClose(full, 0, 0, false));
    }

    @Test
    void anyLayersOfAStandardModelAndTheStreamSeenByOtherHooks() {
        DecoderLM model = model(LayerPlan.uniform(AttentionKind.STANDARD, 3), 3);
        NDArray t = tokens(5);
        NDArray skipMiddle = model.forward(ps(), t, false, LayerSkip.layers(Set.of(1)));
        assertTrue(skipMiddle.allClose(byHand(model, t, Set.of(1), Set.of()), 1e-5, 1e-6, false));
        NDArray skipAll = model.forward(ps(), t, false, LayerSkip.layers(Set.of(0, 1, 2)));
        assertTrue(skipAll.allClose(byHand(model, t, Set.of(0, 1, 2), Set.of()), 1e-5, 1e-6, false));

        // a hook after the skip sees layer 1's output equal to its input; attn_out of an attention skip is zero
        Map<String, NDArray> seen = new LinkedHashMap<>();
        Hooks record = Hooks.create().record(seen, n -> n.startsWith(HookName.layer(1) + "."));
        model.forward(ps(), t, false, LayerSkip.layers(Set.of(1)).then(record));
        assertSame(seen.get(HookName.of(1, HookName.RESID_PRE)), seen.get(HookName.of(1, HookName.RESID_POST)));
        model.forward(ps(), t, false, LayerSkip.attention(Set.of(1)).then(record));
        float[] attnOut = seen.get(HookName.of(1, HookName.ATTN_OUT)).toFloatArray();
        assertArrayEquals(new float[attnOut.length], attnOut);

        // an empty set skips nothing; a layer the model does not have is never fired
        assertTrue(LayerSkip.layers(Set.of()).isEmpty());
        assertTrue(model.forward(ps(), t, false, LayerSkip.layers(Set.of(7))).allClose(model.forward(ps(), t, false),
                0, 0, false));
    }

    @Test
    void badLayersFailNamingThem() {
        var neg = assertThrows(IllegalArgumentException.class, () -> LayerSkip.layers(Set.of(1, -2)));
        assertTrue(neg.getMessage().contains("-2"), neg.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LayerSkip.attention(Set.of(-1)));
        var none = assertThrows(IllegalArgumentException.class, () -> LayerSkip.layers(null));
        assertTrue(none.getMessage().contains("Set.of()"), none.getMessage());
        Set<Integer> withNull = new HashSet<>(Arrays.asList(1, null));
        assertThrows(IllegalArgumentException.class, () -> LayerSkip.layers(withNull));
    }

    @Test
    void residPostWithoutResidPreIsAnError() {
        Hooks skip = LayerSkip.layers(Set.of(0));
        NDArray x = manager.ones(new Shape(1));
        var e = assertThrows(IllegalStateException.class, () -> skip.apply(HookName.of(0, HookName.RESID_POST), x));
        assertTrue(e.getMessage().contains("blocks.0.resid_pre"), e.getMessage());
    }
}
