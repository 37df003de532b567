package org.attnlab.viz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * Where plotly.js comes from: the pinned npm package {@code plotly.js-dist-min} on local disk, never a CDN.
 *
 * <p>Lookup order: system property {@value #PROPERTY}, environment variable {@value #ENV}, then
 * {@code $ATTNLAB_HOME/node_modules/plotly.js-dist-min/plotly.min.js}, then the same relative path in
 * the working directory and each of its parents. Nothing found is an error that says to run
 * {@code ./lab setup}.
 *
 * <p>A notebook session inlines the library once: the first figure rendered carries it
 * ({@link #takeSessionInline()}); every figure's own script waits for {@code window.Plotly}.
 */
public final class PlotlyJs {

    /** System property naming the plotly.min.js file. */
    public static final String PROPERTY = "attnlab.plotlyjs";
    /** Environment variable naming the plotly.min.js file. */
    public static final String ENV = "ATTNLAB_PLOTLY_JS";
    /** Environment variable naming the repository root (set by the kernelspec). */
    public static final String HOME_ENV = "ATTNLAB_HOME";
    /** Path of the library inside a folder where {@code npm install} ran. */
    public static final String RELATIVE = "node_modules/plotly.js-dist-min/plotly.min.js";

    private static final AtomicBoolean INLINED_THIS_SESSION = new AtomicBoolean(false);
    private static volatile String cachedSource;
    private static volatile Path cachedPath;

    private PlotlyJs() {
    }

    /** The plotly.min.js file found by the lookup order above. */
    public static Path locate() {
        Path p = cachedPath;
        if (p == null || !Files.isRegularFile(p)) {
            p = locate(System::getProperty, System::getenv, Path.of("").toAbsolutePath());
            cachedPath = p;
        }
        return p;
    }

    /** The lookup with its inputs passed in (testable without touching the real environment). */
    static Path locate(UnaryOperator<String> property, UnaryOperator<String> env, Path workingDir) {
        List<Path> tried = new ArrayList<>();
        String explicit = property.apply(PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return mustExist(Path.of(explicit), "system property " + PROPERTY);
        }
        explicit = env.apply(ENV);
        if (explicit != null && !explicit.isBlank()) {
            return mustExist(Path.of(explicit), "environment variable " + ENV);
        }
        String home = env.apply(HOME_ENV);
        if (home != null && !home.isBlank()) {
            Path candidate = Path.of(home).resolve(RELATIVE);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            tried.add(candidate);
        }
        for (Path dir = workingDir.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            tried.add(candidate);
        }
        throw new IllegalStateException("plotly.js not found: run ./lab setup in the repository (it runs npm install,"
                + " which puts the pinned plotly.js-dist-min into node_modules/), or point " + ENV
                + " (or -D" + PROPERTY + ") at a plotly.min.js file. Looked in: " + tried);
    }

    private static Path mustExist(Path p, String source) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("plotly.js not found at " + p + " (from " + source
                    + "): run ./lab setup, or point " + source + " at an existing plotly.min.js");
        }
        return p;
    }

    /** The library's source text (read once, about 4.5 MB). */
    public static String source() {
        String s = cachedSource;
        if (s == null) {
            try {
                s = Files.readString(locate(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read plotly.js at " + locate(), e);
            }
            if (s.toLowerCase().contains("</script")) {
                // Would end our inline script element early; the pinned build has none.
                s = s.replaceAll("(?i)</script", "<\\\\/script");
            }
            cachedSource = s;
        }
        return s;
    }

    /**
     * An inline script element defining {@code window.Plotly} unless it is already defined. RequireJS,
     * where present (classic Notebook), is hidden while the bundle runs, or plotly would register as an
     * AMD module instead of setting {@code window.Plotly}.
     */
    public static String inlineScript() {
        return "<script type=\"text/javascript\">/* plotly.js (plotly.js-dist-min, inlined by org.attnlab.viz) */\n"
                + "(function(){if(window.Plotly){return;}var d=window.define;window.define=undefined;try{\n"
                + source()
                + "\n}finally{window.define=d;}})();</script>\n";
    }

    /** True exactly once per session (JVM) until {@link #resetSession()}: that output carries plotly.js. */
    static boolean takeSessionInline() {
        return INLINED_THIS_SESSION.compareAndSet(false, true);
    }

    /** Forgets the located file and its text (tests point the lookup elsewhere). */
    static void clearCache() {
        cachedPath = null;
        cachedSource = null;
    }

    /** Makes the next figure carry plotly.js again (e.g. after the notebook page was reloaded). */
    public static void resetSession() {
        INLINED_THIS_SESSION.set(false);
    }
}
