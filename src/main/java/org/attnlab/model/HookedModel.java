package org.attnlab.model;

import ai.djl.ndarray.NDArray;
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
    int layers();

    /** Attention heads per layer. */
    int heads();

    /** Width of the residual stream. */
    int dModel();

    /** Vocabulary size (the last dimension of the logits). */
    int vocabSize();

    /** The attention kind of layer {@code layer} (MLP layers have no pattern: {@link AttentionKind#hasPattern()}). */
    AttentionKind kindAt(int layer);

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

    /** Runs the model (inference mode) recording every activation whose name {@code names} accepts, plus {@code logits}. */
    default Map<String, NDArray> runWithCache(ParameterStore ps, NDArray tokens, Predicate<String> names) {
        Map<String, NDArray> cache = new LinkedHashMap<>();
        NDArray logits = forward(ps, tokens, false, Hooks.create().record(cache, names));
        cache.put("logits", logits);
        return cache;
    }

    /** The attention weights of every layer that has them: {@code blocks.N.attn.pattern -> [B, H, L, L]}. */
    default Map<String, NDArray> patterns(ParameterStore ps, NDArray tokens) {
        Map<String, NDArray> cache = runWithCache(ps, tokens, HookName::isPattern);
        cache.remove("logits");
        return cache;
    }
}
