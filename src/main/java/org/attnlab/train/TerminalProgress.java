package org.attnlab.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Progress as text. On an interactive terminal one live line is rewritten in place ({@code \r}) at most every
 * 200 ms, and each evaluation leaves a permanent line above it. When output is not a terminal
 * ({@code System.console() == null}, or {@code CI} is set to {@code true}/{@code 1}) it prints one plain line every
 * {@code config.logEvery()} steps and at each evaluation, which reads well in logs and CI.
 */
public final class TerminalProgress implements ProgressListener {

    private static final long LIVE_INTERVAL_NANOS = 200_000_000L;

    private final PrintStream out;
    private final boolean live;
    private int logEvery = 1;
    private long lastPrint;
    private int lastWidth;

    /** Prints to {@code System.out}, live when it is an interactive terminal. */
    public TerminalProgress() {
        this(System.out, isInteractive());
    }

    /**
     * @param out  where to print
     * @param live {@code true}: one {@code \r}-updated line; {@code false}: a line every {@code logEvery} steps
     */
    public TerminalProgress(PrintStream out, boolean live) {
        this.out = out;
        this.live = live;
    }

    /** Whether stdout is a terminal a person is watching (and not CI). */
    public static boolean isInteractive() {
        String ci = System.getenv("CI");
        boolean inCi = ci != null && (ci.equalsIgnoreCase("true") || ci.equals("1"));
        return System.console() != null && !inCi;
    }

    @Override
    public void onStart(String run, TrainConfig config, long startStep) {
        logEvery = config.logEvery();
        lastPrint = 0;
        out.println(String.format(Locale.ROOT, "training %s: %s%d steps, batch %d x %d tokens, lr %.2g, %s, seed %d",
                run, startStep > 0 ? "from step " + startStep + " to " : "", config.steps(), config.batchSize(),
                config.context(), config.lr(), config.device(), config.seed()));
    }

    @Override
    public void onStep(Progress p) {
        if (live) {
            long now = System.nanoTime();
            if (now - lastPrint >= LIVE_INTERVAL_NANOS || p.step() == p.totalSteps()) {
                lastPrint = now;
                printLive(p.line());
            }
        } else if (p.step() % logEvery == 0 || p.step() == p.totalSteps()) {
            out.println(p.line());
        }
    }

    @Override
    public void onEval(Progress p, Map<String, Double> metrics) {
        String line = "  eval @ step " + (p == null ? "?" : p.step()) + ": " + format(metrics);
        if (live) {
            printLive(line);
            out.println();
            lastWidth = 0;
            if (p != null) {
                printLive(p.line());
            }
        } else {
            out.println(line);
        }
    }

    @Override
    public void onEnd(TrainResult r) {
        if (live && lastWidth > 0) {
            out.println();
            lastWidth = 0;
        }
        out.println(String.format(Locale.ROOT, "done %s: %d steps%s in %s, %s tok/s, train loss %.4f%s", r.run(),
                r.steps(), r.stoppedEarly() ? " (early stop)" : "", Progress.duration(r.seconds()),
                Progress.rate(r.tokensPerSecond()), r.trainLoss(),
                r.finalEval().isEmpty() ? "" : ", " + format(r.finalEval())));
        out.flush();
    }

    private void printLive(String line) {
        StringBuilder sb = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < lastWidth; i++) {
            sb.append(' '); // clear the rest of a longer previous line
        }
        lastWidth = line.length();
        out.print(sb);
        out.flush();
    }

    /** {@code eval_loss 0.1234  eval_accuracy 0.9876}. */
    static String format(Map<String, Double> metrics) {
        return metrics.entrySet().stream()
                .map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%.4g", e.getValue()))
                .collect(Collectors.joining("  "));
    }
}
