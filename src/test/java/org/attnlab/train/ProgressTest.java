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
    void startLineNamesTheSeedAsTheReaderKnowsIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TerminalProgress p = new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        p.onStart("PaTH", Fixtures.config(42).steps(20).lr(3e-3).build(), 0);
        long derived = org.attnlab.Seeds.derive(42, "second seed");
        p.onStart("RoPE", Fixtures.config(derived).steps(20).lr(3e-3).seedName("seed B").build(), 0);
        p.onStart("NoPE", Fixtures.config(derived).steps(20).lr(3e-3).seedName("seed 42").build(), 5);
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(List.of(
                "training PaTH: 20 steps, batch 8 x 8 tokens, lr 0.0030, cpu(), seed 42",
                "training RoPE: 20 steps, batch 8 x 8 tokens, lr 0.0030, cpu(), seed B",
                "training NoPE: from step 5 to 20 steps, batch 8 x 8 tokens, lr 0.0030, cpu(), seed 42"), lines);
        assertFalse(lines.toString().contains(Long.toString(derived)), "the derived seed is not printed: " + lines);
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
        HtmlDisplay fake = recording(shown, updates);
        TrainResult r = train(new NotebookProgress(fake), 20, 5);
        assertEquals(1, shown.size());
        assertTrue(updates.size() >= 3, "at least the two evaluations and the end: " + updates.size());
        String last = updates.get(updates.size() - 1);
        assertTrue(last.contains("done: 20 steps"), last);
        assertTrue(last.contains("<b>demo</b> &middot; seed 1 &middot; done"), "the seed beside the run's name: " + last);
        assertTrue(last.contains("<progress") && last.contains("value=\"1.0000\""), last);
        assertTrue(last.contains("<th>eval_loss</th>") && last.contains("<td>20</td>"), last);
        assertEquals(20, r.steps());
    }

    @Test
    void notebookDisplayNamesTheSeedOnceAsTheReaderKnowsIt() {
        assertEquals("seed B", NotebookProgress.seedShown("PaTH", "seed B"));
        assertEquals(null, NotebookProgress.seedShown("1-layer, seed B", "seed -2912072307233512929"),
                "a name that says its seed is not followed by another");
        assertEquals(null, NotebookProgress.seedShown("standard, second seed", "seed 44"));
        List<String> shown = new ArrayList<>();
        HtmlDisplay fake = recording(shown, new ArrayList<>());
        NotebookProgress p = new NotebookProgress(fake);
        long derived = org.attnlab.Seeds.derive(42, "second seed");
        p.onStart("RoPE", Fixtures.config(derived).steps(20).seedName("seed B").build(), 0);
        assertTrue(shown.get(0).contains("<b>RoPE</b> &middot; seed B &middot; starting"), shown.get(0));
        assertFalse(shown.get(0).contains(Long.toString(derived)), shown.get(0));
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

    private static ProgressListener.Progress at(String run, long step, long total) {
        return new ProgressListener.Progress(run, step, total, 1.0, 1.0, 1e-3, 1000, step, total - step,
                java.util.Map.of());
    }

    private static TrainResult ended(String run, long steps) {
        return new TrainResult(run, steps, false, java.util.Map.of(), 1.0, 1.0, 1000, new MetricsLog());
    }

    @Test
    void runsAtOnceKeepTheirOwnLinesAndLogEvery() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TerminalProgress p = new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        p.onStart("RoPE", Fixtures.config(1).steps(4).logEvery(2).build(), 0);
        p.onStart("PaTH", Fixtures.config(1).steps(3).logEvery(3).build(), 0);
        for (int step = 1; step <= 4; step++) {             // interleaved as two threads would call it
            p.onStep(at("RoPE", step, 4));
            if (step <= 3) {
                p.onStep(at("PaTH", step, 3));
            }
        }
        p.onEval(at("PaTH", 3, 3), java.util.Map.of("eval_loss", 0.5));
        p.onEnd(ended("PaTH", 3));
        p.onEnd(ended("RoPE", 4));
        List<String> steps = bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("  step ")).toList();
        assertEquals(List.of("RoPE  step 2/4", "PaTH  step 3/3", "RoPE  step 4/4"),
                steps.stream().map(l -> l.substring(0, l.indexOf("  loss"))).toList(), "each run's own logEvery");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("  PaTH eval @ step 3: eval_loss 0.5000"), "whose evaluation, when several run: " + out);
    }

    @Test
    void theLiveLineShowsEveryActiveRun() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TerminalProgress p = new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        p.onStart("RoPE", Fixtures.config(1).steps(4).build(), 0);
        p.onStart("PaTH", Fixtures.config(1).steps(4).build(), 0);
        p.onStep(at("RoPE", 1, 4));
        p.onStep(at("PaTH", 4, 4));                          // a last step always prints
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("\rRoPE 1/4 ETA 3s | PaTH 4/4 ETA 0s"), out);
    }

    @Test
    void runsAtOnceEachUpdateTheirOwnNotebookDisplay() {
        List<String> ids = new ArrayList<>();
        java.util.Map<String, List<String>> updates = new java.util.HashMap<>();
        HtmlDisplay fake = new HtmlDisplay() {
            @Override
            public String show(String html) {
                ids.add("id-" + ids.size());
                return ids.get(ids.size() - 1);
            }

            @Override
            public void update(String id, String html) {
                updates.computeIfAbsent(id, k -> new ArrayList<>()).add(html);
            }
        };
        NotebookProgress p = new NotebookProgress(fake);
        p.onStart("RoPE", Fixtures.config(1).steps(2).build(), 0);
        p.onStart("PaTH", Fixtures.config(1).steps(2).build(), 0);
        p.onStep(at("PaTH", 2, 2));
        p.onStep(at("RoPE", 2, 2));
        p.onEval(at("RoPE", 2, 2), java.util.Map.of("eval_loss", 0.25));
        p.onEnd(ended("RoPE", 2));
        p.onEnd(ended("PaTH", 2));
        assertEquals(List.of("id-0", "id-1"), ids, "one display per run");
        assertTrue(updates.get("id-0").stream().allMatch(h -> h.contains("<b>RoPE</b>")), updates.toString());
        assertTrue(updates.get("id-1").stream().allMatch(h -> h.contains("<b>PaTH</b>")), updates.toString());
        String lastRope = updates.get("id-0").get(updates.get("id-0").size() - 1);
        String lastPath = updates.get("id-1").get(updates.get("id-1").size() - 1);
        assertTrue(lastRope.contains("done: 2 steps") && lastRope.contains("<th>eval_loss</th>"), lastRope);
        assertTrue(lastPath.contains("done: 2 steps") && !lastPath.contains("eval_loss"), "RoPE's eval is not PaTH's");
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

    /** A display that records what it is shown and how it is updated (one display, id "id-1"). */
    private static HtmlDisplay recording(List<String> shown, List<String> updates) {
        return new HtmlDisplay() {
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
    }
}
