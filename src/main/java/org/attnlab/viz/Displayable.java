package org.attnlab.viz;

import java.util.Map;

/**
 * Something a notebook can show: it knows its own MIME bundle (MIME type to content), so any Jupyter
 * kernel adapter only has to pass the bundle on. See {@link RapaioDisplayProvider} for the one we use.
 */
public interface Displayable {

    /**
     * The MIME bundle of this object, e.g. {@code text/html}, {@code image/svg+xml} and {@code text/plain}.
     * Calling it may change notebook-session state (the first figure of a session carries plotly.js).
     */
    Map<String, String> mimeBundle();

    /** Shows this object in the running notebook now (an output of the current cell). */
    default void show() {
        Notebook.show(this);
    }
}
