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
 *   <tr><td>{@code ATTNLAB_PARALLEL_RUNS}</td><td>1 .. 64</td><td>GPU: 1; CPU: processors / threads</td></tr>
 * </table>
 *
 * <p>{@code ATTNLAB_PARALLEL_RUNS} is how many independent runs of an experiment (variants, seeds, sizes) train at
 * once, in threads of this JVM ({@code experiments.ParallelRuns}); a run's numbers are the same whatever runs
 * beside it. On CPU the default keeps every processor busy: a run with one PyTorch thread uses one core (its ops
 * are too small to spread), so {@code processors / ATTNLAB_THREADS} runs at a time fill the machine, and more only
 * time-slice. On a GPU the default is 1 until concurrent runs are measured to help there (one CUDA context, but
 * PyTorch runs each device's backward on one engine thread).
 *
 * <p>The thread count reaches PyTorch as the JVM property {@code ai.djl.pytorch.num_threads} (the {@code lab} script
 * and the kernelspec pass it), which the engine reads when it starts; {@link #current()} checks both before it
 * starts the engine, since a bad count either fails inside PyTorch without naming the variable or starts tens of
 * thousands of threads.
 *
 * Java system properties {@code attnlab.device}, {@code attnlab.preset}, {@code attnlab.seed},
 * {@code attnlab.parallelRuns} override
 * the environment (handy in tests and in a notebook cell before the first use). A bad value fails at
 * once naming the allowed ones.
 *
 * @param device where every NDArray of the run lives
 * @param preset how big the run is
 * @param seed   the seed for DJL's and our own random generators
 * @param parallelRuns how many independent runs of an experiment train at once (1: one after another)
 */
public record Settings(Device device, Preset preset, long seed, int parallelRuns) {

    public static final long DEFAULT_SEED = 42L;

    /** The most runs at once {@code ATTNLAB_PARALLEL_RUNS} allows. */
    public static final int MAX_PARALLEL_RUNS = 64;

    public Settings {
        if (parallelRuns < 1 || parallelRuns > MAX_PARALLEL_RUNS) {
            throw new IllegalArgumentException("parallelRuns " + parallelRuns + " is out of range; allowed: 1 to "
                    + MAX_PARALLEL_RUNS);
        }
    }

    /** Settings that train one run at a time (tests, and where the order of work matters). */
    public Settings(Device device, Preset preset, long seed) {
        this(device, preset, seed, 1);
    }

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
        return new Settings(device, p, seed, parallelRuns);
    }

    /** The same settings with another seed. */
    public Settings withSeed(long s) {
        return new Settings(device, preset, s, parallelRuns);
    }

    /** The same settings training {@code n} runs at once (1: one after another). */
    public Settings withParallelRuns(int n) {
        return new Settings(device, preset, seed, n);
    }

    /** Parses settings from a variable map (the environment); {@code gpuCount} is what DJL sees. */
    static Settings fromVariables(Map<String, String> env, int gpuCount) {
        String device = lookup(env, "ATTNLAB_DEVICE", "attnlab.device");
        String preset = lookup(env, "ATTNLAB_PRESET", "attnlab.preset");
        String seed = lookup(env, "ATTNLAB_SEED", "attnlab.seed");
        Device d = parseDevice(device, gpuCount);
        return new Settings(d,
                preset == null || preset.isBlank() ? Preset.QUICK : Preset.parse(preset),
                parseSeed(seed),
                explicitParallelRuns(env).orElse(defaultParallelRuns(d, threads())));
    }

    /** {@code ATTNLAB_PARALLEL_RUNS} (or {@code attnlab.parallelRuns}) when given, checked; empty when not. */
    public static java.util.OptionalInt explicitParallelRuns(Map<String, String> env) {
        String parallel = lookup(env, "ATTNLAB_PARALLEL_RUNS", "attnlab.parallelRuns");
        return parallel == null || parallel.isBlank() ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(parseParallelRuns(parallel, "ATTNLAB_PARALLEL_RUNS"));
    }

    /**
     * Runs at once when none is asked for: 1 on a GPU (not yet measured to help there); on CPU one run per
     * {@code threads} processors, at least 1 (each run's PyTorch ops use {@code threads} cores).
     */
    public static int defaultParallelRuns(Device device, int threads) {
        if (!Device.Type.CPU.equals(device.getDeviceType())) {
            return 1;
        }
        return Math.max(1, Math.min(MAX_PARALLEL_RUNS, Runtime.getRuntime().availableProcessors() / threads));
    }

    /**
     * A count of runs at once, 1..{@value #MAX_PARALLEL_RUNS}; {@code name} (the variable or option) is named on
     * failure.
     */
    public static int parseParallelRuns(String value, String name) {
        String example = name.startsWith("--") ? name + " 2" : name + "=2";
        String allowed = "; allowed: a whole number from 1 (one run after another) to " + MAX_PARALLEL_RUNS
                + ", e.g. " + example;
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " '" + value + "' is not a whole number" + allowed);
        }
        if (n < 1 || n > MAX_PARALLEL_RUNS) {
            throw new IllegalArgumentException(name + " " + n + " is out of range" + allowed);
        }
        return n;
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
        return "device=" + device + ", preset=" + preset.label() + ", seed=" + seed
                + (parallelRuns > 1 ? ", parallel runs=" + parallelRuns : "");
    }
}
