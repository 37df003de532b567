/*
 * Corrected copy of org.rapaio.jupyter.kernel.channels.LoopThread from rapaio-jupyter-kernel 3.0.1
 * (https://github.com/padreati/rapaio-jupyter-kernel), rebuilt from its bytecode with one change.
 *
 * The defect: the original start() calls Thread.start() and only then sets running = true. If the new
 * thread reaches run() first, it sees running == false, returns at once, and that ZeroMQ channel is never
 * served: the kernel starts but never answers (4 of 10 starts on a 2-core machine). Here the flag is set
 * before the thread starts. ./lab setup compiles this file and puts it ahead of the kernel jar on the
 * kernel's classpath, so the JVM loads this class instead of the jar's.
 */
package org.rapaio.jupyter.kernel.channels;

public final class LoopThread extends Thread {

    private volatile boolean running = false;
    private final long sleep;
    private final Runnable loopBody;

    public LoopThread(String name, long sleep, Runnable loopBody) {
        super(name);
        this.sleep = sleep;
        this.loopBody = loopBody;
    }

    @Override
    public void run() {
        while (running) {
            loopBody.run();
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                running = false;
                return;
            }
        }
    }

    @Override
    public synchronized void start() {
        running = true; // before the thread exists, so run() always sees it
        super.start();
    }

    public void shutdown() {
        running = false;
    }
}
