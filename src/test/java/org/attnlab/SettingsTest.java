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
