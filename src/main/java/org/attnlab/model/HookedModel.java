package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A model you can run with hooks: the seam every probe takes. A language model over token ids whose activations
 * pass through {@link Hooks} under the names of {@link HookName}, so a probe records, ablates or patches them without
 * knowing the model's class. {@link DecoderLM} and the learned-positions model implement it; so can any model that
 * fires the same names.
 *
 * <pre>{@code
 * Map<String, NDArray> cache = model.runWithCache(ps, tokens, HookName::isPattern);
 * NDArray p1 = cache.get(HookName.pattern(1));      // [B, H, L, L]
 * }</pre>
 *
 * <p>With {@link #registers()} k &gt; 0 (register tokens prepended to every sequence, see {@link DecoderLM}), the hooks
 * fire over k+L positions, registers first; {@link #runWithCache} and {@link #patterns} hand back the L real
 * positions only ({@link #realPositions}), so a probe indexes position p as token p whatever k is, and
 * {@link #runWithRawCache} keeps the registers (e.g. to measure the attention they receive).
 */
public interface HookedModel extends Block {

    /**
     * Logits {@code [B, L, vocab]} for tokens {@code [B, L]}, passing every activation through {@code hooks}
     * ({@link Hooks#none()} for a plain forward). A hook's replacement is used from there on.
     */
    NDArray forward(ParameterStore ps, NDArray tokens, boolean training, Hooks hooks);

    /** Every hook name this model fires, in firing order. */
    List<String> hookNames();

    /** The configuration the model was built from (sizes, layer plan, attention settings such as the logit scale). */
    ModelConfig config();

    /** Number of layers. */
    default int layers() {
        return config().layers();
    }

    /** Attention heads per layer. */
    default int heads() {
        return config().heads();
    }

    /** Width of the residual stream. */
    default int dModel() {
        return config().dModel();
    }

    /** Vocabulary size (the last dimension of the logits). */
    default int vocabSize() {
        return config().vocabSize();
    }

    /** The attention kind of layer {@code layer} (MLP layers have no pattern: {@link AttentionKind#hasPattern()}). */
    default AttentionKind kindAt(int layer) {
        return config().plan().kindAt(layer);
    }

    /**
     * Layer {@code layer}'s attention output projection {@code W_O} as {@code [H*D, dModel]} (so that head h's
     * contribution to the residual stream is {@code z_h W_O[h*D:(h+1)*D, :]}), or null for a layer whose kind
     * has no heads (MLP).
     */
    NDArray outputProjection(ParameterStore ps, int layer);

    /**
     * The unembedding {@code [vocab, dModel]} (logits = {@code ln_final . W_U^T}) and the final norm: what direct
     * logit attribution needs to map a residual-stream direction onto the logits.
     */
    NDArray unembedding(ParameterStore ps);

    /** The final RMSNorm (its scale multiplies the residual stream before the unembedding). */
    RMSNorm finalNorm();

    /**
     * The number of register tokens the model prepends to every sequence ({@link ModelConfig#registers()}); 0 for
     * none. Hook tensors after {@code embed} then cover {@code registers() + L} positions, registers first.
     */
    default int registers() {
        return config().registers();
    }

    /**
     * Runs the model (inference mode) recording every activation whose name {@code names} accepts, plus
     * {@code logits}, at the real token positions only: with registers, each recorded array is cut by
     * {@link #realPositions} (without, this is {@link #runWithRawCache}).
     */
    default Map<String, NDArray> runWithCache(ParameterStore ps, NDArray tokens, Predicate<String> names) {
        Map<String, NDArray> cache = runWithRawCache(ps, tokens, names);
        int k = registers();
        if (k > 0) {
            cache.replaceAll((name, x) -> name.equals("logits") ? x : realPositions(name, x, k));
        }
        return cache;
    }

    /**
     * {@link #runWithCache} with every array as the hook saw it: with k registers, {@code [.., k+L, ..]} with the
     * registers first (see {@link DecoderLM} for the layout).
     */
    default Map<String, NDArray> runWithRawCache(ParameterStore ps, NDArray tokens, Predicate<String> names) {
        Map<String, NDArray> cache = new LinkedHashMap<>();
        NDArray logits = forward(ps, tokens, false, Hooks.create().record(cache, names));
        cache.put("logits", logits);
        return cache;
    }

    /**
     * The real-token part of hook {@code name}'s array when {@code registers} register positions come first: the
     * residual-stream arrays {@code [B, k+L, d]} lose their first k positions, the attention arrays
     * {@code [B, H, k+L, ..]} theirs on axis 2, and a {@code pattern} {@code [B, H, k+L, k+L]} becomes
     * {@code [B, H, L, L]} (real queries and keys; its rows then sum to 1 minus the mass on the registers).
     * {@code embed} (fired before the registers are prepended) and {@code logits} are returned as they are.
     */
    static NDArray realPositions(String name, NDArray x, int registers) {
        if (registers == 0 || name.equals(HookName.EMBED) || name.equals("logits")) {
            return x;
        }
        boolean attention = HookName.parse(name).map(HookName.Parsed::isAttention).orElse(false);
        if (!attention) {
            return x.get(new NDIndex(":, {}:", registers));                              // (B,k+L,d) -> (B,L,d)
        }
        if (HookName.isPattern(name)) {
            return x.get(new NDIndex(":, :, {}:, {}:", registers, registers));            // -> (B,H,L,L)
        }
        return x.get(new NDIndex(":, :, {}:", registers));                                // (B,H,k+L,..) -> (B,H,L,..)
    }

    /**
     * The attention weights of every layer that has them: {@code blocks.N.attn.pattern -> [B, H, L, L]}, over the real
     * tokens (with registers, {@link #realPositions}).
     */
    default Map<String, NDArray> patterns(ParameterStore ps, NDArray tokens) {
        Map<String, NDArray> cache = runWithCache(ps, tokens, HookName::isPattern);
        cache.remove("logits");
        return cache;
    }
}
