package org.attnlab.experiments;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * What a run cost on a shared machine: wall-clock seconds, the JVM process's CPU seconds (all threads, PyTorch's
 * included) and the system load average at the end. CPU time is the fairer number when other jobs share the cores.
 */
final class RunCost {

    private final long wallStart = System.nanoTime();
    private final double cpuStart = processCpuSeconds();

    /** Wall-clock seconds since this was created. */
    double wallSeconds() {
        return (System.nanoTime() - wallStart) / 1e9;
    }

    /** CPU seconds the process used since this was created (NaN if the platform does not say). */
    double cpuSeconds() {
        return processCpuSeconds() - cpuStart;
    }

    /** One-minute load average, or NaN. */
    static double loadAverage() {
        double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? Double.NaN : l;
    }

    /** A line for the notes: {@code wall 61 s, CPU 75 s (JVM process), load average 3.1 on 2 cores}. */
    String describe() {
        return String.format("Cost: wall %.0f s, CPU %.0f s (JVM process, all threads), load average %.1f on %d cores.",
                wallSeconds(), cpuSeconds(), loadAverage(), Runtime.getRuntime().availableProcessors());
    }

    private static double processCpuSeconds() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long ns = sun.getProcessCpuTime();
            return ns < 0 ? Double.NaN : ns / 1e9;
        }
        return Double.NaN;
    }
}
