package org.attnlab.train;

import ai.djl.ndarray.NDManager;

/**
 * Where batches come from: a task, a corpus, a test fixture. The trainer calls it once per step with a manager
 * that is closed at the end of the step; the source creates its NDArrays in that manager (and nowhere
 * longer-lived) and returns them. The batch must depend only on the {@link BatchRequest}.
 *
 * <pre>{@code
 * BatchSource copy = (manager, req) -> {
 *     NDArray x = manager.randomInteger(0, 8, new Shape(req.batchSize(), req.context()), DataType.INT32);
 *     return Batch.of(x, x);   // predict the current token; (seed the engine from req.seed() or use req.random())
 * };
 * }</pre>
 * A step-indexed source from {@code org.attnlab.data} fits in one lambda (it carries its own seed, batch size and
 * length):
 * <pre>{@code
 * org.attnlab.data.BatchSource flip = org.attnlab.data.BatchSource.of(task, 32, 512, Split.TRAIN, seed);
 * BatchSource train = (manager, req) -> {
 *     BatchArrays a = flip.batch(req.index()).toArrays(manager);
 *     return new Batch(a.inputs(), a.targets(), a.mask());
 * };
 * }</pre>
 */
@FunctionalInterface
public interface BatchSource {

    /** The batch for {@code request}, created in {@code manager}. */
    Batch batch(NDManager manager, BatchRequest request);
}
