package org.attnlab.train;

import ai.djl.ndarray.NDManager;

/**
 * Where batches come from: a task, a corpus, a test fixture. The trainer calls it once per step with a manager
 * that is closed at the end of the step; the source creates its NDArrays in that manager (and nowhere
 * longer-lived) and returns them. The batch must depend only on the {@link BatchRequest}.
 *
 * <pre>{@code
 * TrainingData copy = (manager, req) -> {
 *     NDArray x = manager.randomInteger(0, 8, new Shape(req.batchSize(), req.context()), DataType.INT32);
 *     return TensorBatch.of(x, x);   // predict the current token; (seed the engine from req.seed() or use req.random())
 * };
 * }</pre>
 * A step-indexed source from {@code org.attnlab.data} (a task or a corpus, carrying its own seed, batch size and
 * length) plugs in with {@link #from}:
 * <pre>{@code
 * TrainingData train = TrainingData.from(org.attnlab.data.BatchSource.of(task, 32, 512, Split.TRAIN, seed));
 * }</pre>
 */
@FunctionalInterface
public interface TrainingData {

    /** The batch for {@code request}, created in {@code manager}. */
    TensorBatch batch(NDManager manager, BatchRequest request);

    /**
     * Training data from a step-indexed {@link org.attnlab.data.BatchSource}: the request's index (the step, or
     * the evaluation batch number) picks the batch; inputs and targets become INT64 {@code [B, L]}, the loss mask
     * FLOAT32 {@code [B, L]}, all in the step's manager. The source's own batch size and length are used.
     */
    static TrainingData from(org.attnlab.data.BatchSource source) {
        return (manager, request) -> {
            org.attnlab.data.Batch b = source.batch(request.index());
            return new TensorBatch(b.inputArray(manager), b.targetArray(manager), b.maskArray(manager));
        };
    }
}
