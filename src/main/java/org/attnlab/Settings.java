package org.attnlab;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.Locale;
import java.util.Map;

/**
 * Run-wide settings, read in one place: the device, the preset and the seed.
 *
 * <table>
 *   <tr><th>variable</th><th>values</th><th>default</th></tr>
 *   <tr><td>{@code ATTNLAB_DEVICE}</td><td>{@code cpu|gpu}</td><td>GPU when DJL sees one, else CPU</td></tr>
 *   <tr><td>{@code ATTNLAB_PRESET}</td><td>{@code smoke|quick|full}</td><td>{@code quick}</td></tr>
 *   <tr><td>{@code ATTNLAB_SEED}</td><td>a long integer</td><td>{@code 42}</td></tr>
 *   <tr><td>{@code ATTNLAB_THREADS}</td><td>1 .. 4 x the processors</td><td>{@code 1}</td></tr>
 * </table>
 *
 * <p>The thread count reaches PyTorch as the JVM property {@code ai.djl.pytorch.num_threads} (the {@code lab} script
 * and the kernelspec pass it), which the engine reads when it starts; {@link #current()} checks both before it
 * starts the engine, since a bad count either fails inside PyTorch without naming the variable or starts tens of
 * thousands of threads.
 *
 * Java system properties {@code attnlab.device}, {@code attnlab.preset}, {@code attnlab.seed} override
 * the environment (handy in tests and in a notebook cell before the first use). A bad value fails at
 * once naming the allowed ones.
 *
 * @param device where every NDArray of the run lives
 * @param preset how big the run is
 * @param seed   the seed for DJL's and our own random generators
 */
public record Settings(Device device, Preset preset, long seed) {

    public static final long DEFAULT_SEED = 42L;

    /** The settings of this run, read from system properties, then the environment, then defaults. */
    public static Settings current() {
        threads(); // before the engine starts: it reads the thread count then
        return fromVariables(System.getenv(), Engine.getInstance().getGpuCount());
    }

    /** The most PyTorch CPU threads allowed: four per processor (more only adds contention). */
    public static int maxThreads() {
        return 4 * Runtime.getRuntime().availableProcessors();
    }

    /**
     * PyTorch's CPU thread count for this JVM: {@code ai.djl.pytorch.num_threads} if set (what the engine uses),
     * else {@code attnlab.threads} / {@code ATTNLAB_THREADS}, else 1; each value given is checked.
     */
    public static int threads() {
        String djl = System.getProperty("ai.djl.pytorch.num_threads");
        String ours = lookup(System.getenv(), "ATTNLAB_THREADS", "attnlab.threads");
        int n = parseThreads(ours, "ATTNLAB_THREADS", maxThreads());
        return djl == null ? n : parseThreads(djl, "ai.djl.pytorch.num_threads (from ATTNLAB_THREADS)", maxThreads());
    }

    /** A thread count in 1..max, or null/blank for 1; {@code name} is the variable named in the message. */
    static int parseThreads(String value, String name, int max) {
        if (value == null || value.isBlank()) {
            return 1;
        }
        String allowed = "; allowed: a whole number from 1 to " + max + " (4 x the "
                + Runtime.getRuntime().availableProcessors() + " processors), e.g. " + name.split(" ")[0] + "=1";
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " '" + value + "' is not a whole number" + allowed);
        }
        if (n < 1 || n > max) {
            throw new IllegalArgumentException(name + " " + n + " is out of range" + allowed);
        }
        return n;
    }

    /** The same settings with another preset, e.g. an experiment run at {@code smoke} from a test. */
    public Settings withPreset(Preset p) {
        return new Settings(device, p, seed);
    }

    /** The same settings with another seed. */
    public Settings withSeed(long s) {
        return new Settings(device, preset, s);
    }

    /** Parses settings from a variable map (the environment); {@code gpuCount} is what DJL sees. */
    static Settings fromVariables(Map<String, String> env, int gpuCount) {
        String device = lookup(env, "ATTNLAB_DEVICE", "attnlab.device");
        String preset = lookup(env, "ATTNLAB_PRESET", "attnlab.preset");
        String seed = lookup(env, "ATTNLAB_SEED", "attnlab.seed");
        return new Settings(
                parseDevice(device, gpuCount),
                preset == null || preset.isBlank() ? Preset.QUICK : Preset.parse(preset),
                parseSeed(seed));
    }

    /** {@code cpu|gpu}, or null/blank for "GPU if there is one". */
    public static Device parseDevice(String value, int gpuCount) {
        if (value == null || value.isBlank()) {
            return gpuCount > 0 ? Device.gpu() : Device.cpu();
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "cpu":
                return Device.cpu();
            case "gpu":
                if (gpuCount == 0) {
                    throw new IllegalStateException("ATTNLAB_DEVICE=gpu, but DJL sees no GPU on this machine "
                            + "(no CUDA device, or the CPU-only PyTorch natives are on the classpath: "
                            + "build with ATTNLAB_GPU=1 ./lab setup). Use ATTNLAB_DEVICE=cpu or leave it unset.");
                }
                return Device.gpu();
            default:
                throw new IllegalArgumentException("Unknown device '" + value + "'; allowed: cpu|gpu");
        }
    }

    static long parseSeed(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_SEED;
        }
        return parseSeed(value, "ATTNLAB_SEED");
    }

    /** A seed: a whole number that fits a Java long; {@code name} (the variable or option) is named on failure. */
    public static long parseSeed(String value, String name) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            String example = name.startsWith("--") ? name + " 42" : name + "=42";
            if (value.trim().matches("[+-]?[0-9]+")) {
                throw new IllegalArgumentException(name + " '" + value + "' is out of range; allowed: "
                        + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ", e.g. " + example);
            }
            throw new IllegalArgumentException(name + " '" + value + "' is not a whole number; e.g. " + example);
        }
    }

    private static String lookup(Map<String, String> env, String envName, String propertyName) {
        String p = System.getProperty(propertyName);
        return p != null ? p : env.get(envName);
    }

    @Override
    public String toString() {
        return "device=" + device + ", preset=" + preset.label() + ", seed=" + seed;
    }
}
