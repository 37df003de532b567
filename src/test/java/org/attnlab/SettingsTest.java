package org.attnlab;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    @Test
    void defaultsAreQuickSeed42AndGpuOnlyWhenPresent() {
        Settings cpu = Settings.fromVariables(Map.of(), 0);
        assertEquals(Device.cpu(), cpu.device());
        assertEquals(Preset.QUICK, cpu.preset());
        assertEquals(42L, cpu.seed());
        assertEquals(Device.gpu(), Settings.fromVariables(Map.of(), 1).device());
    }

    @Test
    void readsEnvironmentValues() {
        Settings s = Settings.fromVariables(
                Map.of("ATTNLAB_DEVICE", "CPU", "ATTNLAB_PRESET", "Smoke", "ATTNLAB_SEED", "7"), 2);
        assertEquals(Device.cpu(), s.device());
        assertEquals(Preset.SMOKE, s.preset());
        assertEquals(7L, s.seed());
    }

    @Test
    void badValuesNameTheAllowedOnes() {
        IllegalArgumentException preset = assertThrows(IllegalArgumentException.class,
                () -> Settings.fromVariables(Map.of("ATTNLAB_PRESET", "huge"), 0));
        assertTrue(preset.getMessage().contains("'huge'") && preset.getMessage().contains("smoke|quick|full"),
                preset.getMessage());
        IllegalArgumentException device = assertThrows(IllegalArgumentException.class,
                () -> Settings.fromVariables(Map.of("ATTNLAB_DEVICE", "tpu"), 0));
        assertTrue(device.getMessage().contains("'tpu'") && device.getMessage().contains("cpu|gpu"), device.getMessage());
        IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
                () -> Settings.fromVariables(Map.of("ATTNLAB_SEED", "abc"), 0));
        assertTrue(seed.getMessage().contains("'abc'"), seed.getMessage());
    }

    @Test
    void seedsOutOfRangeAreNotCalledNonNumbers() {
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> Settings.fromVariables(Map.of("ATTNLAB_SEED", "99999999999999999999"), 0));
        assertEquals("ATTNLAB_SEED '99999999999999999999' is out of range; allowed: -9223372036854775808 to "
                + "9223372036854775807, e.g. ATTNLAB_SEED=42", big.getMessage());
        IllegalArgumentException word = assertThrows(IllegalArgumentException.class,
                () -> Settings.parseSeed("ten", "--seed"));
        assertEquals("--seed 'ten' is not a whole number; e.g. --seed 42", word.getMessage());
    }

    @Test
    void parallelRunsDefaultToOnePerCoreOnCpuAndOneOnGpu() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(cores, Settings.defaultParallelRuns(Device.cpu(), 1));
        assertEquals(Math.max(1, cores / 2), Settings.defaultParallelRuns(Device.cpu(), 2));
        assertEquals(1, Settings.defaultParallelRuns(Device.cpu(), 4 * cores));
        assertEquals(1, Settings.defaultParallelRuns(Device.gpu(), 1));
        assertEquals(1, Settings.fromVariables(Map.of(), 1).parallelRuns(), "GPU: one run at a time");
        assertEquals(3, Settings.fromVariables(Map.of("ATTNLAB_PARALLEL_RUNS", "3"), 1).parallelRuns());
        assertEquals(1, new Settings(Device.cpu(), Preset.SMOKE, 7).parallelRuns(), "explicit settings: one at a time");
        assertEquals(2, new Settings(Device.cpu(), Preset.SMOKE, 7).withParallelRuns(2).withSeed(8).parallelRuns());
    }

    @Test
    void parallelRunsAreCheckedAndNamed() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> Settings.fromVariables(Map.of("ATTNLAB_PARALLEL_RUNS", "0"), 0));
        assertEquals("ATTNLAB_PARALLEL_RUNS 0 is out of range; allowed: a whole number from 1 (one run after another) "
                + "to 64, e.g. ATTNLAB_PARALLEL_RUNS=2", zero.getMessage());
        IllegalArgumentException word = assertThrows(IllegalArgumentException.class,
                () -> Settings.parseParallelRuns("two", "--parallel-runs"));
        assertEquals("--parallel-runs 'two' is not a whole number; allowed: a whole number from 1 (one run after "
                + "another) to 64, e.g. --parallel-runs 2", word.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Settings.parseParallelRuns("65", "ATTNLAB_PARALLEL_RUNS"));
        assertThrows(IllegalArgumentException.class, () -> new Settings(Device.cpu(), Preset.SMOKE, 7, 0));
    }

    @Test
    void threadCountsAreCheckedAndNamed() {
        assertEquals(1, Settings.parseThreads(null, "ATTNLAB_THREADS", 8));
        assertEquals(1, Settings.parseThreads(" ", "ATTNLAB_THREADS", 8));
        assertEquals(8, Settings.parseThreads("8", "ATTNLAB_THREADS", 8));
        int cpus = Runtime.getRuntime().availableProcessors();
        for (String bad : new String[] {"0", "-1", "100000", "9"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Settings.parseThreads(bad, "ATTNLAB_THREADS", 8));
            assertEquals("ATTNLAB_THREADS " + bad + " is out of range; allowed: a whole number from 1 to 8 (4 x the "
                    + cpus + " processors), e.g. ATTNLAB_THREADS=1", e.getMessage());
        }
        IllegalArgumentException abc = assertThrows(IllegalArgumentException.class,
                () -> Settings.parseThreads("abc", "ATTNLAB_THREADS", 8));
        assertTrue(abc.getMessage().startsWith("ATTNLAB_THREADS 'abc' is not a whole number; allowed: a whole number"),
                abc.getMessage());
        assertEquals(4 * cpus, Settings.maxThreads());
    }

    @Test
    void threadsReadsTheVariableAndTheEnginesProperty() {
        String before = System.getProperty("ai.djl.pytorch.num_threads");
        try {
            System.setProperty("ai.djl.pytorch.num_threads", "0");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Settings::threads);
            assertTrue(e.getMessage().startsWith("ai.djl.pytorch.num_threads (from ATTNLAB_THREADS) 0 is out of "
                    + "range"), e.getMessage());
            assertThrows(IllegalArgumentException.class, Settings::current, "current() checks before the engine");
            System.setProperty("ai.djl.pytorch.num_threads", "1");
            assertEquals(1, Settings.threads());
        } finally {
            if (before == null) {
                System.clearProperty("ai.djl.pytorch.num_threads");
            } else {
                System.setProperty("ai.djl.pytorch.num_threads", before);
            }
        }
    }

    @Test
    void gpuWithoutGpuSaysSoPlainly() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Settings.fromVariables(Map.of("ATTNLAB_DEVICE", "gpu"), 0));
        assertTrue(e.getMessage().contains("sees no GPU"), e.getMessage());
    }

    @Test
    void presetPicksByName() {
        assertEquals(3, Preset.FULL.pick(1, 2, 3));
        assertEquals("s", Preset.SMOKE.pick("s", "q", "f"));
        assertEquals("quick", Preset.QUICK.label());
    }
}
