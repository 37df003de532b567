package org.attnlab.experiments;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * Wall time, the JVM process's CPU time (every thread, PyTorch's native ones included) and the machine's load
 * average over a run: on a shared CPU the wall time alone says little, so experiments report all three.
 */
final class RunClock {

    private final long wallStart = System.nanoTime();
    private final double cpuStart = processCpuSeconds();
    private final double loadStart = loadAverage();

    /** Seconds since this clock started. */
    double wallSeconds() {
        return (System.nanoTime() - wallStart) / 1e9;
    }

    /** CPU seconds the process used since this clock started, or NaN where the JVM cannot tell. */
    double cpuSeconds() {
        return processCpuSeconds() - cpuStart;
    }

    /** One line for notes: {@code wall 123 s, CPU 200 s, load average 3.1 -> 4.0 (2 cores)}. */
    String summary() {
        return String.format("wall %.0f s, process CPU %.0f s, load average %.1f -> %.1f (%d cores)", wallSeconds(),
                cpuSeconds(), loadStart, loadAverage(), Runtime.getRuntime().availableProcessors());
    }

    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static double processCpuSeconds() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long ns = sun.getProcessCpuTime();
            return ns < 0 ? Double.NaN : ns / 1e9;
        }
        return Double.NaN;
    }
}
