package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One way to seed a model's weights, and divergence as a typed exception. */
@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class ModelSeedingTest {

    private static final ModelConfig CONFIG = ModelConfig.builder(11, 16, 2, 2).build();

    @Test
    void decoderCreateAndTrainerInitializeDrawTheSameWeightsForOneSeed() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM created = DecoderLM.create(CONFIG, m, 42);
            DecoderLM initialized = new DecoderLM(CONFIG);
            Trainer.initialize(initialized, m, 42, new Shape(4, 8));
            DecoderLM otherSeed = DecoderLM.create(CONFIG, m, 43);
            List<String> names = created.getParameters().keys();
            List<Parameter> a = created.getParameters().values();
            List<Parameter> b = initialized.getParameters().values();
            List<Parameter> c = otherSeed.getParameters().values();
            assertEquals(names, initialized.getParameters().keys());
            boolean anyDiffers = false;
            for (int i = 0; i < a.size(); i++) {
                NDArray x = a.get(i).getArray();
                assertTrue(x.contentEquals(b.get(i).getArray()), names.get(i) + " differs");
                anyDiffers |= !x.contentEquals(c.get(i).getArray());
            }
            assertTrue(anyDiffers, "another seed must draw other weights");
        }
    }

    @Test
    void aNonFiniteLossThrowsTrainingDivergedWithItsStep() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 1, 8, 16, 0f, 8, 8);
            model.getParameters().valueAt(0).getArray().muli(Float.NaN);   // poison the weights
            TrainConfig cfg = Fixtures.config(1).steps(5).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(8))
                    .runName("poisoned").build()) {
                TrainingDiverged e = assertThrows(TrainingDiverged.class, t::run);
                assertEquals(1, e.step());
                assertEquals("poisoned", e.run());
                assertFalse(Double.isFinite(e.loss()));
                assertTrue(e.getMessage().contains("diverged at step 1"), e.getMessage());
                assertEquals(0, t.stepsDone(), "the diverged update is not applied");
            }
        }
    }
}
