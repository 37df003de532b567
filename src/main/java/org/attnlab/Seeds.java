package org.attnlab;

import ai.djl.engine.Engine;

import java.nio.charset.StandardCharsets;

/**
 * Independent seeds derived from one run seed, so that everything random is a pure function of (seed, what,
 * index): step k's batch, evaluation batch i, the engine's state before step k. A restored checkpoint therefore
 * replays exactly what the uninterrupted run would have seen, and a test split draws from a different stream
 * than the train split with the same seed. Initial weights are a stream of their own per parameter,
 * {@code derive(seed, "weights/" + path)}, drawn on the Java side ({@link WeightInit}), never by the engine.
 *
 * <p>Mixing is SplitMix64's finaliser: {@code z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9;
 * z = (z ^ (z >>> 27)) * 0x94d049bb133111eb; z ^ (z >>> 31)}, applied to {@code seed + golden * (salt + 1)}.
 */
public final class Seeds {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** The trainer's random streams; each gets its own salt so they never coincide. */
    public enum Stream {
        ENGINE_STEP(0x1L), TRAIN_BATCH(0x2L), EVAL_BATCH(0x3L);

        final long salt;

        Stream(long salt) {
            this.salt = salt;
        }
    }

    private Seeds() {
    }

    /** A seed for stream {@code salt} (e.g. a training step) of run {@code seed}. */
    public static long derive(long seed, long salt) {
        return mix(seed + GOLDEN * (salt + 1));
    }

    /** A seed for the stream named {@code salt} (e.g. a split name) of run {@code seed}; stable across JVMs. */
    public static long derive(long seed, String salt) {
        long h = 1125899906842597L; // polynomial hash over UTF-8 bytes: String.hashCode is only 32 bits
        for (byte b : salt.getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + (b & 0xff);
        }
        return derive(seed, mix(h));
    }

    /** A seed for item {@code index} of the trainer's {@code stream} in run {@code seed}. */
    public static long derive(long seed, Stream stream, long index) {
        return derive(derive(seed, stream.salt), index);
    }

    /**
     * Seeds DJL's engine (which takes an int) from a 64-bit seed, folding the high bits in. The engine's generator
     * is one per process: runs in threads at once share it, so nothing of a run (weights: {@link WeightInit}; batches:
     * {@code BatchRequest.random()}) draws from it; the trainer still seeds it before every step for a block or
     * source of one's own that does (then that run is reproducible only when it runs alone).
     */
    public static void seedEngine(long seed) {
        Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }

    /**
     * A run's seed as a reader knows it: the seed they chose ({@code --seed}, the settings' seed) as "seed 42", and a
     * second seed derived from it (64 bits nobody typed; tables keep the number) as "seed B".
     */
    public static String label(long seed, long chosen) {
        return seed == chosen ? "seed " + seed : SECOND_LABEL;
    }

    /** How a second seed derived from the reader's is named in tables, figures, progress lines and prose. */
    public static final String SECOND_LABEL = "seed B";

    /** SplitMix64's finaliser: a bijection on longs that scrambles every bit. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
