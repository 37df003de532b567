package org.attnlab.attention;

/**
 * The sizes every attention block needs. Validated at construction: a head count that does not divide
 * {@code dModel} fails naming both values.
 *
 * @param dModel        width of the residual stream
 * @param heads         number of heads; {@code headDim = dModel / heads}
 * @param ropeBase      RoPE frequency base (10000 in most models), used by kinds with {@link AttentionKind#usesRope()}
 * @param pathRank      rank of PaTH's low-rank {@code w} projection (32 in the fla implementation)
 * @param pathChunkSize PaTH runs {@link AttentionOps#path} up to this length and
 *                      {@link AttentionOps#pathChunked} beyond it, with chunks of this size
 * @param foxRope       whether FoX also applies RoPE (the FoX paper's default is no RoPE)
 * @param window        W of {@link AttentionKind#WINDOW}: query i sees keys {@code i-W+1 .. i} (W &gt;= 1; W = 1 is
 *                      the token alone); other kinds ignore it
 * @param sigmoidBias   the fixed b of {@link AttentionKind#SIGMOID}'s weights {@code sigmoid(scale q.k + b)}
 *                      (Ramapuram et al.: {@code b = -log n}, n the training context; see
 *                      {@link #sigmoidBiasFor(int)}); must be finite; other kinds ignore it
 */
public record AttentionConfig(int dModel, int heads, float ropeBase, int pathRank, int pathChunkSize,
                              boolean foxRope, int window, float sigmoidBias) {

    /** Default {@link #window()}: 64 tokens (Gu et al. 2025 see no sinks with windows under 256). */
    public static final int DEFAULT_WINDOW = 64;
    /** The context {@link #DEFAULT_SIGMOID_BIAS} is {@code -log} of (the models' default maxLength). */
    public static final int DEFAULT_SIGMOID_CONTEXT = 512;
    /** Default {@link #sigmoidBias()}: {@code -log 512}. */
    public static final float DEFAULT_SIGMOID_BIAS = sigmoidBiasFor(DEFAULT_SIGMOID_CONTEXT);

    /** The defaults for everything but the sizes: RoPE base 10000, PaTH rank 32, chunks of 64, FoX without RoPE. */
    public static AttentionConfig of(int dModel, int heads) {
        return new AttentionConfig(dModel, heads, 10000f, 32, 64, false);
    }

    /** The config with the default window ({@value #DEFAULT_WINDOW}) and sigmoid bias ({@code -log 512}). */
    public AttentionConfig(int dModel, int heads, float ropeBase, int pathRank, int pathChunkSize, boolean foxRope) {
        this(dModel, heads, ropeBase, pathRank, pathChunkSize, foxRope, DEFAULT_WINDOW, DEFAULT_SIGMOID_BIAS);
    }

    public AttentionConfig {
        if (dModel <= 0 || heads <= 0) {
            throw new IllegalArgumentException("dModel and heads must be positive; got dModel=" + dModel
                    + ", heads=" + heads);
        }
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("dModel=" + dModel + " is not divisible by heads=" + heads
                    + " (headDim = dModel / heads must be a whole number)");
        }
        if (!(ropeBase > 1f)) {
            throw new IllegalArgumentException("ropeBase must be > 1; got ropeBase=" + ropeBase);
        }
        if (pathRank <= 0) {
            throw new IllegalArgumentException("pathRank must be positive; got pathRank=" + pathRank);
        }
        if (pathChunkSize <= 0) {
            throw new IllegalArgumentException("pathChunkSize must be positive; got pathChunkSize=" + pathChunkSize);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1 (the number of most recent keys a window query "
                    + "sees, itself included); got window=" + window);
        }
        if (!Float.isFinite(sigmoidBias)) {
            throw new IllegalArgumentException("sigmoidBias must be a finite number (e.g. -log(context length)); got "
                    + "sigmoidBias=" + sigmoidBias);
        }
    }

    /** Ramapuram et al.'s sigmoid bias for a context of {@code n} tokens: {@code -log n}. */
    public static float sigmoidBiasFor(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("the context length for -log(n) must be >= 1; got n=" + n);
        }
        return (float) -Math.log(n);
    }

    /** {@code dModel / heads}. */
    public int headDim() {
        return dModel / heads;
    }

    /** The logit scale {@code 1 / sqrt(headDim)}. */
    public float scale() {
        return (float) (1.0 / Math.sqrt(headDim()));
    }

    /** The same config with another FoX RoPE setting. */
    public AttentionConfig withFoxRope(boolean rope) {
        return new AttentionConfig(dModel, heads, ropeBase, pathRank, pathChunkSize, rope, window, sigmoidBias);
    }

    /** The same config with another window W (validated: W &gt;= 1). */
    public AttentionConfig withWindow(int w) {
        return new AttentionConfig(dModel, heads, ropeBase, pathRank, pathChunkSize, foxRope, w, sigmoidBias);
    }

    /** The same config with another sigmoid bias b (validated: finite). */
    public AttentionConfig withSigmoidBias(float b) {
        return new AttentionConfig(dModel, heads, ropeBase, pathRank, pathChunkSize, foxRope, window, b);
    }

    /** Fails unless {@code headDim} is even, which RoPE needs (it rotates pairs). */
    void requireEvenHeadDim(AttentionKind kind) {
        if (headDim() % 2 != 0) {
            throw new IllegalArgumentException(kind.label() + " applies RoPE, which needs an even headDim; got headDim="
                    + headDim() + " (dModel=" + dModel + ", heads=" + heads + ")");
        }
    }
}
