package org.attnlab.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link ProgressListener#withoutEvaluations()} forwards start, steps and end, and drops evaluations. */
class LinePerRunTest {

    @Test
    void evaluationsAreDropped() {
        List<String> calls = new ArrayList<>();
        ProgressListener recorder = new ProgressListener() {
            @Override
            public void onStart(String run, TrainConfig config, long startStep) {
                calls.add("start " + run);
            }

            @Override
            public void onStep(Progress p) {
                calls.add("step " + p.step());
            }

            @Override
            public void onEval(Progress p, Map<String, Double> metrics) {
                calls.add("eval");
            }

            @Override
            public void onEnd(TrainResult r) {
                calls.add("end");
            }
        };
        ProgressListener quiet = recorder.withoutEvaluations();
        ProgressListener.Progress p = new ProgressListener.Progress("r", 3, 10, 1, 1, 1e-3, 100, 1, 2, Map.of());
        quiet.onStart("r", null, 0);
        quiet.onStep(p);
        quiet.onEval(p, Map.of("eval_loss", 1.0));
        quiet.onEnd(null);
        assertEquals(List.of("start r", "step 3", "end"), calls);
    }
}
