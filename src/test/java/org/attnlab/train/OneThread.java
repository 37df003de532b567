package org.attnlab.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class with one PyTorch intra-op thread and restores the previous count afterwards. Tiny test
 * shapes gain nothing from threads, and on a loaded 2-core machine OpenMP's spinning threads make each op
 * ~10x slower.
 */
final class OneThread implements BeforeAllCallback, AfterAllCallback {

    private int previous = -1;

    @Override
    public void beforeAll(ExtensionContext context) {
        Engine.getInstance(); // load the natives
        previous = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (previous > 0) {
            JniUtils.setNumThreads(previous);
        }
    }
}
