package org.attnlab.model;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import org.attnlab.attention.AttentionKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model plugs into DJL's Model/Trainer and learns: a few Adam steps memorise a fixed batch. */
class DecoderLMTrainingTest {

    @Test
    void adamStepsThroughDjlsTrainerLowerTheLoss() {
        ModelConfig config = ModelConfig.builder(13, 16, 2, 3).mlpWidth(24).tieEmbeddings(true)
                .maxLength(8)
                .plan(LayerPlan.of(AttentionKind.STATIC_EMB_QK, AttentionKind.RND_EMB_QK, AttentionKind.PATH_FOX)).build();
        DecoderLM lm = new DecoderLM(config);
        try (Model model = Model.newInstance("lm")) {
            model.setBlock(lm);
            model.getNDManager().getEngine().setRandomSeed(1);
            DefaultTrainingConfig tc = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.03f)).build());
            try (Trainer trainer = model.newTrainer(tc)) {
                trainer.initialize(new Shape(2, 8));
                NDManager m = trainer.getManager();
                NDArray tokens = m.create(new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4}, new Shape(2, 8));
                NDArray targets = m.create(new int[]{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5}, new Shape(2, 8));
                float[] randomInput = lm.getParameters().get("random_input").getArray().toFloatArray();
                float first = 0;
                float last = 0;
                for (int step = 0; step < 12; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(new NDList(tokens));
                        // DJL's softmax cross-entropy wants [N, V] logits and [N] labels
                        NDArray loss = trainer.getLoss().evaluate(new NDList(targets.reshape(-1)),
                                new NDList(out.head().reshape(-1, 13)));
                        gc.backward(loss);
                        float value = loss.getFloat();
                        if (step == 0) {
                            first = value;
                        }
                        last = value;
                    }
                    trainer.step();
                }
                assertTrue(last < 0.5f * first, "loss " + first + " -> " + last);
                assertTrue(first > 0.9 * Math.log(13) && first < 1.1 * Math.log(13), "initial loss " + first
                        + " should be near ln(vocab) = " + Math.log(13));
                assertArrayEquals(randomInput, lm.getParameters().get("random_input").getArray().toFloatArray(),
                        "RndEmbQK's random input is fixed");
                List<String> names = lm.getParameters().keys();
                assertTrue(names.stream().anyMatch(n -> n.contains("w_conv")), names.toString());
            }
        }
    }
}
