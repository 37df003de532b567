package org.attnlab.train;

import ai.djl.engine.Engine;

/**
 * Where every random number of a run comes from. One run seed is mixed with a purpose and an index
 * (SplitMix64, a bijective 64-bit hash) into the seed of one draw: the engine RNG before training step
 * {@code n}, the data of training batch {@code n}, eval batch {@code i}. Because nothing random carries
 * state from one step to the next, the whole random state of a run is (seed, step): a checkpoint that
 * stores those two restores it exactly, although PyTorch's generator state itself cannot be read through DJL.
 */
public final class Seeds {

    /** What a derived seed is for; keeps the streams of different purposes apart. */
    public enum Stream {
        ENGINE_STEP(0x1L), TRAIN_BATCH(0x2L), EVAL_BATCH(0x3L), INIT(0x4L);

        final long salt;

        Stream(long salt) {
            this.salt = salt;
        }
    }

    private Seeds() {
    }

    /** SplitMix64 finaliser: a well-mixed 64-bit value for each input. */
    public static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The seed of draw {@code index} of {@code stream} in run {@code seed}. */
    public static long derive(long seed, Stream stream, long index) {
        return mix(mix(mix(seed) ^ stream.salt) + index);
    }

    /**
     * Seeds DJL's engine (PyTorch's generator and {@code ai.djl.util.RandomUtils}). DJL takes an int, so the
     * 64-bit seed is folded to 32 bits.
     */
    public static void seedEngine(long seed) {
        Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }
}
