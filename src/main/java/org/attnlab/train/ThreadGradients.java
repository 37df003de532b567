package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.NativeResource;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Records gradients on the calling thread only: PyTorch's grad mode is per thread, and {@link #backward} runs
 * {@code loss.backward()} into the leaves' {@code .grad} as DJL's collector does. DJL's own
 * {@code PtGradientCollector} allows one collector per process (a static flag; a second throws "Only one can be
 * collecting at a time"), so two runs training in threads at once need this one.
 *
 * <pre>{@code
 * try (ThreadGradients g = ThreadGradients.record()) {
 *     NDArray loss = ...;          // ops here are recorded
 *     g.backward(loss);
 * }                                // grad mode back to what it was on this thread
 * }</pre>
 */
public final class ThreadGradients implements AutoCloseable {

    private final boolean previous;

    private ThreadGradients(boolean on) {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(on);
    }

    /** Turns recording on for this thread until {@link #close()}. */
    public static ThreadGradients record() {
        return new ThreadGradients(true);
    }

    /**
     * Turns recording off for this thread until {@link #close()}: inference. (PyTorch starts every new thread
     * recording; DJL turns it off only on the thread that starts the engine, so a run in a worker thread would
     * otherwise build a graph at every evaluation.)
     */
    public static ThreadGradients off() {
        return new ThreadGradients(false);
    }

    /** Accumulates {@code d loss / d leaf} into every leaf's gradient ({@code loss} a scalar). */
    public void backward(NDArray loss) {
        NDManager m = loss.getManager();
        NDArray seed = m.ones(loss.getShape(), loss.getDataType()).toDevice(loss.getDevice(), false);
        JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
    }

    /**
     * Drops {@code leaf}'s gradient, as PyTorch's {@code param.grad = None} ({@code zero_grad(set_to_none=True)},
     * its default): the next backward pass hands the leaf its new gradient as it is, where into a zeroed one it
     * adds it (one full-size read-add-write per parameter) and the zeros had to be written first. Until then
     * {@code leaf.getGradient()} reads as zeros (DJL makes a zero array for an undefined gradient).
     *
     * <p>DJL exposes no way to reset a gradient, so the leaf's native tensor is replaced by a fresh leaf over the
     * same storage ({@code detach()}, {@code requires_grad_(true)}): the same {@code NDArray} object, its values,
     * shape, name and managers unchanged; the old tensor and its gradient are freed (autograd's graph keeps what it
     * still holds alive until the graph is freed).
     */
    public static void setToNone(NDArray leaf) {
        PtNDArray p = (PtNDArray) leaf;
        PtNDArray fresh = JniUtils.detachGradient(p); // a new tensor over p's storage, no gradient, no history
        JniUtils.attachGradient(fresh, true);
        Long old = handle(p).getAndSet(handle(fresh).getAndSet(null));
        fresh.close(); // an empty wrapper now: this only takes it off its manager's list
        JniUtils.deleteNDArray(old);
    }

    private static final Field HANDLE;

    static {
        try {
            HANDLE = NativeResource.class.getDeclaredField("handle");
            HANDLE.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static AtomicReference<Long> handle(PtNDArray a) {
        try {
            return (AtomicReference<Long>) HANDLE.get(a);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
