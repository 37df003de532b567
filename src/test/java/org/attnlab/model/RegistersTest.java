package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.attnlab.testing.GradientCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Register tokens (Darcet et al. 2024) in {@link DecoderLM}: they act only as extra keys and values in front of
 * every sequence, are never predicted, and the hooks lay them out as documented.
 */
class RegistersTest {

    private static final int VOCAB = 11;
    private static final int D = 8;
    private static final int HEADS = 2;
    private static final int B = 2;
    private static final int L = 6;
    private static final int K = 3;

    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static ModelConfig.Builder config(int registers, AttentionKind... kinds) {
        return ModelConfig.builder(VOCAB, D, HEADS, kinds.length).mlpWidth(12).plan(LayerPlan.of(kinds))
                .registers(registers);
    }

    private static NDArray tokens(long seed) {
        Random r = new Random(seed);
        int[] ids = new int[B * L];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(VOCAB);
        }
        return manager.create(ids, new Shape(B, L));
    }

    private static ParameterStore ps() {
        return new ParameterStore(manager, false);
    }

    @Test
    void withoutRegistersTheModelIsTheOneBeforeThem() {
        ModelConfig plain = ModelConfig.builder(VOCAB, D, HEADS, 2).mlpWidth(12).build();
        ModelConfig zero = config(0, AttentionKind.STANDARD, AttentionKind.STANDARD).build();
        assertEquals(0, plain.registers());
        DecoderLM a = DecoderLM.create(plain, manager, 4);
        DecoderLM b = DecoderLM.create(zero, manager, 4);
        assertEquals(a.getParameters().keys(), b.getParameters().keys());
        assertNull(b.getParameters().get("register_embeddings"));
        NDArray t = tokens(1);
        assertArrayEquals(a.forward(ps(), t, false).toFloatArray(), b.forward(ps(), t, false).toFloatArray());
        assertEquals(0, b.registers());
    }

    /** Copies every parameter of {@code from} into the parameter of the same name of {@code to}. */
    private static void copyWeights(DecoderLM from, DecoderLM to) {
        for (Pair<String, Parameter> p : from.getParameters()) {
            to.getParameters().get(p.getKey()).getArray().set(p.getValue().getArray().toFloatArray());
        }
    }

    @Test
    void registersActOnlyThroughTheAttentionPaidToThem() {
        AttentionKind[] kinds = {AttentionKind.STANDARD, AttentionKind.NOPE, AttentionKind.STANDARD};
        DecoderLM plain = DecoderLM.create(config(0, kinds).build(), manager, 5);
        DecoderLM withRegisters = DecoderLM.create(config(K, kinds).build(), manager, 6);
        copyWeights(plain, withRegisters);
        NDArray t = tokens(2);
        NDArray expected = plain.forward(ps(), t, false);
        NDArray logits = withRegisters.forward(ps(), t, false);
        assertEquals(new Shape(B, L, VOCAB), logits.getShape(), "logits for the real tokens only");
        assertFalse(logits.allClose(expected, 1e-4, 1e-5, false), "registers are attended to, so they matter");
        // take the real queries' attention off the registers (rows renormalised): the old model, since RoPE sees
        // only relative positions and the registers reach the real tokens through attention alone
        float[] keep = new float[(K + L) * (K + L)];
        for (int i = 0; i < K + L; i++) {
            for (int j = 0; j < K + L; j++) {
                keep[i * (K + L) + j] = i >= K && j < K ? 0f : 1f;
            }
        }
        NDArray mask = manager.create(keep, new Shape(K + L, K + L));
        Hooks offRegisters = Hooks.create().add(HookName::isPattern, (n, p) -> {
            NDArray kept = p.mul(mask);
            return kept.div(kept.sum(new int[] {3}, true));
        });
        NDArray cut = withRegisters.forward(ps(), t, false, offRegisters);
        assertTrue(cut.allClose(expected, 1e-4, 1e-5, false), "without attention to the registers: the old logits");
    }

    @Test
    void theLossNeverSeesTheRegistersButTheyLearn() {
        DecoderLM model = DecoderLM.create(config(K, AttentionKind.STANDARD, AttentionKind.STANDARD).build(),
                manager, DataType.FLOAT64, 7);
        NDArray t = tokens(3);
        NDArray logits = model.forward(ps(), t, true);
        assertEquals(new Shape(B, L, VOCAB), logits.getShape());
        // the registers' own rows never reach the logits: changing what a register position computes after the
        // last layer (its ln_final row) leaves every logit as it was
        Hooks shove = Hooks.create().add(HookName.LN_FINAL, x -> {
            NDArray y = x.duplicate();
            y.set(new NDIndex(":, :{}, :", K), 100.0);
            return y;
        });
        assertTrue(model.forward(ps(), t, false, shove).allClose(model.forward(ps(), t, false), 0, 0, false));
        // gradients reach the register embeddings (through attention) and match finite differences
        Parameter reg = model.getParameters().get("register_embeddings");
        assertEquals(new Shape(K, D), reg.getShape());
        new GradientCheck(manager, (ps, in) -> model.forward(ps, t, true)).check(model, List.of(), 2,
                p -> p == reg || p.getName().equals("embedding"));
    }

    @Test
    void aTrainingStepWithRegistersLeavesNoArraysInTheModelsManager() {
        try (NDManager modelManager = NDManager.newBaseManager()) {
            DecoderLM model = DecoderLM.create(config(K, AttentionKind.STANDARD, AttentionKind.SINK_KV).build(),
                    modelManager, 3);
            int before = ((ai.djl.ndarray.BaseNDManager) modelManager).getManagedArrays().size();
            try (NDManager sub = modelManager.newSubManager()) {
                NDArray t = sub.create(new int[] {1, 2, 3, 4, 5, 6}, new Shape(1, L));
                try (var gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                    gc.backward(model.forward(new ParameterStore(sub, false), t, true).mean());
                }
                model.patterns(new ParameterStore(sub, false), t);
            }
            assertEquals(before, ((ai.djl.ndarray.BaseNDManager) modelManager).getManagedArrays().size());
        }
    }

    @Test
    void causalWithRegisters() {
        DecoderLM model = DecoderLM.create(config(K, AttentionKind.STANDARD, AttentionKind.SINK_KV,
                AttentionKind.WINDOW).build(), manager, 8);
        NDArray t = tokens(4);
        NDArray logits = model.forward(ps(), t, false);
        for (int pos = 1; pos < L; pos++) {
            NDArray t2 = t.duplicate();
            t2.set(new NDIndex(":, {}:", pos), t.get(new NDIndex(":, {}:", pos)).add(1).mod(VOCAB));
            NDArray logits2 = model.forward(ps(), t2, false);
            NDIndex past = new NDIndex(":, :{}, :", pos);
            assertTrue(logits.get(past).allClose(logits2.get(past), 1e-5, 1e-6, false), "position " + pos);
        }
    }

    @Test
    void hooksCoverRegistersFirstAndProbesSeeRealPositions() {
        DecoderLM model = DecoderLM.create(config(K, AttentionKind.STANDARD, AttentionKind.SINK_KV).build(),
                manager, 9);
        NDArray t = tokens(5);
        Map<String, NDArray> raw = model.runWithRawCache(ps(), t, n -> true);
        assertEquals(new Shape(B, L, D), raw.get(HookName.EMBED).getShape());
        assertEquals(new Shape(B, K + L, D), raw.get(HookName.of(0, HookName.RESID_PRE)).getShape());
        assertEquals(new Shape(B, HEADS, K + L, K + L), raw.get(HookName.pattern(0)).getShape());
        assertEquals(new Shape(B, HEADS, K + L), raw.get(HookName.attn(1, "sink_weight")).getShape());
        assertEquals(new Shape(B, K + L, D), raw.get(HookName.LN_FINAL).getShape());
        // the same names fire as without registers
        List<String> fired = new ArrayList<>(raw.keySet());
        fired.remove("logits");
        assertEquals(model.hookNames(), fired);

        Map<String, NDArray> real = model.runWithCache(ps(), t, n -> true);
        assertEquals(new Shape(B, HEADS, L, L), real.get(HookName.pattern(0)).getShape());
        assertEquals(new Shape(B, L, D), real.get(HookName.of(1, HookName.RESID_POST)).getShape());
        assertEquals(new Shape(B, HEADS, L, D / HEADS), real.get(HookName.z(1)).getShape());
        assertEquals(new Shape(B, HEADS, L), real.get(HookName.attn(1, "sink_weight")).getShape());
        assertTrue(real.get(HookName.pattern(0)).allClose(raw.get(HookName.pattern(0))
                .get(new NDIndex(":, :, {}:, {}:", K, K))));
        assertTrue(real.get("logits").allClose(raw.get("logits")));
        assertEquals(new Shape(B, HEADS, L, L), model.patterns(ps(), t).get(HookName.pattern(1)).getShape());
        assertEquals(K, model.registers());
        // a real query's mass: on the registers plus on the real tokens is 1
        NDArray onRegisters = raw.get(HookName.pattern(0)).get(new NDIndex(":, :, {}:, :{}", K, K)).sum(new int[] {3});
        NDArray onTokens = real.get(HookName.pattern(0)).sum(new int[] {3});
        assertTrue(onRegisters.add(onTokens).allClose(manager.ones(new Shape(B, HEADS, L)), 1e-5, 1e-6, false));
    }

    @Test
    void learnedPositionsGoToTheRealTokensOnly() {
        ModelConfig c = config(K, AttentionKind.NOPE, AttentionKind.NOPE).build();
        LearnedPositionsLM lm = LearnedPositionsLM.create(c, L, manager, 10);
        NDArray t = tokens(6);
        assertEquals(new Shape(B, L, VOCAB), lm.forward(ps(), t, false).getShape());
        assertEquals(K, lm.registers());
        Map<String, NDArray> raw = lm.runWithRawCache(ps(), t, n -> n.equals(HookName.of(0, HookName.RESID_PRE)));
        NDArray resid = raw.get(HookName.of(0, HookName.RESID_PRE));                   // [R; Emb + P]
        NDArray p = lm.getParameters().get("positions").getArray();
        NDArray emb = lm.decoder().embed(ps(), t, false);
        assertTrue(resid.get(new NDIndex(":, {}:, :", K)).allClose(emb.add(p), 1e-6, 1e-7, false));
        NDArray r = lm.decoder().getParameters().get("register_embeddings").getArray();
        assertTrue(resid.get(new NDIndex("0, :{}, :", K)).allClose(r));
    }

    @Test
    void badRegisterConfigsFailNamingTheValue() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> config(-1, AttentionKind.STANDARD).build());
        assertTrue(e.getMessage().contains("registers=-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config(2, AttentionKind.RND_EMB_QK).build());
        assertTrue(e.getMessage().contains("registers=2") && e.getMessage().contains("rnd-emb-qk"), e.getMessage());
    }
}
