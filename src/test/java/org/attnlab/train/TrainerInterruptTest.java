package org.attnlab.train;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Interrupting the training thread (Jupyter's stop button) stops the run between steps, keeping the last step. */
@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class TrainerInterruptTest {

    private static final int V = 8;

    private static Trainer trainer(TinyLM model, ProgressListener listener) {
        TrainConfig cfg = Fixtures.config(3).steps(20).evalEvery(0).build();
        Trainer.Builder b = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(V))
                .runName("tiny");
        if (listener != null) {
            b.listener(listener);
        }
        return b.build();
    }

    @Test
    void anInterruptStopsBeforeTheNextStepAndTheRunResumesAsIfNothingHappened() {
        double[] uninterrupted;
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 3, V, 16, 0f, 8, 8);
            try (Trainer t = trainer(model, null)) {
                t.run();
                uninterrupted = t.metrics().values("train_loss");
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 3, V, 16, 0f, 8, 8);
            ProgressListener stopAt7 = new ProgressListener() {
                @Override
                public void onStep(Progress p) {
                    if (p.step() == 7) {
                        Thread.currentThread().interrupt(); // what the kernel's SIGINT handler does
                    }
                }
            };
            try (Trainer t = trainer(model, stopAt7)) {
                TrainingInterrupted e = assertThrows(TrainingInterrupted.class, t::run);
                assertEquals("interrupted at step 7 of 20 (run 'tiny'); the model keeps step 7's weights",
                        e.getMessage());
                assertEquals(0, e.getStackTrace().length, "one line in a notebook: no stack trace");
                assertEquals(7, e.step());
                assertEquals(7, t.stepsDone());
                assertFalse(Thread.currentThread().isInterrupted(), "the flag is consumed");
                t.run(); // going on from step 7 gives exactly the uninterrupted run
                assertEquals(20, t.stepsDone());
                assertArrayEquals(uninterrupted, t.metrics().values("train_loss"));
            }
        }
    }
}
