package org.attnlab.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Progress as one HTML display in a notebook cell, updated in place (at most every 250 ms, and at each
 * evaluation and at the end): a progress bar, step, loss, tokens/s, ETA and a small table of the evaluations so
 * far. Inside the rapaio Java kernel it uses the kernel's display ids (through {@code RapaioDisplay}, loaded
 * reflectively so that the library runs without the kernel); anywhere else it falls back to plain text lines
 * ({@link TerminalProgress} without the live line).
 *
 * <p>Each run has its own display, so several runs at once (threads, {@code experiments.ParallelRuns}) sharing one
 * instance show one updating display each; the methods are synchronized.
 */
public final class NotebookProgress implements ProgressListener {

    private static final long INTERVAL_NANOS = 250_000_000L;
    private static final int EVAL_ROWS = 8;

    private final HtmlDisplay display;
    private final ProgressListener fallback;
    /** The display of each run under way, in start order. */
    private final Map<String, RunDisplay> runs = new java.util.LinkedHashMap<>();

    /** One run's display: its id, the latest progress and the evaluation rows so far. */
    private static final class RunDisplay {
        final List<String> evalRows = new ArrayList<>();
        String id;
        long lastUpdate;
        Progress last;
        /** The seed as the reader knows it ("seed 42"), or null when the run's name already says which seed. */
        String seed;
    }

    /** In the kernel: an updating display; elsewhere: text lines on {@code System.out}. */
    public NotebookProgress() {
        HtmlDisplay d = inKernel() ? kernelDisplay() : null;
        this.display = d;
        this.fallback = d == null ? new TerminalProgress(System.out, false) : null;
    }

    /** Renders into {@code display} (any notebook, or a test double). */
    public NotebookProgress(HtmlDisplay display) {
        this.display = java.util.Objects.requireNonNull(display, "display");
        this.fallback = null;
    }

    /**
     * Whether this JVM is the rapaio Java kernel: its main class is the kernel's or the kernel's environment
     * variable {@code RJK_CLASSPATH} is set. (Checked without loading kernel classes, whose static initialiser
     * would start a kernel.)
     */
    public static boolean inKernel() {
        String cmd = System.getProperty("sun.java.command", "");
        return cmd.contains("org.rapaio.jupyter.kernel") || cmd.contains("rapaio-jupyter-kernel")
                || System.getenv("RJK_CLASSPATH") != null;
    }

    private static HtmlDisplay kernelDisplay() {
        try {
            Class<?> c = Class.forName("org.attnlab.train.RapaioDisplay");
            java.lang.reflect.Constructor<?> k = c.getDeclaredConstructor();
            k.setAccessible(true);
            return (HtmlDisplay) k.newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null; // kernel classes absent or kernel not running: print lines instead
        }
    }

    @Override
    public synchronized void onStart(String run, TrainConfig config, long startStep) {
        if (fallback != null) {
            fallback.onStart(run, config, startStep);
            return;
        }
        RunDisplay r = new RunDisplay();
        r.seed = seedShown(run, config.seedName());
        runs.put(run, r);
        r.last = new Progress(run, startStep, config.steps(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0,
                Double.NaN, Map.of());
        r.id = display.show(html(r.last, "starting", r.evalRows, r.seed));
        r.lastUpdate = System.nanoTime();
    }

    @Override
    public synchronized void onStep(Progress p) {
        if (fallback != null) {
            fallback.onStep(p);
            return;
        }
        RunDisplay r = runs.get(p.run());
        if (r == null) {
            return; // no onStart seen for this run
        }
        r.last = p;
        long now = System.nanoTime();
        if (now - r.lastUpdate >= INTERVAL_NANOS || p.step() == p.totalSteps()) {
            r.lastUpdate = now;
            display.update(r.id, html(p, "training", r.evalRows, r.seed));
        }
    }

    @Override
    public synchronized void onEval(Progress p, Map<String, Double> metrics) {
        if (fallback != null) {
            fallback.onEval(p, metrics);
            return;
        }
        RunDisplay r = p != null ? runs.get(p.run()) : runs.size() == 1 ? runs.values().iterator().next() : null;
        if (r == null) {
            return; // an evaluation before any step with several runs under way: no way to tell whose
        }
        List<String> evalRows = r.evalRows;
        StringBuilder row = new StringBuilder("<tr><td>").append(p == null ? "" : p.step()).append("</td>");
        metrics.forEach((k, v) -> row.append("<td title=\"").append(escape(k)).append("\">")
                .append(String.format(Locale.ROOT, "%.4g", v)).append("</td>"));
        if (evalRows.isEmpty()) {
            StringBuilder head = new StringBuilder("<tr><th>step</th>");
            metrics.keySet().forEach(k -> head.append("<th>").append(escape(k)).append("</th>"));
            evalRows.add(head.append("</tr>").toString());
        }
        evalRows.add(row.append("</tr>").toString());
        if (evalRows.size() > EVAL_ROWS + 1) {
            evalRows.remove(1); // keep the header and the latest rows
        }
        if (p != null) {
            r.last = p;
        }
        r.lastUpdate = System.nanoTime();
        display.update(r.id, html(r.last, "training", evalRows, r.seed));
    }

    @Override
    public synchronized void onEnd(TrainResult result) {
        if (fallback != null) {
            fallback.onEnd(result);
            return;
        }
        RunDisplay r = runs.remove(result.run());
        if (r == null) {
            return;
        }
        String status = String.format(Locale.ROOT, "done: %d steps%s in %s", result.steps(),
                result.stoppedEarly() ? " (early stop)" : "", Progress.duration(result.seconds()));
        display.update(r.id, html(r.last, status, r.evalRows, r.seed));
    }

    /** The display's HTML for progress {@code p} with no evaluations yet. */
    String html(Progress p, String status) {
        return html(p, status, List.of(), null);
    }

    /**
     * The seed to show beside run {@code run}'s name: {@code seedName} ("seed 42", "seed B"), or null when the name
     * already mentions a seed ("2-layer, seed B", "standard, second seed"), so that it is said once.
     */
    static String seedShown(String run, String seedName) {
        return run.toLowerCase(java.util.Locale.ROOT).contains("seed") ? null : seedName;
    }

    /** The display's HTML for progress {@code p} and evaluation rows {@code evalRows} (header first). */
    private static String html(Progress p, String status, List<String> evalRows, String seed) {
        double frac = p.totalSteps() > 0 ? (double) p.step() / p.totalSteps() : 0;
        StringBuilder sb = new StringBuilder();
        sb.append("<div style=\"font-family:monospace;font-size:13px\">")
                .append("<b>").append(escape(p.run())).append("</b> &middot; ")
                .append(seed == null ? "" : escape(seed) + " &middot; ").append(escape(status)).append("<br>")
                .append("<progress style=\"width:320px\" max=\"1\" value=\"")
                .append(String.format(Locale.ROOT, "%.4f", frac)).append("\"></progress> ")
                .append("step ").append(p.step()).append('/').append(p.totalSteps())
                .append(" &middot; loss ").append(Double.isNaN(p.smoothLoss()) ? "-"
                        : String.format(Locale.ROOT, "%.4f", p.smoothLoss()))
                .append(" &middot; ").append(Progress.rate(p.tokensPerSecond())).append(" tok/s")
                .append(" &middot; elapsed ").append(Progress.duration(p.elapsedSeconds()))
                .append(" &middot; ETA ").append(Progress.duration(p.etaSeconds()));
        if (!evalRows.isEmpty()) {
            sb.append("<table style=\"margin-top:4px;font-size:12px\">");
            evalRows.forEach(sb::append);
            sb.append("</table>");
        }
        return sb.append("</div>").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
