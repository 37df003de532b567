package org.attnlab.attention;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The attention variants a layer can hold. The names are those of the papers (see REFERENCES.md): the
 * baseline, the <i>Deconstructing Attention</i> ablations, and the PaTH / FoX position encodings.
 *
 * <table>
 *   <tr><th>kind</th><th>block</th><th>pattern [b,h,L,L]</th></tr>
 *   <tr><td>STANDARD</td><td>{@link SoftmaxAttention} with RoPE</td><td>yes</td></tr>
 *   <tr><td>NOPE</td><td>{@link SoftmaxAttention} without position encoding</td><td>yes</td></tr>
 *   <tr><td>MLP</td><td>{@link MlpInPlaceOfAttention}: no token mixing</td><td>none</td></tr>
 *   <tr><td>APPROXIMATE</td><td>{@link ApproximateAttention} (2nd-order Taylor, RoPE)</td><td>yes</td></tr>
 *   <tr><td>NON_APPROXIMATE</td><td>{@link NonApproximateAttention} (one score per key)</td>
 *       <td>yes, the implied {@code e^{s_j} / sum_{j'<=i} e^{s_j'}}</td></tr>
 *   <tr><td>RND_EMB_QK, FIXED_SEQ_QK, STATIC_EMB_QK</td><td>{@link ExternalQkAttention} (RoPE)</td><td>yes</td></tr>
 *   <tr><td>FOX</td><td>{@link ForgettingAttention} (no RoPE)</td><td>yes</td></tr>
 *   <tr><td>PATH, PATH_FOX</td><td>{@link PathAttention} (no RoPE)</td><td>yes</td></tr>
 * </table>
 */
public enum AttentionKind {
    /** Multi-head causal softmax attention with rotary position embedding: the baseline. */
    STANDARD("standard", QkSource.HIDDEN, true),
    /** Softmax attention with no position encoding at all (NoPE). */
    NOPE("nope", QkSource.HIDDEN, false),
    /** A gated MLP {@code Down(SiLU(Gate(H)) * Up(H))} with the attention block's parameter count: no token mixing. */
    MLP("mlp", QkSource.HIDDEN, false),
    /** Weights {@code 1 + s + s^2/2} (2nd-order Taylor of exp) normalised over the prefix. */
    APPROXIMATE("approximate", QkSource.HIDDEN, true),
    /** One scalar score per key {@code s_j = scale q_j.k_j}, {@code q = SiLU(H W_Q)}: no pairwise similarity. */
    NON_APPROXIMATE("non-approximate", QkSource.HIDDEN, false),
    /** Q,K from a fixed random input {@code eps ~ N(0, s^2 I)} passed through the stack below; V from the real input. */
    RND_EMB_QK("rnd-emb-qk", QkSource.RANDOM_STREAM, true),
    /** Q,K from a fixed real token sequence passed through the stack below; V from the real input. */
    FIXED_SEQ_QK("fixed-seq-qk", QkSource.FIXED_SEQUENCE_STREAM, true),
    /** Q,K from the static token embeddings {@code Emb(t)}; V from the hidden state. */
    STATIC_EMB_QK("static-emb-qk", QkSource.TOKEN_EMBEDDINGS, true),
    /** PaTH: accumulated data-dependent Householder transformations between key and query. */
    PATH("path", QkSource.HIDDEN, false),
    /** FoX: softmax attention with a per-head data-dependent forget gate. */
    FOX("fox", QkSource.HIDDEN, false),
    /** PaTH with FoX's forget gate. */
    PATH_FOX("path-fox", QkSource.HIDDEN, false);

    /** Where a kind takes its queries and keys from. Values always come from the layer's own hidden state. */
    public enum QkSource {
        /** The layer's own (normalised) hidden state, as in standard attention. */
        HIDDEN,
        /** The same layer's hidden state when the stack runs on a fixed random input. */
        RANDOM_STREAM,
        /** The same layer's hidden state when the stack runs on a fixed token sequence. */
        FIXED_SEQUENCE_STREAM,
        /** The static token embeddings. */
        TOKEN_EMBEDDINGS
    }

    private final String label;
    private final QkSource qkSource;
    private final boolean rope;

    AttentionKind(String label, QkSource qkSource, boolean rope) {
        this.label = label;
        this.qkSource = qkSource;
        this.rope = rope;
    }

    /** The lower-case name used in configs and on the command line, e.g. {@code rnd-emb-qk}. */
    public String label() {
        return label;
    }

    /** Where queries and keys come from. */
    public QkSource qkSource() {
        return qkSource;
    }

    /** True when the block applies RoPE to q and k (FoX can opt in, see {@link AttentionConfig#foxRope()}). */
    public boolean usesRope() {
        return rope;
    }

    /** True when the block has attention weights {@code [b,h,L,L]} to hand out (every kind but MLP). */
    public boolean hasPattern() {
        return this != MLP;
    }

    /** True when the block needs a {@link AttentionInput#qkSource()} other than its hidden state. */
    public boolean needsQkSource() {
        return qkSource != QkSource.HIDDEN;
    }

    /** A new, uninitialised block of this kind. */
    public AttentionBlock newBlock(AttentionConfig config) {
        return switch (this) {
            case STANDARD, NOPE -> new SoftmaxAttention(this, config);
            case MLP -> new MlpInPlaceOfAttention(config);
            case APPROXIMATE -> new ApproximateAttention(config);
            case NON_APPROXIMATE -> new NonApproximateAttention(config);
            case RND_EMB_QK, FIXED_SEQ_QK, STATIC_EMB_QK -> new ExternalQkAttention(this, config);
            case FOX -> new ForgettingAttention(config);
            case PATH, PATH_FOX -> new PathAttention(this, config);
        };
    }

    /**
     * Parses a kind by name, ignoring case, '-', '_' and spaces: {@code standard}, {@code RndEmbQK},
     * {@code path_fox}, {@code PaTH-FoX} all work. An unknown name fails listing the known ones.
     */
    public static AttentionKind parse(String name) {
        String wanted = normalise(name);
        for (AttentionKind k : values()) {
            if (normalise(k.label).equals(wanted)) {
                return k;
            }
        }
        throw new IllegalArgumentException("Unknown attention kind '" + name + "'; known: " + known());
    }

    /** The known names, {@code |}-separated. */
    public static String known() {
        return Arrays.stream(values()).map(AttentionKind::label).collect(Collectors.joining("|"));
    }

    private static String normalise(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT).replaceAll("[-_ ]", "");
    }
}
