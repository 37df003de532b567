package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;

import java.util.SplittableRandom;

/** Tiny models and token batches for the probe tests. */
final class ProbeFixtures {

    static final int VOCAB = 11;
    static final int D_MODEL = 16;
    static final int HEADS = 2;

    private ProbeFixtures() {
    }

    /**
     * A 2-layer DecoderLM with weights scaled up from the 0.02 init (so logits differ between inputs by more than
     * float noise); norms keep their gain of 1.
     */
    static DecoderLM model(NDManager manager, long seed) {
        return model(manager, seed, null);
    }

    /** {@link #model(NDManager, long)} with a layer plan (null: standard attention in both layers). */
    static DecoderLM model(NDManager manager, long seed, LayerPlan plan) {
        ModelConfig.Builder b = ModelConfig.builder(VOCAB, D_MODEL, HEADS, 2).maxLength(32);
        if (plan != null) {
            b.plan(plan);
        }
        DecoderLM lm = DecoderLM.create(b.build(), manager, seed);
        NDArray factor = manager.create(15f);
        lm.getParameters().forEach(p -> {
            if (p.getValue().getType() == Parameter.Type.WEIGHT) {
                p.getValue().getArray().muli(factor);
            }
        });
        return lm;
    }

    /** Zeroes rows {@code h*D..(h+1)*D} of layer {@code layer}'s W_O: head h then writes nothing. */
    static void silenceHead(DecoderLM lm, NDManager manager, int layer, int head) {
        NDArray wo = lm.outputProjection(new ParameterStore(manager, false), layer);
        int d = D_MODEL / HEADS;
        wo.set(new NDIndex("{}:{}, :", head * d, (head + 1) * d), 0f);
    }

    /** {@code [b][len]} tokens uniform in 0..VOCAB-1. */
    static int[][] tokens(int b, int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] out = new int[b][len];
        for (int[] row : out) {
            for (int i = 0; i < len; i++) {
                row[i] = r.nextInt(VOCAB);
            }
        }
        return out;
    }
}
