package org.attnlab.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/** Shared test data: tiny tasks as batch sources. */
final class Fixtures {

    private Fixtures() {
    }

    /** Target = (token * 3 + 1) mod V at every position; tokens drawn from the request's own RNG. */
    static TrainingData affineTask(int vocab) {
        return (manager, req) -> {
            SplittableRandom r = req.random();
            int n = req.batchSize() * req.context();
            int[] x = new int[n];
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                x[i] = r.nextInt(vocab);
                y[i] = (x[i] * 3 + 1) % vocab;
            }
            Shape s = new Shape(req.batchSize(), req.context());
            return TensorBatch.of(manager.create(x, s), manager.create(y, s));
        };
    }

    /**
     * Predict the previous token (graded from position 1): only attention carries it, so zeroing attention must
     * hurt. Tokens from the request's own RNG.
     */
    static TrainingData previousToken(int vocab) {
        return (manager, req) -> {
            SplittableRandom r = req.random();
            int n = req.batchSize() * req.context();
            int[] x = new int[n];
            int[] y = new int[n];
            float[] mask = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = r.nextInt(vocab);
                boolean first = i % req.context() == 0;
                y[i] = first ? 0 : x[i - 1];
                mask[i] = first ? 0 : 1;
            }
            Shape s = new Shape(req.batchSize(), req.context());
            return new TensorBatch(manager.create(x, s), manager.create(y, s), manager.create(mask, s));
        };
    }

    /** Copy the current token, tokens from the engine's generator (exercises the trainer's engine seeding). */
    static TrainingData engineRandomCopy(int vocab) {
        return (manager, req) -> {
            NDArray x = manager.randomInteger(0, vocab, new Shape(req.batchSize(), req.context()), DataType.INT32);
            // loss only on the second half of each sequence
            NDArray pos = manager.arange(0, req.context(), 1, DataType.INT32).reshape(1, req.context());
            NDArray mask = pos.gte(req.context() / 2).toType(DataType.FLOAT32, false)
                    .broadcast(new Shape(req.batchSize(), req.context()));
            return new TensorBatch(x, x, mask);
        };
    }

    static TinyLM model(NDManager manager, long seed, int vocab, int dim, float dropout, int batch, int context) {
        TinyLM m = new TinyLM(vocab, dim, dropout);
        Trainer.initialize(m, manager, seed, new Shape(batch, context));
        return m;
    }

    static TrainConfig.Builder config(long seed) {
        return TrainConfig.builder(seed, Device.cpu()).batchSize(8).context(8).lr(0.05).weightDecay(0.0)
                .evalEvery(0).evalBatches(2);
    }
}
