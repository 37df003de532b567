package org.attnlab.bench;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ModelBench --device}: cpu or gpu, and a GPU asked for where DJL sees none fails at once, saying so. */
class ModelBenchDeviceTest {

    @Test
    void cpuAndGpuAreTheDevicesTheyName() {
        assertEquals(Device.cpu(), ModelBench.device("cpu", 0));
        assertEquals(Device.cpu(), ModelBench.device(" CPU ", 2));
        assertEquals(Device.gpu(), ModelBench.device("gpu", 1));
    }

    @Test
    void gpuWithoutAGpuNamesTheProblemAndTheWayOut() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelBench.device("gpu", 0));
        assertTrue(e.getMessage().startsWith("--device gpu, but DJL sees no GPU here (GPU count 0)"), e.getMessage());
        assertTrue(e.getMessage().contains("Use --device cpu"), e.getMessage());
    }

    @Test
    void anotherDeviceNamesTheValueAndWhatIsAllowed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelBench.device("cuda", 1));
        assertEquals("--device must be cpu or gpu; got 'cuda'", e.getMessage());
    }

    @Test
    void infoOnTheCpuNamesTheEngineAndNoCudaFields() {
        var info = ModelBench.info(Device.cpu());
        assertEquals("cpu()", info.get("device"));
        assertTrue(String.valueOf(info.get("engine")).startsWith("PyTorch "), String.valueOf(info.get("engine")));
        assertTrue(!info.containsKey("cuda"), info.toString());
    }
}
