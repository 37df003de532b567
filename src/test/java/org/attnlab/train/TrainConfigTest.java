package org.attnlab.train;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {

    private static TrainConfig.Builder base() {
        return TrainConfig.builder(42, Device.cpu());
    }

    @Test
    void defaultsFollowTheStepCount() {
        TrainConfig c = base().steps(500).build();
        assertEquals(50, c.warmup());
        assertEquals(25, c.logEvery());
        assertEquals(100, base().steps(5000).build().warmup());
        assertNull(c.earlyStop());
        assertEquals(42, c.seed());
        assertEquals("seed 42", c.seedName());
        TrainConfig d = c.toBuilder().lr(3e-3).build();
        assertEquals(3e-3, d.lr());
        assertEquals(c.steps(), d.steps());
        assertEquals(c.warmup(), d.warmup());
        assertEquals("seed B", base().seedName("seed B").build().toBuilder().lr(2e-3).build().seedName());
    }

    private static void fails(TrainConfig.Builder b, String... mustContain) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "'" + e.getMessage() + "' should name " + s);
        }
    }

    @Test
    void badValuesFailNamingThem() {
        fails(base().steps(0), "steps=0");
        fails(base().seedName(" "), "seedName=\" \"", "seed B");
        fails(base().batchSize(-2), "batchSize=-2");
        fails(base().lr(-1e-3), "lr=-0.001");
        fails(base().lr(Double.NaN), "lr=NaN");
        fails(base().betas(0.9, 1.0), "beta2=1.0", "[0, 1)");
        fails(base().steps(10).warmup(20), "warmup=20", "steps=10");
        fails(base().clipNorm(-1), "clipNorm=-1.0");
        fails(base().minLrRatio(2), "minLrRatio=2.0");
        fails(base().checkpointEvery(10, null), "checkpointEvery=10", "checkpointDir");
        fails(base().evalBatches(0), "evalBatches=0");
        assertTrue(base().checkpointEvery(10, Path.of("x")).build().checkpointDir().endsWith("x"));
    }

    @Test
    void earlyStopReadsBothWays() {
        assertTrue(EarlyStop.atMost("eval_loss", 0.1).reached(0.1));
        assertTrue(!EarlyStop.atMost("eval_loss", 0.1).reached(0.2));
        assertTrue(EarlyStop.atLeast("eval_accuracy", 0.9).reached(0.95));
        assertTrue(!EarlyStop.atLeast("eval_accuracy", 0.9).reached(Double.NaN));
        assertEquals("eval_loss <= 0.1", EarlyStop.atMost("eval_loss", 0.1).toString());
        assertThrows(IllegalArgumentException.class, () -> EarlyStop.atMost(" ", 1));
    }
}
