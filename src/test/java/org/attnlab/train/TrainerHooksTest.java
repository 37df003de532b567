package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.nn.Parameter;
import org.attnlab.Seeds;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.attnlab.train.BatchRequest.Split;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Evaluating under hooks: the same numbers without hooks, other numbers under an ablation, the model untouched. */
@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class TrainerHooksTest {

    private static final int V = 8;

    /** Every layer's attention output replaced by zeros. */
    private static Hooks zeroAttention() {
        return Hooks.create().add(n -> HookName.parse(n).map(p -> p.component().equals(HookName.ATTN_OUT))
                .orElse(false), (n, x) -> x.zerosLike());
    }

    private static DecoderLM model(NDManager m) {
        ModelConfig cfg = ModelConfig.builder(V, 16, 2, 2).mlpWidth(16)
                .plan(LayerPlan.uniform(AttentionKind.STANDARD, 2)).build();
        return DecoderLM.create(cfg, m, 11);
    }

    private static List<float[]> parameters(DecoderLM model) {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getParameters()) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    @Test
    void noHooksGiveEvaluateAndAnAblationChangesTheLossButNotTheModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM model = model(m);
            TrainConfig cfg = Fixtures.config(5).steps(20).build();
            // the previous token: attention matters (copying the current token did not need it: the residual
            // stream carries it, and an ablation came out better or worse by the luck of the initial weights)
            TrainingData data = Fixtures.previousToken(V);
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(data).evalData(data).build()) {
                t.run();
                Map<String, Double> plain = t.evaluate();
                Map<String, Double> none = prefixed(t.evaluate(data, cfg.evalBatches(), Hooks.none()));
                Map<String, Double> empty = prefixed(t.evaluate(data, cfg.evalBatches(), Hooks.create()));
                assertEquals(plain, none);
                assertEquals(plain, empty);
                assertEquals(plain, prefixed(t.evaluate(data, cfg.evalBatches())));

                List<float[]> before = parameters(model);
                Map<String, Double> ablated = t.evaluate(data, cfg.evalBatches(), zeroAttention());
                assertNotEquals(plain.get("eval_loss"), ablated.get("loss"));
                assertTrue(ablated.get("loss") > plain.get("eval_loss"),
                        "the previous token needs attention: " + ablated + " vs " + plain);

                // the model is as it was: same parameters, same plain numbers
                List<float[]> after = parameters(model);
                for (int i = 0; i < before.size(); i++) {
                    assertArrayEquals(before.get(i), after.get(i), 0f);
                }
                assertEquals(plain, t.evaluate());
            }
        }
    }

    @Test
    void evaluationUnderHooksIsTheMaskedLossOfTheHookedForwardPass() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM model = model(m);
            TrainConfig cfg = Fixtures.config(6).steps(1).build();
            TrainingData data = Fixtures.affineTask(V);
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(data).build()) {
                Map<String, Double> ablated = t.evaluate(data, 1, zeroAttention());
                // by hand: eval batch 0 as the trainer requests it, the model run under the same hooks
                BatchRequest req = new BatchRequest(Split.EVAL, 0, Seeds.derive(cfg.seed(), Seeds.Stream.EVAL_BATCH, 0),
                        cfg.batchSize(), cfg.context());
                TensorBatch b = data.batch(m, req);
                NDArray logits = model.forward(new ParameterStore(m, false), b.tokens(), false, zeroAttention());
                NDArray mask = b.lossMask().toType(DataType.FLOAT32, false);
                double nll = MaskedLoss.nllSum(logits, b.targets(), mask).getFloat();
                double count = mask.sum().getFloat();
                assertEquals(nll / count, ablated.get("loss"), 1e-5);
                assertEquals(Math.exp(ablated.get("loss")), ablated.get("perplexity"), 1e-12);

                NDArray viaTrainer = t.logits(b.tokens(), zeroAttention());
                assertTrue(viaTrainer.allClose(logits, 0, 0, false));
                assertTrue(t.logits(b.tokens(), Hooks.none()).allClose(t.logits(b.tokens()), 0, 0, false));
                assertTrue(!viaTrainer.allClose(t.logits(b.tokens()), 1e-4, 1e-5, false));
            }
        }
    }

    @Test
    void hooksNeedAHookedModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM tiny = Fixtures.model(m, 1, V, 8, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(1).steps(1).build();
            TrainingData data = Fixtures.affineTask(V);
            try (Trainer t = Trainer.builder().model(tiny).config(cfg).trainData(data).evalData(data).build()) {
                // no hooks: any model
                assertEquals(t.evaluate(), prefixed(t.evaluate(data, cfg.evalBatches(), Hooks.none())));
                var e = assertThrows(IllegalArgumentException.class,
                        () -> t.evaluate(data, 1, zeroAttention()));
                assertTrue(e.getMessage().contains("HookedModel") && e.getMessage().contains("TinyLM"),
                        e.getMessage());
                NDArray tokens = m.zeros(new Shape(1, 4), DataType.INT32);
                var l = assertThrows(IllegalArgumentException.class, () -> t.logits(tokens, zeroAttention()));
                assertTrue(l.getMessage().contains("HookedModel"), l.getMessage());
                var n = assertThrows(IllegalArgumentException.class, () -> t.evaluate(data, 1, null));
                assertTrue(n.getMessage().contains("Hooks.none()"), n.getMessage());
            }
        }
    }

    private static Map<String, Double> prefixed(Map<String, Double> m) {
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put("eval_" + k, v));
        return out;
    }
}
