package org.attnlab.data;

import java.nio.charset.StandardCharsets;

/**
 * Derives independent seeds from one run seed, so a batch is a pure function of (seed, step) or
 * (seed, split): a restored checkpoint replays exactly the batches it would have seen, and a test split
 * draws from a different stream than the train split with the same seed.
 *
 * <p>Mixing is SplitMix64's finaliser: {@code z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9;
 * z = (z ^ (z >>> 27)) * 0x94d049bb133111eb; z ^ (z >>> 31)}, applied to {@code seed + golden * (salt + 1)}.
 */
public final class Seeds {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Seeds() {
    }

    /** A seed for stream {@code salt} (e.g. a training step) of run {@code seed}. */
    public static long derive(long seed, long salt) {
        return mix(seed + GOLDEN * (salt + 1));
    }

    /** A seed for the stream named {@code salt} (e.g. a split name) of run {@code seed}; stable across JVMs. */
    public static long derive(long seed, String salt) {
        long h = 1125899906842597L; // FNV-like polynomial hash over UTF-8 bytes: String.hashCode is only 32 bits
        for (byte b : salt.getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + (b & 0xff);
        }
        return derive(seed, mix(h));
    }

    /** SplitMix64's finaliser: a bijection on longs that scrambles every bit. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
