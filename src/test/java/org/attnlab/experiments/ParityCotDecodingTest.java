package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionKind;
import org.attnlab.data.tasks.ParityTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.LearnedPositionsLM;
import org.attnlab.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Free-running (greedy) decoding of parity chains against teacher forcing: a model right at every teacher-forced
 * step must write the right answer itself, and a model wrong at one middle step must not, however right its last
 * teacher-forced step is.
 */
class ParityCotDecodingTest {

    private static final ParityTask COT = ParityTask.withChainOfThought();

    /**
     * A hand-written "model": logits {@code [B, l, 5]} that put 10 on the token the parity rule gives from the
     * inputs so far (after {@code <eoi>} at position L+1: {@code s_t = s_{t-1} XOR x_t}, reading {@code s_{t-1}}
     * from the input at L+t, {@code <eoi>} as s_0 = 0), and 0 elsewhere; at step {@code wrongStep} (1-based; 0 for
     * none) it flips its answer. It needs L, so it reads the position of {@code <eoi>} from the tokens.
     */
    private static Function<NDArray, NDArray> ruleModel(int wrongStep) {
        return tokens -> {
            long[] t = tokens.toType(DataType.INT64, false).toLongArray();
            int b = (int) tokens.getShape().get(0);
            int l = (int) tokens.getShape().get(1);
            float[] logits = new float[b * l * 5];
            for (int r = 0; r < b; r++) {
                int eoi = -1;
                for (int i = 0; i < l; i++) {
                    if (t[r * l + i] == ParityTask.EOI && eoi < 0) {
                        eoi = i;
                    }
                    int predicted = ParityTask.ZERO;
                    if (eoi >= 0 && i - eoi + 1 <= eoi - 1) {            // step st = i - L, bit x_st at position st
                        int step = i - eoi + 1;
                        int prev = i == eoi ? 0 : (t[r * l + i] == ParityTask.ONE ? 1 : 0);
                        int bit = t[r * l + step] == ParityTask.ONE ? 1 : 0;
                        int s = prev ^ bit ^ (step == wrongStep ? 1 : 0);
                        predicted = s == 1 ? ParityTask.ONE : ParityTask.ZERO;
                    }
                    logits[(r * l + i) * 5 + predicted] = 10f;
                }
            }
            return tokens.getManager().create(logits, new Shape(b, l, 5));
        };
    }

    @Test
    void aModelRightAtEveryTeacherForcedStepWritesTheRightAnswer() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int len : new int[] {1, 2, 5, 9}) {
                TaskBatch test = COT.sample(32, len, Split.TEST, 100 + len);
                ParityCotExperiment.ChainAccuracy a = ParityCotExperiment.chainAccuracy(ruleModel(0), COT, test, m);
                assertEquals(1.0, a.stepForced(), "L = " + len);
                assertEquals(1.0, a.everyStepForced(), "L = " + len);
                assertEquals(1.0, a.answer(), "free-running must match teacher forcing at L = " + len);
            }
        }
    }

    @Test
    void oneWrongMiddleStepIsInvisibleToTheLastTeacherForcedTokenButNotToTheAnswer() {
        // the full-preset symptom: last token right when teacher forced, answer wrong when the model writes the chain
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            int len = 6;
            TaskBatch test = COT.sample(32, len, Split.TEST, 7L);
            ParityCotExperiment.ChainAccuracy a = ParityCotExperiment.chainAccuracy(ruleModel(3), COT, test, m);
            assertEquals(1.0, a.lastStepForced());
            assertEquals((len - 1) / (double) len, a.stepForced(), 1e-12);
            assertEquals(0.0, a.everyStepForced());
            assertEquals(0.0, a.answer(), "a flipped s_3 flips every later state, so every written answer is wrong");
        }
    }

    @Test
    void withoutChainOfThoughtEveryFieldIsTheAnswerAtEoi() {
        ParityTask plain = ParityTask.withoutChainOfThought();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            TaskBatch test = plain.sample(16, 4, Split.TEST, 3L);
            // the rule model predicts s_1 = x_1 at <eoi>: right exactly where x_1 equals the parity of all four bits
            int expected = 0;
            for (int[] row : test.inputs()) {
                int p = 0;
                for (int t = 1; t <= 4; t++) {
                    p ^= row[t] == ParityTask.ONE ? 1 : 0;
                }
                expected += (row[1] == ParityTask.ONE ? 1 : 0) == p ? 1 : 0;
            }
            ParityCotExperiment.ChainAccuracy a = ParityCotExperiment.chainAccuracy(ruleModel(0), plain, test, m);
            assertEquals(expected / 16.0, a.answer(), 1e-12);
            assertEquals(a.answer(), a.everyStepForced());
            assertEquals(a.answer(), a.lastStepForced());
        }
    }

    @Test
    void greedyDecodingOfARealModelIsItsOwnTeacherForcedArgmax() {
        // what free-running decoding relies on: the logits at position i depend on tokens 0..i only, so teacher
        // forcing the model's own chain gives back, at every step, the token it wrote
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            int len = 7;
            ModelConfig config = ModelConfig.builder(5, 16, 1, 2).plan(LayerPlan.uniform(AttentionKind.NOPE, 2)).build();
            LearnedPositionsLM lm = LearnedPositionsLM.create(config, COT.inputLength(len) + 1, m, 11L);
            ParameterStore ps = new ParameterStore(m, false);
            Function<NDArray, NDArray> logits = x -> lm.forward(ps, x, false);
            NDArray prompt = COT.sample(16, len, Split.TEST, 5L).inputArray(m).get(new NDIndex(":, :{}", len + 2));
            NDArray chain = ParityCotExperiment.greedy(logits, prompt, len);                  // [16, 2L+2]
            assertEquals(new Shape(16, 2 * len + 2), chain.getShape());
            NDArray full = logits.apply(chain.get(new NDIndex(":, :-1")));                   // [16, 2L+1, 5]
            long[] forced = full.get(new NDIndex(":, {}:", len + 1)).argMax(-1).toLongArray();
            long[] written = chain.get(new NDIndex(":, {}:", len + 2)).toLongArray();
            assertArrayEquals(written, forced);
            // and the prefix's logits are the full sequence's at the same positions
            NDArray prefix = logits.apply(chain.get(new NDIndex(":, :{}", len + 4)));
            float diff = prefix.sub(full.get(new NDIndex(":, :{}", len + 4))).abs().max().getFloat();
            assertTrue(diff < 1e-5, "prefix logits differ from the full sequence's by " + diff);
        }
    }

    @Test
    void mixedLengthsAreRefused() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            TaskBatch mixed = COT.sampleMixedLengths(8, 1, 5, Split.TEST, 1L);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ParityCotExperiment.chainAccuracy(ruleModel(0), COT, mixed, m));
            assertTrue(e.getMessage().contains("one length"), e.getMessage());
        }
    }

    @Test
    void solvedUpToCountsTheLeadingRunOfSolvedLengths() {
        assertEquals(3, ParityCotExperiment.solvedUpTo(new double[] {1.0, 0.95, 0.9, 0.5, 1.0}));
        assertEquals(0, ParityCotExperiment.solvedUpTo(new double[] {0.6, 1.0}));
        assertEquals(2, ParityCotExperiment.solvedUpTo(new double[] {1.0, 1.0}));
    }
}
