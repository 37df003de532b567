package org.attnlab;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code Environment}'s line on the native libraries' settings: what is set, sorted, and a way out where none is. */
class EnvironmentTest {

    @Test
    void nativeSettingsListsTheAllocatorAndAtenVariablesSorted() {
        Map<String, String> env = Map.of("PATH", "/bin", "MALLOC_ARENA_MAX", "1", "ATEN_CPU_CAPABILITY", "avx2",
                "MALLOC_TOP_PAD_", "536870912", "JAVA_HOME", "/j");
        assertEquals("ATEN_CPU_CAPABILITY=avx2, MALLOC_ARENA_MAX=1, MALLOC_TOP_PAD_=536870912",
                Environment.nativeSettings(env));
    }

    @Test
    void withNoneItSaysWhereTheyComeFrom() {
        assertEquals("none (./lab and the lab's Java kernel set environment/native.env's)",
                Environment.nativeSettings(Map.of("PATH", "/bin")));
    }
}
