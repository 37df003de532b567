package org.attnlab.attention;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The attention variants a layer can hold. The names are those of the papers (see REFERENCES.md): the
 * baseline, the <i>Deconstructing Attention</i> ablations, the PaTH / FoX position encodings, and four kinds that
 * relax or remove what makes attention sinks (Gu et al. 2025): rows that must sum to 1 over the real tokens, and an
 * unlimited reach back to the first token.
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
 *   <tr><td>SIGMOID</td><td>{@link SigmoidAttention} (RoPE)</td><td>yes, rows not normalised</td></tr>
 *   <tr><td>SOFTMAX_ZERO</td><td>{@link SoftmaxZeroAttention} (RoPE)</td>
 *       <td>yes, rows sum to &lt; 1 (the rest went to the zero logit)</td></tr>
 *   <tr><td>SINK_KV</td><td>{@link SinkKvAttention} (RoPE)</td>
 *       <td>yes over the real tokens, rows sum to 1 - {@code sink_weight}; the sink slot's weight is its own hook
 *       {@code sink_weight [B,H,L]}</td></tr>
 *   <tr><td>WINDOW</td><td>{@link WindowAttention} (RoPE)</td><td>yes, 0 outside the last W keys</td></tr>
 * </table>
 * {@link #rowSum()} says what a pattern's rows add up to.
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
    PATH_FOX("path-fox", QkSource.HIDDEN, false),
    /**
     * Un-normalised sigmoid attention (Ramapuram et al. 2024; Gu et al. 2025): weights
     * {@code sigmoid(scale q_i.k_j + b)} with a fixed bias b ({@link AttentionConfig#sigmoidBias()}); rows do not sum
     * to 1, so no token has to take the mass a query does not want to spend.
     */
    SIGMOID("sigmoid", QkSource.HIDDEN, true),
    /**
     * Softmax with an extra zero logit ("softmax off by one"): {@code e^{s_ij} / (1 + sum_{j'<=i} e^{s_ij'})}, a
     * built-in place to put nothing.
     */
    SOFTMAX_ZERO("softmax-zero", QkSource.HIDDEN, true),
    /**
     * Softmax over the real keys plus one learnable key/value slot per head (Gu et al.'s learnable sink; StreamingLLM's
     * sink token without a token): the slot can take the mass, and carries its own learned value.
     */
    SINK_KV("sink-kv", QkSource.HIDDEN, true),
    /** Causal softmax attention over the last W keys only ({@link AttentionConfig#window()}): no reach to token 0. */
    WINDOW("window", QkSource.HIDDEN, true);

    /** What the rows of a kind's {@code pattern} hook add up to. */
    public enum RowSum {
        /** 1 for every query (a softmax over the real keys it sees). */
        ONE,
        /** In (0, 1): the rest of the row went somewhere that is not a real token (a zero logit, a sink slot). */
        BELOW_ONE,
        /** Any non-negative amount: each weight is on its own in (0, 1) (sigmoid attention). */
        UNNORMALISED
    }

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

    /**
     * What a row of this kind's pattern adds up to: {@link RowSum#UNNORMALISED} for SIGMOID,
     * {@link RowSum#BELOW_ONE} for SOFTMAX_ZERO and SINK_KV (the missing mass went to the zero logit, or to the sink
     * slot: the {@code sink_weight} hook), {@link RowSum#ONE} for every other kind with a pattern.
     */
    public RowSum rowSum() {
        return switch (this) {
            case SIGMOID -> RowSum.UNNORMALISED;
            case SOFTMAX_ZERO, SINK_KV -> RowSum.BELOW_ONE;
            default -> RowSum.ONE;
        };
    }

    /**
     * The hook points the block fires, in firing order (local names; the model prefixes {@code blocks.N.attn.}):
     * {@code q, k} {@code [B|1, H, L, D]} (after RoPE where used; batch 1 when the Q,K source is shared),
     * {@code v} {@code [B, H, L, D]}, PaTH's {@code w} {@code [B, H, L, D]} (unit norm) and {@code beta}
     * {@code [B, H, L]}, FoX's {@code log_forget} {@code [B, H, L]}, SINK_KV's {@code sink_weight} {@code [B, H, L]}
     * (each query's weight on the sink slot, so {@code sink_weight + sum_j pattern_ij = 1}), then {@code pattern}
     * {@code [B, H, L, L]} (over the real tokens only) and {@code z} {@code [B, H, L, D]}. MLP fires none.
     */
    public List<String> hookNames() {
        return switch (this) {
            case MLP -> List.of();
            case FOX -> List.of("q", "k", "v", "log_forget", "pattern", "z");
            case PATH -> List.of("q", "k", "v", "w", "beta", "pattern", "z");
            case PATH_FOX -> List.of("q", "k", "v", "w", "beta", "log_forget", "pattern", "z");
            case SINK_KV -> List.of("q", "k", "v", "sink_weight", "pattern", "z");
            default -> List.of("q", "k", "v", "pattern", "z");
        };
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
            case SIGMOID -> new SigmoidAttention(config);
            case SOFTMAX_ZERO -> new SoftmaxZeroAttention(config);
            case SINK_KV -> new SinkKvAttention(config);
            case WINDOW -> new WindowAttention(config);
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
