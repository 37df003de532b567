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
 */
public final class NotebookProgress implements ProgressListener {

    private static final long INTERVAL_NANOS = 250_000_000L;
    private static final int EVAL_ROWS = 8;

    private final HtmlDisplay display;
    private final ProgressListener fallback;
    private final List<String> evalRows = new ArrayList<>();
    private String id;
    private long lastUpdate;
    private Progress last;

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
    public void onStart(String run, TrainConfig config, long startStep) {
        if (fallback != null) {
            fallback.onStart(run, config, startStep);
            return;
        }
        evalRows.clear();
        last = new Progress(run, startStep, config.steps(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0,
                Double.NaN, Map.of());
        id = display.show(html(last, "starting"));
        lastUpdate = System.nanoTime();
    }

    @Override
    public void onStep(Progress p) {
        if (fallback != null) {
            fallback.onStep(p);
            return;
        }
        last = p;
        long now = System.nanoTime();
        if (now - lastUpdate >= INTERVAL_NANOS || p.step() == p.totalSteps()) {
            lastUpdate = now;
            display.update(id, html(p, "training"));
        }
    }

    @Override
    public void onEval(Progress p, Map<String, Double> metrics) {
        if (fallback != null) {
            fallback.onEval(p, metrics);
            return;
        }
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
            last = p;
        }
        lastUpdate = System.nanoTime();
        display.update(id, html(last, "training"));
    }

    @Override
    public void onEnd(TrainResult r) {
        if (fallback != null) {
            fallback.onEnd(r);
            return;
        }
        String status = String.format(Locale.ROOT, "done: %d steps%s in %s", r.steps(),
                r.stoppedEarly() ? " (early stop)" : "", Progress.duration(r.seconds()));
        display.update(id, html(last, status));
    }

    /** The display's HTML for progress {@code p}. */
    String html(Progress p, String status) {
        double frac = p.totalSteps() > 0 ? (double) p.step() / p.totalSteps() : 0;
        StringBuilder sb = new StringBuilder();
        sb.append("<div style=\"font-family:monospace;font-size:13px\">")
                .append("<b>").append(escape(p.run())).append("</b> &middot; ").append(escape(status)).append("<br>")
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
