package org.attnlab.train;

/**
 * An updatable HTML output area (a notebook display). {@link NotebookProgress} shows its progress through one.
 */
public interface HtmlDisplay {

    /** Shows {@code html} in a new display and returns its id. */
    String show(String html);

    /** Replaces the content of display {@code id}. */
    void update(String id, String html);
}
