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
 *
 * <p>Several runs at once (threads, {@code experiments.ParallelRuns}) may share one instance: state is kept per run
 * and the methods are synchronized; the live line then shows every active run briefly
 * ({@code RoPE 40/150 ETA 3s | NoPE 38/150 ETA 3s}), and the plain lines carry their run's name as always.
 */
public final class TerminalProgress implements ProgressListener {

    private static final long LIVE_INTERVAL_NANOS = 200_000_000L;

    private final PrintStream out;
    private final boolean live;
    /** Runs under way: their logEvery and latest progress, in start order. */
    private final Map<String, Active> active = new java.util.LinkedHashMap<>();
    private long lastPrint;
    private int lastWidth;

    private static final class Active {
        final int logEvery;
        Progress last;

        Active(int logEvery) {
            this.logEvery = logEvery;
        }
    }

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
    public synchronized void onStart(String run, TrainConfig config, long startStep) {
        active.put(run, new Active(config.logEvery()));
        lastPrint = 0;
        clearLive();
        out.println(String.format(Locale.ROOT, "training %s: %s%d steps, batch %d x %d tokens, lr %.2g, %s, %s",
                run, startStep > 0 ? "from step " + startStep + " to " : "", config.steps(), config.batchSize(),
                config.context(), config.lr(), config.device(), config.seedName()));
    }

    @Override
    public synchronized void onStep(Progress p) {
        Active a = active.computeIfAbsent(p.run(), r -> new Active(1));
        a.last = p;
        if (live) {
            long now = System.nanoTime();
            if (now - lastPrint >= LIVE_INTERVAL_NANOS || p.step() == p.totalSteps()) {
                lastPrint = now;
                printLive(liveLine(p));
            }
        } else if (p.step() % a.logEvery == 0 || p.step() == p.totalSteps()) {
            out.println(p.line());
        }
    }

    /** The run's full line when it trains alone, else a short entry per active run. */
    private String liveLine(Progress p) {
        if (active.size() <= 1) {
            return p.line();
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Active> e : active.entrySet()) {
            Progress q = e.getValue().last;
            sb.append(sb.length() == 0 ? "" : " | ").append(e.getKey());
            if (q != null) {
                sb.append(' ').append(q.step()).append('/').append(q.totalSteps()).append(" ETA ")
                        .append(Progress.duration(q.etaSeconds()));
            }
        }
        return sb.toString();
    }

    private void clearLive() {
        if (live && lastWidth > 0) {
            out.println();
            lastWidth = 0;
        }
    }

    @Override
    public synchronized void onEval(Progress p, Map<String, Double> metrics) {
        String line = "  eval @ step " + (p == null ? "?" : p.step()) + ": " + format(metrics);
        if (p != null && active.size() > 1) {
            line = "  " + p.run() + line.substring(1); // which run, when several print
        }
        if (live) {
            printLive(line);
            out.println();
            lastWidth = 0;
            if (p != null) {
                printLive(liveLine(p));
            }
        } else {
            out.println(line);
        }
    }

    @Override
    public synchronized void onEnd(TrainResult r) {
        clearLive();
        active.remove(r.run());
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
