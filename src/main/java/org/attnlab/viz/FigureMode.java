package org.attnlab.viz;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * How figures show in a notebook, from system property {@value #PROPERTY} or environment variable
 * {@value #ENV} (default {@link #INTERACTIVE}).
 */
public enum FigureMode {
    /** plotly.js over a static image (text/html), plus the static image/svg+xml. */
    INTERACTIVE,
    /** Only the static image/svg+xml (and text/plain): small outputs, e.g. for notebooks committed with outputs. */
    STATIC;

    public static final String PROPERTY = "attnlab.figures";
    public static final String ENV = "ATTNLAB_FIGURES";

    /** The mode in force now. */
    public static FigureMode current() {
        return from(System::getProperty, System::getenv);
    }

    static FigureMode from(UnaryOperator<String> property, UnaryOperator<String> env) {
        String v = property.apply(PROPERTY);
        String source = "system property " + PROPERTY;
        if (v == null || v.isBlank()) {
            v = env.apply(ENV);
            source = "environment variable " + ENV;
        }
        if (v == null || v.isBlank()) {
            return INTERACTIVE;
        }
        try {
            return valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is '" + v + "'; allowed: "
                    + Arrays.toString(values()).toLowerCase(Locale.ROOT), e);
        }
    }
}
