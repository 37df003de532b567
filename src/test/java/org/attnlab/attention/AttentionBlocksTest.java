package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import org.attnlab.testing.GradientCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every attention block: causal, correct gradients, patterns that reproduce the output, bad input refused. */
class AttentionBlocksTest {

    private static final int B = 2;
    private static final int L = 6;
    private static final int D_MODEL = 8;
    private static final int HEADS = 2;

    private static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(3);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** A block of {@code kind}, weights ~ N(0, 0.3^2) so the nonlinearities are exercised, in {@code type}. */
    static AttentionBlock block(AttentionKind kind, DataType type, AttentionConfig config) {
        AttentionBlock b = kind.newBlock(config);
        b.setInitializer(new NormalInitializer(0.3f), Parameter.Type.WEIGHT);
        b.initialize(manager, type, new Shape(B, L, config.dModel()));
        return b;
    }

    static AttentionConfig small() {
        // chunk 4 < L, so PaTH's blockwise op runs too; a window of 3 < L, so the window cuts
        return new AttentionConfig(D_MODEL, HEADS, 10000f, 4, 4, false, 3, -1.8f);
    }

    static NDArray forward(AttentionBlock b, ParameterStore ps, NDArray hidden, NDArray qkSource, Hooks hooks) {
        AttentionInput in = b.kind().needsQkSource() ? AttentionInput.of(hidden, qkSource) : AttentionInput.of(hidden);
        return b.forward(ps, in, false, hooks);
    }

    @ParameterizedTest
    @EnumSource(AttentionKind.class)
    void newBlockBuildsTheKindAsked(AttentionKind kind) {
        AttentionBlock b = kind.newBlock(small());
        assertEquals(kind, b.kind());
        Class<?> expected = switch (kind) {
            case STANDARD, NOPE -> SoftmaxAttention.class;
            case MLP -> MlpInPlaceOfAttention.class;
            case APPROXIMATE -> ApproximateAttention.class;
            case NON_APPROXIMATE -> NonApproximateAttention.class;
            case RND_EMB_QK, FIXED_SEQ_QK, STATIC_EMB_QK -> ExternalQkAttention.class;
            case FOX -> ForgettingAttention.class;
            case PATH, PATH_FOX -> PathAttention.class;
            case SIGMOID -> SigmoidAttention.class;
            case SOFTMAX_ZERO -> SoftmaxZeroAttention.class;
            case SINK_KV -> SinkKvAttention.class;
            case WINDOW -> WindowAttention.class;
        };
        assertEquals(expected, b.getClass());
    }

    @ParameterizedTest
    @EnumSource(AttentionKind.class)
    void changingFutureTokensLeavesEarlierOutputsUnchanged(AttentionKind kind) {
        AttentionBlock b = block(kind, DataType.FLOAT32, small());
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray x = manager.randomNormal(new Shape(B, L, D_MODEL));
        NDArray s = manager.randomNormal(new Shape(1, L, D_MODEL));
        NDArray out = forward(b, ps, x, s, Hooks.none());
        assertEquals(new Shape(B, L, D_MODEL), out.getShape());
        for (int t = 1; t < L; t++) {
            NDArray x2 = x.duplicate();
            NDArray s2 = s.duplicate();
            x2.set(new NDIndex(":, {}:, :", t), manager.randomNormal(new Shape(B, L - t, D_MODEL)).mul(3));
            s2.set(new NDIndex(":, {}:, :", t), manager.randomNormal(new Shape(1, L - t, D_MODEL)).mul(3));
            NDArray out2 = forward(b, ps, x2, s2, Hooks.none());
            NDIndex past = new NDIndex(":, :{}, :", t);
            assertTrue(out.get(past).allClose(out2.get(past), 1e-5, 1e-6, false),
                    kind + ": output before position " + t + " changed when positions >= " + t + " changed");
            assertFalse(out.get(new NDIndex(":, {}:, :", t)).allClose(out2.get(new NDIndex(":, {}:, :", t))),
                    kind + ": output at positions >= " + t + " should depend on them");
        }
    }

    @ParameterizedTest
    @EnumSource(AttentionKind.class)
    void gradientsMatchFiniteDifferences(AttentionKind kind) {
        AttentionBlock b = block(kind, DataType.FLOAT64, small());
        NDArray x = manager.randomNormal(new Shape(B, L, D_MODEL)).toType(DataType.FLOAT64, false);
        NDArray s = manager.randomNormal(new Shape(1, L, D_MODEL)).toType(DataType.FLOAT64, false);
        List<NDArray> inputs = new ArrayList<>(List.of(x));
        if (kind.needsQkSource()) {
            inputs.add(s);
        }
        new GradientCheck(manager, (ps, in) -> forward(b, ps, in.get(0), in.size() > 1 ? in.get(1) : null,
                Hooks.none())).check(b, inputs, 3);
    }

    @ParameterizedTest
    @EnumSource(AttentionKind.class)
    void patternsAreCausalRowStochasticAndReproduceTheOutput(AttentionKind kind) {
        AttentionBlock b = block(kind, DataType.FLOAT64, small());
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray x = manager.randomNormal(new Shape(B, L, D_MODEL)).toType(DataType.FLOAT64, false);
        NDArray s = manager.randomNormal(new Shape(1, L, D_MODEL)).toType(DataType.FLOAT64, false);
        List<NDArray> seen = new ArrayList<>();
        Hooks hooks = Hooks.create().add("pattern", a -> {
            seen.add(a);
            return a;
        });
        NDArray withPattern = forward(b, ps, x, s, hooks);
        NDArray fast = forward(b, ps, x, s, Hooks.none());
        assertTrue(withPattern.allClose(fast, 1e-9, 1e-10, false), kind + ": pattern . v differs from the op");
        if (!kind.hasPattern()) {
            assertTrue(seen.isEmpty(), kind + " has no pattern");
            return;
        }
        assertEquals(1, seen.size());
        NDArray a = seen.get(0);
        assertEquals(new Shape(B, HEADS, L, L), a.getShape());
        double[] rows = a.sum(new int[]{-1}).toDoubleArray();
        for (int r = 0; r < rows.length; r++) {
            int query = r % L;
            switch (kind.rowSum()) {
                case ONE -> assertEquals(1.0, rows[r], 1e-9);
                case BELOW_ONE -> assertTrue(rows[r] > 0 && rows[r] < 1, kind + ": row sum " + rows[r]);
                case UNNORMALISED -> assertTrue(rows[r] > 0 && rows[r] < query + 1, kind + ": row sum " + rows[r]);
            }
        }
        NDArray above = a.mul(AttentionOps.causalMask(manager, L).toType(DataType.FLOAT64, false).neg().add(1));
        assertEquals(0.0, above.abs().max().getDouble(), 0.0, "weight above the diagonal");
        assertTrue(a.min().getDouble() >= 0, "negative weight");
        if (kind == AttentionKind.WINDOW) {
            NDArray inBand = AttentionOps.windowBias(manager, L, 3, DataType.FLOAT64).exp();   // 1 in the band, else 0
            assertEquals(0.0, a.mul(inBand.neg().add(1)).abs().max().getDouble(), 0.0, "weight outside the window");
        }
    }

    @Test
    void sinkKvHandsTheSlotWeightApartFromThePattern() {
        AttentionBlock b = block(AttentionKind.SINK_KV, DataType.FLOAT64, small());
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray x = manager.randomNormal(new Shape(B, L, D_MODEL)).toType(DataType.FLOAT64, false);
        java.util.Map<String, NDArray> seen = new java.util.LinkedHashMap<>();
        forward(b, ps, x, null, Hooks.create().record(seen, n -> true));
        assertEquals(AttentionKind.SINK_KV.hookNames(), new ArrayList<>(seen.keySet()));
        NDArray sink = seen.get("sink_weight");
        assertEquals(new Shape(B, HEADS, L), sink.getShape());
        assertTrue(sink.add(seen.get("pattern").sum(new int[] {3})).allClose(manager.ones(new Shape(B, HEADS, L))
                .toType(DataType.FLOAT64, false), 1e-12, 1e-12, false), "slot + real keys = 1");
        assertTrue(sink.min().getDouble() > 0 && sink.max().getDouble() < 1);
        // the slot's weight to zero: z is the pattern over the real tokens times v, nothing of v*
        List<NDArray> zs = new ArrayList<>();
        Hooks noSink = Hooks.create().add("sink_weight", w -> w.zerosLike()).add("z", z -> {
            zs.add(z);
            return z;
        });
        forward(b, ps, x, null, noSink);
        NDArray v = seen.get("v");
        assertTrue(zs.get(0).allClose(seen.get("pattern").matMul(v), 1e-12, 1e-12, false));
        // and v* is what the slot adds: with the pattern zeroed, z_i = sink_weight_i v*
        zs.clear();
        Hooks onlySink = Hooks.create().add("pattern", p -> p.zerosLike()).add("z", z -> {
            zs.add(z);
            return z;
        });
        forward(b, ps, x, null, onlySink);
        NDArray vStar = b.getParameters().get("sink_value_bias").getArray().reshape(1, HEADS, 1, D_MODEL / HEADS);
        assertTrue(zs.get(0).allClose(sink.expandDims(3).mul(vStar), 1e-12, 1e-12, false));
    }

    @Test
    void aReplacedPatternIsUsed() {
        AttentionBlock b = block(AttentionKind.STANDARD, DataType.FLOAT64, small());
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray x = manager.randomNormal(new Shape(B, L, D_MODEL)).toType(DataType.FLOAT64, false);
        // identity pattern: each token attends to itself, so z = v
        NDArray eye = manager.eye(L).toType(DataType.FLOAT64, false).broadcast(B, HEADS, L, L);
        List<NDArray> zs = new ArrayList<>();
        Hooks hooks = Hooks.create().add("pattern", a -> eye).add("z", z -> {
            zs.add(z);
            return z;
        });
        forward(b, ps, x, null, hooks);
        NDArray wv = b.getParameters().get("wv").getArray();
        NDArray v = x.matMul(wv).reshape(B, L, HEADS, D_MODEL / HEADS).transpose(0, 2, 1, 3);
        assertTrue(zs.get(0).allClose(v, 1e-12, 1e-12, false));
    }

    @Test
    void externalQkPatternIsTheSameForEveryInputWhenTheSourceIsShared() {
        AttentionBlock b = block(AttentionKind.RND_EMB_QK, DataType.FLOAT32, small());
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray s = manager.randomNormal(new Shape(1, L, D_MODEL));
        List<NDArray> seen = new ArrayList<>();
        Hooks hooks = Hooks.create().add("pattern", a -> {
            seen.add(a);
            return a;
        });
        forward(b, ps, manager.randomNormal(new Shape(B, L, D_MODEL)), s, hooks);
        forward(b, ps, manager.randomNormal(new Shape(B, L, D_MODEL)), s, hooks);
        assertTrue(seen.get(0).allClose(seen.get(1)));
        assertTrue(seen.get(0).get(0).allClose(seen.get(0).get(1)), "batch rows share one pattern");
    }

    @Test
    void withTheHiddenStateAsSourceExternalQkIsStandardAttention() {
        AttentionBlock std = block(AttentionKind.STANDARD, DataType.FLOAT64, small());
        AttentionBlock ext = block(AttentionKind.STATIC_EMB_QK, DataType.FLOAT64, small());
        ParameterStore ps = new ParameterStore(manager, false);
        for (String name : List.of("wq", "wk", "wv", "wo")) {
            ext.getParameters().get(name).getArray().set(std.getParameters().get(name).getArray().toDoubleArray());
        }
        NDArray x = manager.randomNormal(new Shape(B, L, D_MODEL)).toType(DataType.FLOAT64, false);
        assertTrue(std.forward(ps, AttentionInput.of(x), false, Hooks.none())
                .allClose(ext.forward(ps, AttentionInput.of(x, x), false, Hooks.none()), 1e-12, 1e-12, false));
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 12, 64, 96, 512, 896})
    void mlpVariantHasTheParameterCountOfTheAttentionItReplaces(int dModel) {
        MlpInPlaceOfAttention mlp = new MlpInPlaceOfAttention(AttentionConfig.of(dModel, 2));
        long attention = 0;
        for (var p : new SoftmaxAttention(AttentionKind.STANDARD, AttentionConfig.of(dModel, 2))
                .getParameters().values()) {
            attention += p.getShape().size();
        }
        long mlpCount = 0;
        for (var p : mlp.getParameters().values()) {
            mlpCount += p.getShape().size();
        }
        assertEquals(AttentionBlock.standardParameterCount(dModel), attention);
        assertEquals(3L * dModel * mlp.width(), mlpCount);
        // rounding the width moves the count by at most 1.5 dModel
        assertTrue(Math.abs(mlpCount - attention) <= 1.5 * dModel, "MLP " + mlpCount + " vs attention " + attention);
        assertEquals(Math.round(4.0 * dModel / 3), mlp.width());
        assertEquals(mlp.width(), SwiGLU.matchedWidth(attention, dModel));
    }

    @Test
    void badSizesFailNamingTheValues() {
        var e = assertThrows(IllegalArgumentException.class, () -> AttentionConfig.of(10, 3));
        assertTrue(e.getMessage().contains("dModel=10") && e.getMessage().contains("heads=3"), e.getMessage());
        var odd = assertThrows(IllegalArgumentException.class,
                () -> AttentionKind.STANDARD.newBlock(AttentionConfig.of(6, 2)));
        assertTrue(odd.getMessage().contains("headDim=3"), odd.getMessage());
        AttentionKind.NOPE.newBlock(AttentionConfig.of(6, 2)); // no RoPE, odd headDim is fine
        AttentionKind.PATH.newBlock(AttentionConfig.of(6, 2));

        AttentionBlock ext = block(AttentionKind.FIXED_SEQ_QK, DataType.FLOAT32, small());
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray x = manager.randomNormal(new Shape(B, L, D_MODEL));
        var noSource = assertThrows(IllegalArgumentException.class,
                () -> ext.forward(ps, AttentionInput.of(x), false, Hooks.none()));
        assertTrue(noSource.getMessage().contains("fixed-seq-qk"), noSource.getMessage());
        var wrongWidth = assertThrows(IllegalArgumentException.class, () -> ext.forward(ps,
                AttentionInput.of(manager.randomNormal(new Shape(B, L, 5)), manager.randomNormal(new Shape(B, L, 5))), false, Hooks.none()));
        assertTrue(wrongWidth.getMessage().contains("dModel=8"), wrongWidth.getMessage());
        var badSource = assertThrows(IllegalArgumentException.class,
                () -> AttentionInput.of(x, manager.randomNormal(new Shape(B, L + 1, D_MODEL))));
        assertTrue(badSource.getMessage().contains("(2, 7, 8)"), badSource.getMessage());
    }

    @Test
    void hooksScopeNamesAndNoneFiresNothing() {
        List<String> names = new ArrayList<>();
        Hooks h = Hooks.create().add(n -> true, (n, a) -> {
            names.add(n);
            return a;
        });
        NDArray x = manager.ones(new Shape(1));
        h.scope("blocks.3").scope("attn").apply("pattern", x);
        assertEquals(List.of("blocks.3.attn.pattern"), names);
        assertTrue(h.scope("blocks.3").wants("anything"));
        assertFalse(Hooks.none().wants("pattern"));
        assertArrayEquals(x.toFloatArray(), Hooks.none().scope("x").apply("y", x).toFloatArray());
    }

    @Test
    void thenRunsTheFirstHooksThenTheSecondOnEachName() {
        NDArray x = manager.ones(new Shape(1));
        Hooks plusOne = Hooks.create().add("embed", a -> a.add(1f));
        List<Float> seenBySecond = new ArrayList<>();
        Hooks timesTen = Hooks.create().add("embed", a -> {
            seenBySecond.add(a.getFloat(0));
            return a.mul(10f);
        });
        Hooks both = plusOne.then(timesTen);
        assertEquals(20f, both.apply("embed", x).getFloat(0), 0f);             // (1 + 1) * 10, not 1 * 10 + 1
        assertEquals(List.of(2f), seenBySecond);
        assertEquals(11f, timesTen.then(plusOne).apply("embed", x).getFloat(0), 0f);
        assertEquals(1f, both.apply("other", x).getFloat(0), 0f);
        assertTrue(both.wants("embed"));
        assertFalse(both.wants("blocks.0.x"));

        // a snapshot: hooks added later to either part, or to the result, stay where they were added
        plusOne.add("embed", a -> a.add(100f));
        assertEquals(20f, both.apply("embed", x).getFloat(0), 0f);
        both.add("embed", a -> a.neg());
        assertEquals(-20f, both.apply("embed", x).getFloat(0), 0f);
        assertEquals(10f, timesTen.apply("embed", x).getFloat(0), 0f);

        assertTrue(Hooks.none().then(Hooks.none()).isEmpty());
        assertTrue(Hooks.create().isEmpty() && Hooks.none().isEmpty() && !plusOne.isEmpty());
        assertEquals(20f, Hooks.none().then(timesTen).then(Hooks.none()).apply("embed", x.add(1f)).getFloat(0), 0f);
        assertThrows(IllegalArgumentException.class, () -> plusOne.then(null));
        var scoped = assertThrows(IllegalStateException.class, () -> plusOne.scope("blocks.1").then(timesTen));
        assertTrue(scoped.getMessage().contains("blocks.1."), scoped.getMessage());
    }
}
