package org.attnlab.train;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class SpeedProbeTest {
    @Test
    void probe() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 1, 8, 16, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(1).steps(2000).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(8)).build()) {
                for (int k = 0; k < 5; k++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 100; i++) t.step();
                    System.out.println("step ms " + (System.nanoTime() - t0) / 1e6 / 100);
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < 1000; i++) Seeds.seedEngine(i);
                System.out.println("seed us " + (System.nanoTime() - t0) / 1e3 / 1000);
                t0 = System.nanoTime();
                for (int i = 0; i < 100; i++) t.optimizer().update(0.0);
                System.out.println("adam ms " + (System.nanoTime() - t0) / 1e6 / 100);
                t0 = System.nanoTime();
                for (int i = 0; i < 100; i++) GradientClip.clip(t.optimizer().parameters(), 1.0);
                System.out.println("clip ms " + (System.nanoTime() - t0) / 1e6 / 100);
                t0 = System.nanoTime();
                for (int i = 0; i < 100; i++) try (NDManager s = m.newSubManager()) { t.evaluate(Fixtures.affineTask(8), 1); }
                System.out.println("eval ms " + (System.nanoTime() - t0) / 1e6 / 100);
            }
        }
    }
}
