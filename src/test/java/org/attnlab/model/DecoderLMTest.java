package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.attnlab.testing.GradientCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecoderLMTest {

    private static final int VOCAB = 11;
    private static final int D = 8;
    private static final int HEADS = 2;
    private static final int B = 2;
    private static final int L = 6;
    private static final List<Integer> TEXT = List.of(3, 1, 4, 1, 5, 9, 2, 6, 5, 3);

    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static ModelConfig.Builder config(LayerPlan plan) {
        return ModelConfig.builder(VOCAB, D, HEADS, plan.depth()).mlpWidth(12).plan(plan).maxLength(10)
                .fixedQkTokens(TEXT).pathChunkSize(4).pathRank(4);
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

    @ParameterizedTest
    @EnumSource(AttentionKind.class)
    void forwardGivesLogitsPerPositionAndIsCausal(AttentionKind kind) {
        DecoderLM model = DecoderLM.create(config(LayerPlan.of(kind, AttentionKind.STANDARD, kind)).build(), manager, 1);
        NDArray t = tokens(1);
        NDArray logits = model.forward(ps(), t, false);
        assertEquals(new Shape(B, L, VOCAB), logits.getShape());
        for (int pos = 1; pos < L; pos++) {
            NDArray t2 = t.duplicate();
            t2.set(new NDIndex(":, {}:", pos), t.get(new NDIndex(":, {}:", pos)).add(1).mod(VOCAB));
            NDArray logits2 = model.forward(ps(), t2, false);
            NDIndex past = new NDIndex(":, :{}, :", pos);
            assertTrue(logits.get(past).allClose(logits2.get(past), 1e-5, 1e-6, false),
                    kind + ": logits before " + pos + " changed with later tokens");
        }
        // also through DJL's Block API
        NDArray viaBlock = model.forward(ps(), new NDList(t), false).singletonOrThrow();
        assertTrue(viaBlock.allClose(logits));
    }

    @Test
    void gradientsOfTheWholeModelMatchFiniteDifferences() {
        // the constant-input streams and static embeddings route gradients through extra paths
        LayerPlan plan = LayerPlan.of(AttentionKind.STANDARD, AttentionKind.RND_EMB_QK, AttentionKind.FIXED_SEQ_QK,
                AttentionKind.STATIC_EMB_QK);
        DecoderLM model = DecoderLM.create(config(plan).build(), manager, DataType.FLOAT64, 2);
        NDArray t = tokens(2);
        // differences for the parameters the constant streams pass through; all must get a gradient
        var checked = java.util.Set.of(model.getParameters().get("embedding"),
                model.block(0).attention().getParameters().get("wq"),
                model.block(1).attention().getParameters().get("wk"),
                model.block(2).attention().getParameters().get("wq"),
                model.block(3).attention().getParameters().get("wk"));
        new GradientCheck(manager, (ps, in) -> model.forward(ps, t, true)).check(model, List.of(), 1, checked::contains);
    }

    @Test
    void aTrainingStepLeavesNoArraysInTheModelsManager() {
        LayerPlan plan = LayerPlan.of(AttentionKind.values());
        try (NDManager modelManager = NDManager.newBaseManager()) {
            DecoderLM model = DecoderLM.create(config(plan).build(), modelManager, 3);
            int before = ((ai.djl.ndarray.BaseNDManager) modelManager).getManagedArrays().size();
            for (int step = 0; step < 1; step++) {
                try (NDManager sub = modelManager.newSubManager()) {
                    NDArray t = sub.create(new int[]{1, 2, 3, 4, 5, 6}, new Shape(1, L));
                    try (var gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                        NDArray logits = model.forward(new ParameterStore(sub, false), t, true);
                        gc.backward(logits.mean());
                    }
                    model.patterns(new ParameterStore(sub, false), t);
                }
            }
            assertEquals(before, ((ai.djl.ndarray.BaseNDManager) modelManager).getManagedArrays().size());
        }
    }

    @Test
    void theSameSeedGivesTheSameModel() {
        ModelConfig c = config(LayerPlan.hybrid(AttentionKind.RND_EMB_QK, 2)).build();
        NDArray t = tokens(3);
        NDArray a = DecoderLM.create(c, manager, 5).forward(ps(), t, false);
        NDArray b = DecoderLM.create(c, manager, 5).forward(ps(), t, false);
        NDArray other = DecoderLM.create(c, manager, 6).forward(ps(), t, false);
        assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        assertFalse(a.allClose(other));
    }

    @Test
    void tiedEmbeddingsShareTheHead() {
        ModelConfig untied = config(LayerPlan.uniform(AttentionKind.STANDARD, 2)).build();
        ModelConfig tied = untied.toBuilder().tieEmbeddings(true).build();
        long expectedBlock = 4L * D * D + 3L * D * 12 + 2L * D;
        assertEquals(2 * VOCAB * D + 2 * expectedBlock + D, DecoderLM.create(untied, manager, 1).parameterCount());
        assertEquals(VOCAB * D + 2 * expectedBlock + D, DecoderLM.create(tied, manager, 1).parameterCount());
        // the random input of RndEmbQK is fixed: not a trainable parameter
        ModelConfig rnd = untied.withPlan(LayerPlan.hybrid(AttentionKind.RND_EMB_QK, 2));
        assertEquals(DecoderLM.create(untied, manager, 1).parameterCount(),
                DecoderLM.create(rnd, manager, 1).parameterCount());
    }

    @Test
    void theHookNamesAreTheOnesFired() {
        LayerPlan plan = LayerPlan.of(AttentionKind.STANDARD, AttentionKind.MLP, AttentionKind.STATIC_EMB_QK,
                AttentionKind.RND_EMB_QK);
        DecoderLM model = DecoderLM.create(config(plan).build(), manager, 1);
        Map<String, NDArray> cache = model.runWithCache(ps(), tokens(5), n -> true);
        List<String> fired = new ArrayList<>(cache.keySet());
        assertEquals("logits", fired.remove(fired.size() - 1));
        assertEquals(model.hookNames(), fired);
        assertEquals(List.of("embed", "blocks.0.resid_pre", "blocks.0.attn.q", "blocks.0.attn.k", "blocks.0.attn.v",
                "blocks.0.attn.pattern", "blocks.0.attn.z", "blocks.0.attn_out", "blocks.0.resid_mid",
                "blocks.0.mlp_out", "blocks.0.resid_post", "blocks.1.resid_pre", "blocks.1.attn_out"),
                fired.subList(0, 13));
        assertEquals("ln_final", fired.get(fired.size() - 1));
        assertEquals(new Shape(B, HEADS, L, D / HEADS), cache.get("blocks.0.attn.z").getShape());
        assertEquals(new Shape(B, L, D), cache.get("blocks.3.resid_post").getShape());
        assertEquals(new Shape(1, HEADS, L, D / HEADS), cache.get("blocks.3.attn.q").getShape()); // shared source
    }

    @Test
    void everyKindFiresTheHookNamesItDeclares() {
        DecoderLM model = DecoderLM.create(config(LayerPlan.of(AttentionKind.values())).build(), manager, 1);
        Map<String, NDArray> cache = model.runWithCache(ps(), tokens(5), n -> n.contains(".attn."));
        cache.remove("logits");
        assertEquals(model.hookNames().stream().filter(n -> n.contains(".attn.")).toList(),
                new ArrayList<>(cache.keySet()));
        int path = List.of(AttentionKind.values()).indexOf(AttentionKind.PATH_FOX);
        assertEquals(new Shape(B, HEADS, L), cache.get(HookName.attn(path, "beta")).getShape());
        assertEquals(new Shape(B, HEADS, L), cache.get(HookName.attn(path, "log_forget")).getShape());
        assertEquals(new Shape(B, HEADS, L, D / HEADS), cache.get(HookName.attn(path, "w")).getShape());
    }

    @Test
    void patternsForEveryLayerThatHasOne() {
        LayerPlan plan = LayerPlan.of(AttentionKind.STANDARD, AttentionKind.MLP, AttentionKind.NOPE);
        DecoderLM model = DecoderLM.create(config(plan).build(), manager, 1);
        Map<String, NDArray> p = model.patterns(ps(), tokens(6));
        assertEquals(List.of(HookName.pattern(0), HookName.pattern(2)), new ArrayList<>(p.keySet()));
        assertEquals(new Shape(B, HEADS, L, L), p.get("blocks.2.attn.pattern").getShape());
    }

    @ParameterizedTest
    @EnumSource(value = AttentionKind.class, names = {"RND_EMB_QK", "FIXED_SEQ_QK"})
    void fixedQkLayersHaveTheSamePatternForEveryInput(AttentionKind kind) {
        DecoderLM model = DecoderLM.create(config(LayerPlan.of(AttentionKind.STANDARD, kind)).build(), manager, 1);
        NDArray a = model.patterns(ps(), tokens(7)).get(HookName.pattern(1));
        NDArray b = model.patterns(ps(), tokens(8)).get(HookName.pattern(1));
        assertTrue(a.allClose(b, 1e-6, 1e-7, false));
        assertTrue(a.get(0).allClose(a.get(1), 1e-6, 1e-7, false));
        NDArray std0 = model.patterns(ps(), tokens(7)).get(HookName.pattern(0));
        NDArray std1 = model.patterns(ps(), tokens(8)).get(HookName.pattern(0));
        assertFalse(std0.allClose(std1, 1e-6, 1e-7, false), "standard layer patterns depend on the input");
    }

    @Test
    void staticEmbQkPatternDependsOnlyOnTheTokens() {
        DecoderLM model = DecoderLM.create(config(LayerPlan.of(AttentionKind.STANDARD, AttentionKind.STATIC_EMB_QK))
                .build(), manager, 1);
        ParameterStore ps = ps();
        NDArray t = tokens(9);
        NDArray a = model.patterns(ps, t).get(HookName.pattern(1));
        // perturb the residual stream after layer 0: a hidden-state pattern would change, this one must not
        Hooks shove = Hooks.create().add("blocks.0.resid_post", x -> x.add(1.0f));
        List<NDArray> seen = new ArrayList<>();
        shove.add("blocks.1.attn.pattern", x -> {
            seen.add(x);
            return x;
        });
        model.forward(ps, t, false, shove);
        assertTrue(a.allClose(seen.get(0), 1e-6, 1e-7, false));
    }

    @Test
    void badConfigsFailNamingTheValues() {
        assertMessage(() -> ModelConfig.builder(VOCAB, 10, 3, 2).build(), "dModel=10", "heads=3");
        assertMessage(() -> ModelConfig.builder(VOCAB, 6, 2, 2).build(), "headDim", "=3", "standard");
        ModelConfig.builder(VOCAB, 6, 2, 2).plan("nope").build(); // no RoPE: odd headDim is fine
        assertMessage(() -> ModelConfig.builder(VOCAB, D, HEADS, 3).plan(LayerPlan.hybrid(AttentionKind.MLP, 4))
                .build(), "plan has 4 layers", "layers=3");
        assertMessage(() -> ModelConfig.builder(VOCAB, D, HEADS, 2).plan("fixed-seq-qk").build(), "fixedQkTokens");
        assertMessage(() -> ModelConfig.builder(VOCAB, D, HEADS, 2).plan("fixed-seq-qk")
                .fixedQkTokens(List.of(1, 11)).build(), "token 11", "0..10");
        assertMessage(() -> ModelConfig.builder(0, D, HEADS, 2).build(), "vocabSize=0");
        assertMessage(() -> ModelConfig.builder(VOCAB, D, HEADS, 0).build(), "layers=0");
        assertMessage(() -> ModelConfig.builder(VOCAB, D, HEADS, 2).ropeBase(0.5f).build(), "ropeBase=0.5");
        assertMessage(() -> ModelConfig.builder(VOCAB, D, HEADS, 2).plan("hybrid:bert").build(), "bert", "standard");

        DecoderLM rnd = DecoderLM.create(config(LayerPlan.of(AttentionKind.RND_EMB_QK)).build(), manager, 1);
        NDArray tooLong = manager.zeros(new Shape(1, 11), DataType.INT32);
        assertMessage(() -> rnd.forward(ps(), tooLong, false), "maxLength=10", "length 11");
        DecoderLM fixed = DecoderLM.create(config(LayerPlan.of(AttentionKind.FIXED_SEQ_QK)).build(), manager, 1);
        assertMessage(() -> fixed.forward(ps(), tooLong, false), "10 positions", "length 11");
        assertMessage(() -> rnd.forward(ps(), manager.zeros(new Shape(1, 4)), false), "integer", "float32");
    }

    private static void assertMessage(Supplier<?> action, String... parts) {
        var e = assertThrows(IllegalArgumentException.class, action::get);
        for (String p : parts) {
            assertTrue(e.getMessage().toLowerCase().contains(p.toLowerCase()), "'" + p + "' not in: " + e.getMessage());
        }
    }
}
