package org.attnlab.viz;

import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The bridge from {@link Displayable} to whichever Jupyter kernel runs the notebook. Kernel adapters
 * implement {@link Sink} and are listed in {@code META-INF/services/org.attnlab.viz.Notebook$Sink};
 * an adapter whose kernel classes are absent is skipped, so the rest of viz runs anywhere.
 */
public final class Notebook {

    /** A kernel adapter: emits one display output for the current cell. */
    public interface Sink {
        void display(Displayable d);
    }

    private static volatile Sink sink;

    private Notebook() {
    }

    /** Shows {@code d} as an output of the current cell. */
    public static void show(Displayable d) {
        Sink s = sink();
        if (s == null) {
            throw new IllegalStateException("No notebook kernel adapter is available (running outside Jupyter?)."
                    + " Write a Report, or call mimeBundle(), instead of show().");
        }
        s.display(d);
    }

    /** The first adapter whose kernel is present, or null. */
    static Sink sink() {
        Sink s = sink;
        if (s != null) {
            return s;
        }
        Iterator<Sink> it = ServiceLoader.load(Sink.class, Notebook.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return null;
                }
                s = it.next();
                sink = s;
                return s;
            } catch (ServiceConfigurationError | LinkageError e) {
                // that adapter's kernel is not on the class path: try the next one
            }
        }
    }
}
