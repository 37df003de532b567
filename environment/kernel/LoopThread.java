/*
 * Corrected copy of org.rapaio.jupyter.kernel.channels.LoopThread from rapaio-jupyter-kernel 3.0.1
 * (https://github.com/padreati/rapaio-jupyter-kernel), rebuilt from its bytecode with one change.
 *
 * Two defects of the original make a kernel start that never answers, and both are mended here:
 *  1. start() called Thread.start() and only then set running = true. If the new thread reached run() first,
 *     it saw running == false and returned at once: that ZeroMQ channel was never served (4 of 10 starts on
 *     a 2-core machine). Here the flag is set before the thread starts.
 *  2. Channels.connect() starts the channel loops before it fills its message-handler map. A request that
 *     arrives in between (Jupyter's first kernel_info_request, on a busy machine) threw a
 *     NullPointerException out of the loop body and killed the Shell thread for good (8 of 20 starts with
 *     both cores busy). Here a failing iteration is reported on stderr and the loop goes on; the client
 *     repeats kernel_info_request every second, so the next one is answered.
 * ./lab setup compiles this file and puts it ahead of the kernel jar on the kernel's classpath, so the JVM
 * loads this class instead of the jar's. tools/check_kernel_starts.py (in ./lab test) guards both.
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
            try {
                loopBody.run();
            } catch (RuntimeException e) {
                System.err.println("[" + getName() + "] message dropped, channel loop continues: " + e);
            }
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
