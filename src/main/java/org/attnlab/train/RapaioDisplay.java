package org.attnlab.train;

import org.rapaio.jupyter.kernel.MainApp;
import org.rapaio.jupyter.kernel.display.DisplayData;

import java.util.UUID;

/**
 * The only class of this package that touches the rapaio Jupyter kernel: an {@link HtmlDisplay} sending
 * {@code display_data} / {@code update_display_data} messages with a display id (what
 * {@code Global.display}/{@code Global.updateDisplay} do, with an HTML bundle we build ourselves).
 * {@link NotebookProgress} loads it reflectively, only when the kernel is running, so the library does not need
 * the kernel on the class path.
 */
final class RapaioDisplay implements HtmlDisplay {

    RapaioDisplay() {
        if (MainApp.kernel == null) {
            throw new IllegalStateException("not running inside the rapaio Java kernel");
        }
    }

    @Override
    public String show(String html) {
        DisplayData d = DisplayData.fromHtml(html);
        String id = UUID.randomUUID().toString();
        d.setDisplayId(id);
        MainApp.kernel.display(d);
        return id;
    }

    @Override
    public void update(String id, String html) {
        DisplayData d = DisplayData.fromHtml(html);
        d.setDisplayId(id);
        MainApp.kernel.updateDisplay(d);
    }
}
