package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

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

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
