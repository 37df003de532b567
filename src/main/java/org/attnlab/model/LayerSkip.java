package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import org.attnlab.attention.Hooks;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Evaluating a trained model without some of its layers, as hooks: the model itself is never changed, so nothing
 * needs resetting afterwards. For each chosen layer i:
 * <pre>
 *   layers(S):     blocks.i.resid_post := blocks.i.resid_pre    the whole layer becomes the identity
 *   attention(S):  blocks.i.attn_out   := 0                     only the attention sub-layer is dropped; the MLP runs
 * </pre>
 * The hybrid-skip of <i>Deconstructing Attention</i> is {@code variantLayers(plan)}: a trained hybrid evaluated
 * without its variant layers, no retraining.
 *
 * <pre>{@code
 * Map<String, Double> m = trainer.evaluate(val, 4, LayerSkip.variantLayers(model.config().plan()));
 * NDArray logits = model.forward(ps, tokens, false, LayerSkip.layers(Set.of(1, 3)));
 * }</pre>
 *
 * A skipped layer still runs (its result is discarded), so it costs the same time as a plain pass; the numbers are
 * those of a model without the layer. Compose with other hooks by {@link Hooks#then}.
 */
public final class LayerSkip {

    private LayerSkip() {
    }

    /** Hooks that make every layer in {@code layers} the identity: its {@code resid_post} is its {@code resid_pre}. */
    public static Hooks layers(Set<Integer> layers) {
        SortedSet<Integer> chosen = check(layers);
        if (chosen.isEmpty()) {
            return Hooks.none();
        }
        Set<String> names = new HashSet<>();
        for (int i : chosen) {
            names.add(HookName.of(i, HookName.RESID_PRE));
            names.add(HookName.of(i, HookName.RESID_POST));
        }
        Map<Integer, NDArray> residPre = new HashMap<>();          // the stream entering each skipped layer
        return Hooks.create().add(names::contains, (name, x) -> {
            HookName.Parsed p = HookName.parse(name).orElseThrow();
            if (p.component().equals(HookName.RESID_PRE)) {
                residPre.put(p.layer(), x);
                return x;
            }
            NDArray pre = residPre.remove(p.layer());
            if (pre == null) {
                throw new IllegalStateException(name + " fired before " + HookName.of(p.layer(), HookName.RESID_PRE)
                        + "; a model must fire a layer's resid_pre before its resid_post");
            }
            return pre;
        });
    }

    /** Hooks that drop the attention sub-layer of every layer in {@code layers}: its {@code attn_out} is zero. */
    public static Hooks attention(Set<Integer> layers) {
        SortedSet<Integer> chosen = check(layers);
        if (chosen.isEmpty()) {
            return Hooks.none();
        }
        Set<String> names = new HashSet<>();
        for (int i : chosen) {
            names.add(HookName.of(i, HookName.ATTN_OUT));
        }
        return Hooks.create().add(names::contains, (name, x) -> x.zerosLike());
    }

    /** {@link #layers} of the plan's variant layers ({@link LayerPlan#isVariant}): the paper's hybrid-skip. */
    public static Hooks variantLayers(LayerPlan plan) {
        return layers(new TreeSet<>(plan.variantIndices()));
    }

    /** {@link #attention} of the plan's variant layers: their MLPs still run. */
    public static Hooks variantAttention(LayerPlan plan) {
        return attention(new TreeSet<>(plan.variantIndices()));
    }

    private static SortedSet<Integer> check(Set<Integer> layers) {
        if (layers == null) {
            throw new IllegalArgumentException("layers must be a set of 0-based layer indices (Set.of() for none), "
                    + "not null");
        }
        SortedSet<Integer> out = new TreeSet<>();
        for (Integer i : layers) {
            if (i == null || i < 0) {
                throw new IllegalArgumentException("layer indices must be >= 0; got " + i + " in " + layers);
            }
            out.add(i);
        }
        return out;
    }
}
