package org.attnlab.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LrScheduleTest {

    @Test
    void warmupThenCosineAtKeySteps() {
        LrSchedule s = LrSchedule.warmupCosine(1e-3, 10, 110, 1e-4);
        assertEquals(1e-4, s.at(0), 1e-15);            // peak * 1 / 10
        assertEquals(5e-4, s.at(4), 1e-15);            // peak * 5 / 10
        assertEquals(1e-3, s.at(9), 1e-15);            // end of warmup
        assertEquals(1e-3, s.at(10), 1e-15);           // cosine starts at the peak
        assertEquals(5.5e-4, s.at(60), 1e-15);         // halfway: (peak + min) / 2
        assertEquals(1e-4 + 0.9e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), s.at(35), 1e-15);
        assertEquals(1e-4, s.at(110), 1e-15);          // the floor at T
        assertEquals(1e-4, s.at(5000), 1e-15);         // and after
        for (long t = 10; t < 110; t++) {
            assertTrue(s.at(t + 1) <= s.at(t), "non-increasing after warmup at " + t);
        }
    }

    @Test
    void noWarmupStartsAtThePeak() {
        LrSchedule s = LrSchedule.warmupCosine(2.0, 0, 4, 0.0);
        assertEquals(2.0, s.at(0), 1e-15);
        assertEquals(1.0, s.at(2), 1e-15);
        assertEquals(0.0, s.at(4), 1e-15);
    }

    @Test
    void configBuildsTheSchedule() {
        TrainConfig c = TrainConfig.builder(1, ai.djl.Device.cpu()).steps(200).lr(1e-2).warmup(20).minLrRatio(0.1)
                .build();
        assertEquals(1e-3, c.schedule().at(200), 1e-15);
        assertEquals(1e-2, c.schedule().at(19), 1e-15);
    }

    @Test
    void badArgumentsNameTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LrSchedule.warmupCosine(1e-3, 200, 100, 0));
        assertTrue(e.getMessage().contains("warmup 200") && e.getMessage().contains("total=100"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(1e-3, 0, 100, 1e-2));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(0));
    }
}
