/*
 * The Java kernel's entry point: rapaio-jupyter-kernel 3.0.1's MainApp, with a working interrupt.
 *
 * rapaio answers Jupyter's interrupt_request (interrupt_mode "message") in a way that breaks the kernel:
 *  - it handles the request on the control thread while the cell still runs on the shell thread, and both share
 *    one "current message" and one stack of after-actions: the control thread sets the current message to the
 *    interrupt request, runs the cell's pending after-actions (restoring System.out, freeing the message id,
 *    publishing idle) and sends its interrupt_reply on the shell socket;
 *  - it then cancels the cell's Future and calls RapaioExecutionControl.stop(), which shuts down the executor
 *    that runs every cell: from then on each cell is refused and answers with no output, even 1+1.
 * So the cell that was stopped never gets its reply and the kernel is dead until a restart.
 *
 * Here the kernelspec says interrupt_mode "signal": Jupyter (JupyterLab's stop button, nbclient, jupyter_client's
 * interrupt_kernel) sends SIGINT to the kernel process instead of a control message, and the handler installed
 * below replaces the JVM's default (exit) by Thread.interrupt() on the threads that run cells (rapaio names them
 * "Engine-thread-N"). Nothing else in the kernel is touched: the cell goes on until its code looks at the
 * interrupt flag, and then ends normally or with an exception like any cell, and gets its reply. The toolkit's
 * Trainer looks between steps and ends the cell with "interrupted at step N"; Thread.sleep and other blocking
 * calls end with an InterruptedException. A cell that never looks (a plain busy loop) runs to its end.
 * An idle worker thread clears a stray interrupt before it runs the next cell (ThreadPoolExecutor does this).
 *
 * ./lab setup compiles this file with LoopThread.java into build/kernel/fix; the kernelspec runs this class.
 * tools/check_kernel_interrupt.py (in ./lab test) interrupts a training cell and then runs 1+1.
 */
package org.attnlab.kernel;

import sun.misc.Signal;

public final class KernelMain {

    /** rapaio's RapaioExecutionControl names the threads of its cell executor so. */
    static final String CELL_THREAD_PREFIX = "Engine-thread-";

    private KernelMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Signal.handle(new Signal("INT"), sig -> interruptCells());
        } catch (IllegalArgumentException e) {
            // The JVM refuses when SIGINT was ignored at its start (e.g. Jupyter started as a background job of a
            // script, which ignores SIGINT): the kernel still runs, but the stop button will not reach the cell.
            System.err.println("attnlab kernel: cannot handle SIGINT (" + e.getMessage() + "); interrupting a cell"
                    + " will not work in this kernel. Start Jupyter from an interactive shell, not as a background"
                    + " job of a script, to get working interrupts.");
        }
        org.rapaio.jupyter.kernel.MainApp.main(args);
    }

    /** Interrupts every cell thread; returns how many there were. */
    static int interruptCells() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(CELL_THREAD_PREFIX)) {
                t.interrupt();
                n++;
            }
        }
        return n;
    }
}
