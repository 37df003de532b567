package org.attnlab.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without hooks a layer frees its intermediates when its output is handed on ({@link TransformerBlock#forward});
 * with hooks it keeps everything, as before. Both must give the same logits and gradients, bit for bit, and the
 * arrays a hook records must still be alive after the forward pass returns.
 */
class LayerScopeTest {

    private static final List<Integer> TEXT = List.of(3, 1, 4, 1, 5, 9, 2, 6, 5, 3);

    private record Run(float[] logits, Map<String, float[]> grads, int liveArrays) {
    }

    private static Run run(DecoderLM model, NDManager manager, Hooks hooks) {
        ParameterStore ps = new ParameterStore(manager, false);
        try (NDManager step = manager.newSubManager()) {
            int[] ids = new int[2 * 7];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (i * 7 + 3) % 11;
            }
            NDArray tokens = step.create(ids, new Shape(2, 7));
            NDArray logits;
            int live;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits = model.forward(ps, tokens, true, hooks);
                live = step.getManagedArrays().size();
                gc.backward(logits.mul(logits).sum());
            }
            Map<String, float[]> grads = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : model.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    NDArray g = p.getValue().getArray().getGradient();
                    grads.put(p.getKey(), g.toFloatArray());
                    g.subi(g);
                    g.close();
                }
            }
            return new Run(logits.toFloatArray(), grads, live);
        }
    }

    @ParameterizedTest
    @EnumSource(AttentionKind.class)
    void scopedLayersGiveTheSameNumbersAndKeepFewerArrays(AttentionKind kind) {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelConfig c = ModelConfig.builder(11, 8, 2, 3).mlpWidth(12)
                    .plan(LayerPlan.of(AttentionKind.STANDARD, kind, kind)).maxLength(10).fixedQkTokens(TEXT)
                    .pathChunkSize(4).pathRank(4).build();
            DecoderLM model = DecoderLM.create(c, manager, 3);
            Run scoped = run(model, manager, Hooks.none());
            Hooks observe = Hooks.create().add("no.such.name", x -> x);          // active, fires nowhere
            Run kept = run(model, manager, observe);
            assertArrayEquals(kept.logits(), scoped.logits(), kind + " logits");
            assertEquals(kept.grads().keySet(), scoped.grads().keySet());
            for (String name : kept.grads().keySet()) {
                assertArrayEquals(kept.grads().get(name), scoped.grads().get(name), kind + " gradient of " + name);
            }
            assertTrue(scoped.liveArrays() * 3 < kept.liveArrays(), kind + ": arrays alive after the forward pass, "
                    + scoped.liveArrays() + " scoped vs " + kept.liveArrays() + " unscoped");
        }
    }

    @ParameterizedTest
    @EnumSource(value = AttentionKind.class, names = {"STANDARD", "PATH"})
    void recordedActivationsStayAliveAfterTheForwardPass(AttentionKind kind) {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelConfig c = ModelConfig.builder(11, 8, 2, 2).mlpWidth(12).plan(LayerPlan.uniform(kind, 2))
                    .maxLength(10).pathChunkSize(4).pathRank(4).build();
            DecoderLM model = DecoderLM.create(c, manager, 5);
            Map<String, NDArray> seen = new LinkedHashMap<>();
            Hooks hooks = Hooks.create().record(seen, n -> true);
            try (NDManager step = manager.newSubManager()) {
                NDArray tokens = step.create(new int[] {1, 2, 3, 4, 5, 6}, new Shape(1, 6));
                model.forward(new ParameterStore(manager, false), tokens, false, hooks);
                List<String> dead = new ArrayList<>();
                for (var e : seen.entrySet()) {
                    if (e.getValue().isReleased()) {
                        dead.add(e.getKey());
                    } else {
                        e.getValue().toFloatArray();                                 // readable
                    }
                }
                assertTrue(dead.isEmpty(), "released after the forward pass: " + dead);
                assertFalse(seen.isEmpty());
                assertTrue(seen.containsKey("blocks.1.attn.pattern") && seen.containsKey("blocks.0.resid_mid"));
            }
        }
    }
}
