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
 */
public record AttentionConfig(int dModel, int heads, float ropeBase, int pathRank, int pathChunkSize,
                              boolean foxRope) {

    /** The defaults for everything but the sizes: RoPE base 10000, PaTH rank 32, chunks of 64, FoX without RoPE. */
    public static AttentionConfig of(int dModel, int heads) {
        return new AttentionConfig(dModel, heads, 10000f, 32, 64, false);
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
        return new AttentionConfig(dModel, heads, ropeBase, pathRank, pathChunkSize, rope);
    }

    /** Fails unless {@code headDim} is even, which RoPE needs (it rotates pairs). */
    void requireEvenHeadDim(AttentionKind kind) {
        if (headDim() % 2 != 0) {
            throw new IllegalArgumentException(kind.label() + " applies RoPE, which needs an even headDim; got headDim="
                    + headDim() + " (dModel=" + dModel + ", heads=" + heads + ")");
        }
    }
}
