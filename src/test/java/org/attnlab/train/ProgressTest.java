package org.attnlab.train;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class ProgressTest {

    private static final int V = 8;

    private static TrainResult train(ProgressListener listener, int steps, int logEvery) {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 1, V, 8, 0f, 8, 8);
            TrainConfig cfg = Fixtures.config(1).steps(steps).evalEvery(10).logEvery(logEvery).build();
            try (Trainer t = Trainer.builder().model(model).config(cfg).trainData(Fixtures.affineTask(V))
                    .evalData(Fixtures.affineTask(V)).runName("demo").listener(listener).build()) {
                return t.run();
            }
        }
    }

    @Test
    void plainLinesEveryLogEverySteps() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        train(new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false), 20, 5);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(out.contains("\r"), "no carriage returns when not a terminal");
        List<String> stepLines = out.lines().filter(l -> l.startsWith("demo  step")).toList();
        assertEquals(4, stepLines.size(), out); // steps 5, 10, 15, 20
        assertTrue(stepLines.get(0).startsWith("demo  step 5/20  loss "), stepLines.get(0));
        assertTrue(stepLines.get(3).contains("tok/s  ETA 0s"), stepLines.get(3));
        assertTrue(stepLines.get(2).contains("eval_loss"), "eval shown after the first evaluation: " + stepLines.get(2));
        assertEquals(2, out.lines().filter(l -> l.startsWith("  eval @ step")).count(), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("training demo: 20 steps, batch 8 x 8 tokens")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("done demo: 20 steps")), out);
    }

    @Test
    void liveLineIsRewrittenInPlace() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        train(new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true), 20, 5);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("\rdemo  step 20/20"), out);
        assertTrue(out.contains("\r  eval @ step 10: eval_loss"), out);
    }

    @Test
    void notebookDisplayIsShownOnceAndUpdated() {
        List<String> shown = new ArrayList<>();
        List<String> updates = new ArrayList<>();
        HtmlDisplay fake = new HtmlDisplay() {
            @Override
            public String show(String html) {
                shown.add(html);
                return "id-1";
            }

            @Override
            public void update(String id, String html) {
                assertEquals("id-1", id);
                updates.add(html);
            }
        };
        TrainResult r = train(new NotebookProgress(fake), 20, 5);
        assertEquals(1, shown.size());
        assertTrue(updates.size() >= 3, "at least the two evaluations and the end: " + updates.size());
        String last = updates.get(updates.size() - 1);
        assertTrue(last.contains("done: 20 steps"), last);
        assertTrue(last.contains("<progress") && last.contains("value=\"1.0000\""), last);
        assertTrue(last.contains("<th>eval_loss</th>") && last.contains("<td>20</td>"), last);
        assertEquals(20, r.steps());
    }

    @Test
    void outsideTheKernelTheNotebookListenerPrintsLines() {
        assertFalse(NotebookProgress.inKernel());
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            train(new NotebookProgress(), 10, 5);
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("demo  step 10/10"), out);
        assertFalse(ProgressListener.auto() instanceof NotebookProgress);
    }

    @Test
    void durationsAndRatesReadWell() {
        assertEquals("42s", ProgressListener.Progress.duration(42.2));
        assertEquals("3m05s", ProgressListener.Progress.duration(185));
        assertEquals("1h02m", ProgressListener.Progress.duration(3720));
        assertEquals("-", ProgressListener.Progress.duration(Double.NaN));
        assertEquals("12.3k", ProgressListener.Progress.rate(12345));
        assertEquals("950", ProgressListener.Progress.rate(950));
    }
}
