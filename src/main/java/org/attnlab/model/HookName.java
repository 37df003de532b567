package org.attnlab.model;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place hook names are built and parsed, TransformerLens style: {@code embed}, {@code blocks.N.C} for a
 * per-layer component C ({@code resid_pre}, {@code attn.q} ... {@code attn.pattern}, {@code attn.z},
 * {@code attn_out}, {@code resid_mid}, {@code mlp_out}, {@code resid_post}), {@code ln_final}. N is the 0-based
 * layer index.
 *
 * <pre>{@code
 * HookName.pattern(1)                      // "blocks.1.attn.pattern"
 * HookName.of(0, HookName.RESID_POST)      // "blocks.0.resid_post"
 * HookName.parse("blocks.1.attn.z")        // Optional[Parsed[layer=1, component=attn.z]]
 * }</pre>
 */
public final class HookName {

    /** Token embeddings {@code [B, L, d]} (before layer 0). */
    public static final String EMBED = "embed";
    /** The final norm's output {@code [B, L, d]}, just before the unembedding. */
    public static final String LN_FINAL = "ln_final";

    /** Per-layer components, in firing order (attention's own points sit between resid_pre and attn_out). */
    public static final String RESID_PRE = "resid_pre";
    public static final String ATTN_OUT = "attn_out";
    public static final String RESID_MID = "resid_mid";
    public static final String MLP_OUT = "mlp_out";
    public static final String RESID_POST = "resid_post";

    /** The prefix a layer's attention block's local names get inside the layer: {@code attn.}. */
    public static final String ATTN = "attn";
    /** Attention local names (see {@code AttentionKind.hookNames()}). */
    public static final String Q = "q";
    public static final String K = "k";
    public static final String V = "v";
    public static final String PATTERN = "pattern";
    /** Sink-KV's weight on its sink slot {@code [B, H, L]} (see {@code AttentionKind.SINK_KV}). */
    public static final String SINK_WEIGHT = "sink_weight";
    public static final String Z = "z";

    /** The components a layer fires around its attention block, in order. */
    public static final List<String> LAYER_COMPONENTS = List.of(RESID_PRE, ATTN_OUT, RESID_MID, MLP_OUT, RESID_POST);

    // a layer index as layer(int) writes it (no sign, no leading zeros, fits an int): names round-trip
    private static final Pattern LAYER_NAME = Pattern.compile("blocks\\.(0|[1-9]\\d{0,8})\\.(.+)");

    /** A parsed per-layer name: {@code blocks.<layer>.<component>}. */
    public record Parsed(int layer, String component) {
        /** True for one of the attention block's own points ({@code attn.X}). */
        public boolean isAttention() {
            return component.startsWith(ATTN + ".");
        }

        /** The attention-local part ({@code pattern} of {@code attn.pattern}); the component itself otherwise. */
        public String local() {
            return isAttention() ? component.substring(ATTN.length() + 1) : component;
        }
    }

    private HookName() {
    }

    /** The scope name of layer {@code layer}: {@code blocks.<layer>} (what {@code Hooks.scope} is given). */
    public static String layer(int layer) {
        requireLayer(layer);
        return "blocks." + layer;
    }

    /** {@code blocks.<layer>.<component>}. */
    public static String of(int layer, String component) {
        if (component == null || component.isEmpty()) {
            throw new IllegalArgumentException("a hook component must be non-empty, e.g. " + LAYER_COMPONENTS);
        }
        return layer(layer) + "." + component;
    }

    /** {@code blocks.<layer>.attn.<local>} for an attention point such as {@code q}, {@code pattern}, {@code z}. */
    public static String attn(int layer, String local) {
        return of(layer, ATTN + "." + local);
    }

    /** {@code blocks.<layer>.attn.pattern}: the attention weights {@code [B, H, L, L]}. */
    public static String pattern(int layer) {
        return attn(layer, PATTERN);
    }

    /** {@code blocks.<layer>.attn.z}: per-head outputs {@code [B, H, L, D]} before the output projection. */
    public static String z(int layer) {
        return attn(layer, Z);
    }

    /** The layer and component of a per-layer name; empty for {@code embed}, {@code ln_final} and other names. */
    public static Optional<Parsed> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        Matcher m = LAYER_NAME.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(Integer.parseInt(m.group(1)), m.group(2)));
    }

    /** The layer of a per-layer name, or an exception that names the name and the expected form. */
    public static int layerOf(String name) {
        return parse(name).map(Parsed::layer).orElseThrow(() -> new IllegalArgumentException(
                "'" + name + "' is not a per-layer hook name; expected blocks.N.<component>"));
    }

    /**
     * The layer of an attention-pattern name {@code blocks.N.attn.pattern}, or an exception that names the name and
     * the expected form (for maps of patterns, such as {@link HookedModel#patterns} returns).
     */
    public static int patternLayer(String name) {
        if (!isPattern(name)) {
            throw new IllegalArgumentException("'" + name + "' is not a pattern hook name; expected "
                    + "blocks.N.attn.pattern");
        }
        return layerOf(name);
    }

    /** True when {@code name} is layer N's attention pattern. */
    public static boolean isPattern(String name) {
        return parse(name).map(p -> p.component().equals(ATTN + "." + PATTERN)).orElse(false);
    }

    private static void requireLayer(int layer) {
        if (layer < 0) {
            throw new IllegalArgumentException("layer index must be >= 0, got " + layer);
        }
    }
}
