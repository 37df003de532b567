package org.attnlab.model;

import org.attnlab.attention.AttentionConfig;
import org.attnlab.attention.AttentionKind;

import java.util.List;

/**
 * Everything that fixes a {@link DecoderLM}'s shape, immutable, validated at construction (a bad value fails
 * naming it and what is allowed). Build with {@link #builder(int, int, int, int)}.
 *
 * @param vocabSize     tokens 0..vocabSize-1
 * @param dModel        residual width
 * @param heads         attention heads; must divide dModel; headDim even when a layer uses RoPE
 * @param layers        depth
 * @param mlpWidth      MLP hidden width (SwiGLU's, or GELU's with {@code geluMlp})
 * @param ropeBase      RoPE frequency base
 * @param tieEmbeddings LM head shares the token embedding matrix
 * @param plan          attention kind per layer; {@code plan.depth() == layers}
 * @param maxLength     longest input the fixed Q,K streams cover (RndEmbQK's random input, FixedSeqQK's tokens);
 *                      other kinds take any length; also the n of the default sigmoid bias {@code -log n}
 * @param rndEmbStd     s in RndEmbQK's {@code eps ~ N(0, s^2 I)}
 * @param fixedQkTokens FixedSeqQK's fixed text (at least as long as any input), empty otherwise
 * @param pathRank      rank of PaTH's w projection
 * @param pathChunkSize PaTH switches from the dense to the blockwise op beyond this length
 * @param foxRope       FoX layers also apply RoPE
 * @param normEps       RMSNorm epsilon
 * @param window        W of window-attention layers ({@link AttentionKind#WINDOW}): the last W keys, itself included
 * @param sigmoidBias   the fixed b of sigmoid-attention layers ({@link AttentionKind#SIGMOID}); default
 *                      {@code -log(maxLength)} (Ramapuram et al.)
 * @param registers     k learnable register tokens prepended to every sequence (Darcet et al. 2024), 0 for none;
 *                      see {@link DecoderLM} for how hooks and logits are laid out with them
 * @param geluMlp       blocks use GPT-2's MLP ({@link org.attnlab.attention.GeluMlp}, hidden width
 *                      {@code mlpWidth}) instead of SwiGLU
 * @param layerNorm     every norm is LayerNorm without a bias (a {@linkplain RMSNorm#centered centered} RMSNorm)
 * @param normalizedResidual blocks normalise the residual stream itself before attention, as the iteration-heads
 *                      paper's code does: {@code x = norm1(x); x = x + attn(x); x = x + mlp(norm2(x))}
 *                      ({@link TransformerBlock})
 */
public record ModelConfig(int vocabSize, int dModel, int heads, int layers, int mlpWidth, float ropeBase,
                          boolean tieEmbeddings, LayerPlan plan, int maxLength, float rndEmbStd,
                          List<Integer> fixedQkTokens, int pathRank, int pathChunkSize, boolean foxRope,
                          float normEps, int window, float sigmoidBias, int registers, boolean geluMlp,
                          boolean layerNorm, boolean normalizedResidual) {

    public ModelConfig {
        positive("vocabSize", vocabSize);
        positive("dModel", dModel);
        positive("heads", heads);
        positive("layers", layers);
        positive("mlpWidth", mlpWidth);
        positive("maxLength", maxLength);
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("dModel=" + dModel + " is not divisible by heads=" + heads);
        }
        if (plan == null) {
            throw new IllegalArgumentException("plan is null; use LayerPlan.uniform(AttentionKind.STANDARD, layers)");
        }
        if (plan.depth() != layers) {
            throw new IllegalArgumentException("plan has " + plan.depth() + " layers but layers=" + layers + ": "
                    + plan);
        }
        int headDim = dModel / heads;
        for (AttentionKind k : plan.kinds()) {
            if ((k.usesRope() || (k == AttentionKind.FOX && foxRope)) && headDim % 2 != 0) {
                throw new IllegalArgumentException("headDim=dModel/heads=" + dModel + "/" + heads + "=" + headDim
                        + " must be even for RoPE, which layer kind " + k.label() + " uses");
            }
        }
        fixedQkTokens = fixedQkTokens == null ? List.of() : List.copyOf(fixedQkTokens);
        if (plan.uses(AttentionKind.FIXED_SEQ_QK) && fixedQkTokens.isEmpty()) {
            throw new IllegalArgumentException("plan uses fixed-seq-qk but fixedQkTokens is empty; give the fixed "
                    + "text's tokens (e.g. the first maxLength=" + maxLength + " tokens of the corpus)");
        }
        for (int t : fixedQkTokens) {
            if (t < 0 || t >= vocabSize) {
                throw new IllegalArgumentException("fixedQkTokens holds token " + t + " outside 0.." + (vocabSize - 1));
            }
        }
        if (plan.uses(AttentionKind.RND_EMB_QK) && !(rndEmbStd > 0)) {
            throw new IllegalArgumentException("rnd-emb-qk needs rndEmbStd > 0; got rndEmbStd=" + rndEmbStd);
        }
        if (!(normEps > 0)) {
            throw new IllegalArgumentException("normEps must be > 0; got normEps=" + normEps);
        }
        if (registers < 0) {
            throw new IllegalArgumentException("registers must be >= 0 (the number of register tokens prepended to "
                    + "every sequence; 0 for none); got registers=" + registers);
        }
        if (registers > 0) {
            for (AttentionKind k : plan.kinds()) {
                if (k.needsQkSource()) {
                    throw new IllegalArgumentException("registers=" + registers + " need layer kinds that take Q,K "
                            + "from the hidden state; " + k.label() + " takes them from " + k.qkSource()
                            + ", which has no register positions (use registers=0 with it)");
                }
            }
        }
        // ropeBase, pathRank, pathChunkSize, window, sigmoidBias: AttentionConfig checks them
        new AttentionConfig(dModel, heads, ropeBase, pathRank, pathChunkSize, foxRope, window, sigmoidBias);
    }

    /** The sizes the attention blocks are built with. */
    public AttentionConfig attentionConfig() {
        return new AttentionConfig(dModel, heads, ropeBase, pathRank, pathChunkSize, foxRope, window, sigmoidBias);
    }

    public int headDim() {
        return dModel / heads;
    }

    /** The same config with another plan (same depth). */
    public ModelConfig withPlan(LayerPlan p) {
        return new ModelConfig(vocabSize, dModel, heads, layers, mlpWidth, ropeBase, tieEmbeddings, p, maxLength,
                rndEmbStd, fixedQkTokens, pathRank, pathChunkSize, foxRope, normEps, window, sigmoidBias, registers,
                geluMlp, layerNorm, normalizedResidual);
    }

    /** LLaMA's SwiGLU width for a 4x MLP budget: {@code 8 dModel / 3}, rounded up to a multiple of 8. */
    public static int defaultMlpWidth(int dModel) {
        int w = (int) Math.ceil(8.0 * dModel / 3.0);
        return (w + 7) / 8 * 8;
    }

    /** A builder with the required sizes; everything else has a default (see the setters). */
    public static Builder builder(int vocabSize, int dModel, int heads, int layers) {
        return new Builder(vocabSize, dModel, heads, layers);
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        Builder b = new Builder(vocabSize, dModel, heads, layers);
        b.mlpWidth = mlpWidth;
        b.ropeBase = ropeBase;
        b.tie = tieEmbeddings;
        b.plan = plan;
        b.maxLength = maxLength;
        b.rndEmbStd = rndEmbStd;
        b.fixedQkTokens = fixedQkTokens;
        b.pathRank = pathRank;
        b.pathChunkSize = pathChunkSize;
        b.foxRope = foxRope;
        b.normEps = normEps;
        b.window = window;
        b.sigmoidBias = sigmoidBias;
        b.registers = registers;
        b.gelu = geluMlp;
        b.layerNorm = layerNorm;
        b.normalizedResidual = normalizedResidual;
        return b;
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive; got " + name + "=" + value);
        }
    }

    /** Builds a {@link ModelConfig}; {@link #build()} validates. */
    public static final class Builder {
        private final int vocabSize;
        private final int dModel;
        private final int heads;
        private final int layers;
        private int mlpWidth;
        private float ropeBase = 10000f;
        private boolean tie;
        private LayerPlan plan;
        private int maxLength = 512;
        private float rndEmbStd = DecoderLM.EMBEDDING_INIT_STD;
        private List<Integer> fixedQkTokens = List.of();
        private int pathRank = 32;
        private int pathChunkSize = 64;
        private boolean foxRope;
        private float normEps = 1e-6f;
        private int window = AttentionConfig.DEFAULT_WINDOW;
        private Float sigmoidBias;
        private int registers;
        private boolean gelu;
        private boolean layerNorm;
        private boolean normalizedResidual;

        private Builder(int vocabSize, int dModel, int heads, int layers) {
            this.vocabSize = vocabSize;
            this.dModel = dModel;
            this.heads = heads;
            this.layers = layers;
            this.mlpWidth = dModel > 0 ? defaultMlpWidth(dModel) : 1;
        }

        /**
         * Blocks use GPT-2's MLP, {@code W2 GELU(W1 x)} ({@link GeluMlp}), instead of SwiGLU; default false. Set
         * {@link #mlpWidth} with it (GPT-2's is {@code 4 dModel}).
         */
        public Builder geluMlp(boolean g) {
            gelu = g;
            return this;
        }

        /** Every norm is LayerNorm without a bias instead of RMSNorm; default false. */
        public Builder layerNorm(boolean l) {
            layerNorm = l;
            return this;
        }

        /**
         * Blocks normalise the residual stream itself before attention ({@code x = norm1(x); x = x + attn(x);
         * x = x + mlp(norm2(x))}), as the iteration-heads paper's code does; default false (pre-norm, LLaMA).
         */
        public Builder normalizedResidual(boolean n) {
            normalizedResidual = n;
            return this;
        }

        /** MLP hidden width; default {@link #defaultMlpWidth} (SwiGLU's). */
        public Builder mlpWidth(int w) {
            mlpWidth = w;
            return this;
        }

        /** Default 10000. */
        public Builder ropeBase(float b) {
            ropeBase = b;
            return this;
        }

        /** Default false (separate LM head). */
        public Builder tieEmbeddings(boolean t) {
            tie = t;
            return this;
        }

        /** Default uniform standard attention. */
        public Builder plan(LayerPlan p) {
            plan = p;
            return this;
        }

        /** {@link LayerPlan#parse} at this depth, e.g. {@code "hybrid:mlp"}. */
        public Builder plan(String spec) {
            plan = LayerPlan.parse(spec, layers);
            return this;
        }

        /** Default 512. */
        public Builder maxLength(int n) {
            maxLength = n;
            return this;
        }

        /** Default {@link DecoderLM#EMBEDDING_INIT_STD}: the random input looks like fresh embeddings. */
        public Builder rndEmbStd(float s) {
            rndEmbStd = s;
            return this;
        }

        /** FixedSeqQK's fixed text; required when the plan uses it. */
        public Builder fixedQkTokens(List<Integer> tokens) {
            fixedQkTokens = tokens;
            return this;
        }

        /** Default 32 (fla). */
        public Builder pathRank(int r) {
            pathRank = r;
            return this;
        }

        /** Default 64. */
        public Builder pathChunkSize(int c) {
            pathChunkSize = c;
            return this;
        }

        /** Default false. */
        public Builder foxRope(boolean r) {
            foxRope = r;
            return this;
        }

        /** Default 1e-6. */
        public Builder normEps(float e) {
            normEps = e;
            return this;
        }

        /** Window-attention layers see the last {@code w} keys; default {@value AttentionConfig#DEFAULT_WINDOW}. */
        public Builder window(int w) {
            window = w;
            return this;
        }

        /** Sigmoid-attention layers' fixed bias b; default {@code -log(maxLength)} (resolved at build: a config from
         * {@link ModelConfig#toBuilder()} keeps its bias when maxLength changes). */
        public Builder sigmoidBias(float b) {
            sigmoidBias = b;
            return this;
        }

        /** Prepends {@code k} learnable register tokens to every sequence; default 0 (none). */
        public Builder registers(int k) {
            registers = k;
            return this;
        }

        public ModelConfig build() {
            LayerPlan p = plan != null ? plan
                    : layers > 0 ? LayerPlan.uniform(AttentionKind.STANDARD, layers) : null;
            if (p == null) {
                throw new IllegalArgumentException("layers must be positive; got layers=" + layers);
            }
            return new ModelConfig(vocabSize, dModel, heads, layers, mlpWidth, ropeBase, tie, p, maxLength,
                    rndEmbStd, fixedQkTokens, pathRank, pathChunkSize, foxRope, normEps, window,
                    sigmoidBias != null ? sigmoidBias : AttentionConfig.sigmoidBiasFor(Math.max(1, maxLength)),
                    registers, gelu, layerNorm, normalizedResidual);
        }
    }
}
