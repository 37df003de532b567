package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearnedPositionsLMTest {

    private static final int VOCAB = 5;
    private static final int MAX_LENGTH = 6;

    private NDManager m;
    private LearnedPositionsLM lm;
    private ParameterStore ps;
    private NDArray tokens;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
        LayerPlan plan = LayerPlan.of(AttentionKind.NOPE, AttentionKind.MLP, AttentionKind.STANDARD);
        ModelConfig config = ModelConfig.builder(VOCAB, 8, 2, 3).mlpWidth(12).plan(plan).build();
        lm = LearnedPositionsLM.create(config, MAX_LENGTH, m, 3);
        ps = new ParameterStore(m, false);
        tokens = m.create(new int[] {1, 3, 4, 2, 1, 3, 0, 0, 2, 4}, new Shape(2, 5));
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    /** P[:L] as {@code [L, d]}. */
    private NDArray positions(long len) {
        return lm.getParameters().get("positions").getArray().get(new NDIndex(":{}, :", len));
    }

    /** Slow reference: Emb(tokens) + P, the decoder's blocks one by one, final norm, head. */
    private NDArray byHand() {
        DecoderLM d = lm.decoder();
        NDArray x = d.embed(ps, tokens, false).add(positions(tokens.getShape().get(1)));
        for (TransformerBlock b : d.blocks()) {
            x = b.forward(ps, x, null, false, Hooks.none());
        }
        x = d.finalNorm().forward(ps, x, false);
        return x.matMul(d.getParameters().get("head").getArray().transpose());       // (B,L,d) x (d,V)
    }

    @Test
    void forwardIsTheDecoderWithPositionsAddedToTheEmbeddings() {
        NDArray logits = lm.forward(ps, tokens, false);
        assertArrayEquals(new long[] {2, 5, VOCAB}, logits.getShape().getShape());
        assertTrue(logits.allClose(byHand(), 1e-5, 1e-6, false));
        assertFalse(logits.allClose(lm.decoder().forward(ps, tokens, false), 1e-5, 1e-6, false),
                "the positions change the logits");
        assertTrue(lm.forward(ps, tokens, false, Hooks.none()).allClose(logits, 0, 0, false));
    }

    /** Logits and every parameter's gradient of one training forward pass (loss: a fixed mix of the logits). */
    private List<float[]> logitsAndGradients(NDArray input, Hooks hooks) {
        List<float[]> out = new ArrayList<>();
        try (NDManager sub = m.newSubManager();
             ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
            NDArray t = input.duplicate();
            t.attach(sub);
            NDArray logits = lm.forward(new ParameterStore(sub, false), t, true, hooks);
            NDArray c = sub.arange(0, (int) logits.size(), 1, DataType.FLOAT32).reshape(logits.getShape()).sin();
            gc.backward(logits.mul(c).sum());
            out.add(logits.toFloatArray());
        }
        for (var p : lm.getParameters().values()) {
            NDArray g = p.getArray().getGradient();
            out.add(g.toFloatArray());
            g.subi(g);
        }
        return out;
    }

    @Test
    void withoutHooksTheLayersFreeEarlyAndGiveTheSameNumbersBitForBit() {
        // no hooks: the positions enter without a hook, so the layers run scoped (intermediates freed early); a hook
        // that only observes makes them run unscoped, the form before; at the full length the table is not sliced
        NDArray full = m.create(new int[] {1, 3, 4, 2, 1, 3, 0, 0, 2, 4, 4, 1}, new Shape(2, MAX_LENGTH));
        for (NDArray input : new NDArray[] {tokens, full}) {
            List<float[]> plain = logitsAndGradients(input, Hooks.none());
            List<float[]> hooked = logitsAndGradients(input, Hooks.create().add("blocks.1.resid_mid", x -> x));
            assertEquals(hooked.size(), plain.size());
            for (int i = 0; i < plain.size(); i++) {
                assertArrayEquals(hooked.get(i), plain.get(i), (i == 0 ? "logits" : "gradient " + i) + " at length "
                        + input.getShape().get(1));
            }
        }
    }

    @Test
    void theCallersHooksRunAfterThePositionsAreAdded() {
        Map<String, NDArray> seen = new LinkedHashMap<>();
        lm.forward(ps, tokens, false, Hooks.create().record(seen, HookName.EMBED::equals));
        NDArray expected = lm.decoder().embed(ps, tokens, false).add(positions(5));
        assertTrue(seen.get(HookName.EMBED).allClose(expected, 1e-6, 1e-7, false));
        // taking the positions away again at embed leaves the plain decoder
        NDArray p = positions(5);
        NDArray undone = lm.forward(ps, tokens, false, Hooks.create().add(HookName.EMBED, x -> x.sub(p)));
        assertTrue(undone.allClose(lm.decoder().forward(ps, tokens, false), 1e-5, 1e-6, false));
    }

    @Test
    void theHookNamesFiredAreHookNames() {
        Map<String, NDArray> cache = lm.runWithCache(ps, tokens, n -> true);
        List<String> fired = new ArrayList<>(cache.keySet());
        assertEquals("logits", fired.remove(fired.size() - 1));
        assertEquals(lm.hookNames(), fired);
        assertEquals(lm.decoder().hookNames(), lm.hookNames());
        assertTrue(cache.get("logits").allClose(lm.forward(ps, tokens, false), 0, 0, false));
    }

    @Test
    void patternsAreThoseOfTheRunForEveryLayerWithOne() {
        Map<String, NDArray> patterns = lm.patterns(ps, tokens);
        assertEquals(List.of(HookName.pattern(0), HookName.pattern(2)), List.copyOf(patterns.keySet()));
        Map<String, NDArray> all = lm.runWithCache(ps, tokens, n -> true);
        for (Map.Entry<String, NDArray> e : patterns.entrySet()) {
            assertEquals(new Shape(2, 2, 5, 5), e.getValue().getShape());
            assertTrue(e.getValue().allClose(all.get(e.getKey()), 0, 0, false), e.getKey());
            NDArray rows = e.getValue().sum(new int[] {3});
            assertTrue(rows.allClose(m.ones(rows.getShape()), 1e-5, 1e-6, false), "rows sum to 1");
        }
        // layer 0 is position-free attention: its pattern differs from the plain decoder's only by the positions
        NDArray plain = lm.decoder().patterns(ps, tokens).get(HookName.pattern(0));
        assertFalse(patterns.get(HookName.pattern(0)).allClose(plain, 1e-5, 1e-6, false));
        lm.getParameters().get("positions").getArray().muli(0);
        assertTrue(lm.patterns(ps, tokens).get(HookName.pattern(0)).allClose(plain, 0, 0, false));
    }

    @Test
    void describesItselfAsItsDecoder() {
        DecoderLM d = lm.decoder();
        assertEquals(3, lm.layers());
        assertEquals(2, lm.heads());
        assertEquals(8, lm.dModel());
        assertEquals(VOCAB, lm.vocabSize());
        assertEquals(AttentionKind.MLP, lm.kindAt(1));
        assertEquals(null, lm.outputProjection(ps, 1));
        assertEquals(new Shape(8, 8), lm.outputProjection(ps, 2).getShape());
        assertSame(d.finalNorm(), lm.finalNorm());
        assertEquals(new Shape(VOCAB, 8), lm.unembedding(ps).getShape());
        assertEquals(MAX_LENGTH, lm.maxLength());
    }

    @Test
    void badInputFailsNamingTheValues() {
        var tooLong = assertThrows(IllegalArgumentException.class,
                () -> lm.forward(ps, m.zeros(new Shape(1, 7), DataType.INT32), false));
        assertTrue(tooLong.getMessage().contains("7") && tooLong.getMessage().contains("maxLength=6"),
                tooLong.getMessage());
        var noLength = assertThrows(IllegalArgumentException.class,
                () -> new LearnedPositionsLM(lm.decoder().config(), 0));
        assertTrue(noLength.getMessage().contains("0"), noLength.getMessage());
    }
}
