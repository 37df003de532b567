package org.attnlab.viz;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.rapaio.jupyter.kernel.display.DisplayData;
import org.rapaio.jupyter.kernel.display.DisplayRenderer;
import org.rapaio.jupyter.kernel.display.DisplayTransformer;
import org.rapaio.jupyter.kernel.display.spi.DisplayProvider;
import org.rapaio.jupyter.kernel.global.Global;
import tech.tablesaw.api.Table;

/**
 * The only kernel-specific code of viz: the adapter for rapaio-jupyter-kernel (3.x). The kernel finds it
 * through {@code META-INF/services/org.rapaio.jupyter.kernel.display.spi.DisplayProvider} (the toolkit
 * on RJK_CLASSPATH is enough), and renders any {@link Displayable} or Tablesaw {@link Table} that ends a
 * cell, or is passed to {@code display(...)}, as the object's own MIME bundle. As a {@link Notebook.Sink}
 * it backs {@link Displayable#show()}. An IJava/JJava adapter would be the same few lines.
 *
 * <p>Text a cell returns (a {@link CharSequence}, or an {@link NDArray}, whose {@code toString} is a grid) goes
 * out as {@code text/plain} alone: the kernel's own default sends every object's {@code toString} as
 * {@code text/html}, where a browser folds the newlines and runs of spaces of a matrix or an aligned listing into
 * one line. Jupyter shows {@code text/plain} in a {@code <pre>} block, layout kept.
 */
public final class RapaioDisplayProvider implements DisplayProvider, Notebook.Sink {

    @Override
    public List<DisplayRenderer> getDisplayRenderers() {
        return List.of(new BundleRenderer<>(Displayable.class, Displayable::mimeBundle),
                new BundleRenderer<>(Table.class, t -> Tables.view(t).mimeBundle()),
                new BundleRenderer<>(CharSequence.class, RapaioDisplayProvider::plainText),
                new BundleRenderer<>(NDArray.class, RapaioDisplayProvider::plainText));
    }

    /** A bundle of {@code text/plain} only, so the front end keeps the text's line breaks and spaces. */
    static Map<String, String> plainText(Object o) {
        return Map.of("text/plain", String.valueOf(o));
    }

    @Override
    public List<DisplayTransformer> getDisplayTransformers() {
        return List.of();
    }

    @Override
    public void display(Displayable d) {
        Global.display(d);
    }

    private record BundleRenderer<T>(Class<T> type, Function<T, Map<String, String>> bundle) implements DisplayRenderer {

        @Override
        public Class<?> rendererClass() {
            return type;
        }

        @Override
        public boolean canRender(String mime) {
            return true; // the bundle holds every MIME type we offer; the front end picks
        }

        @Override
        public DisplayData render(String mime, Object o) {
            Map<String, String> b = bundle.apply(type.cast(o));
            DisplayData dd = DisplayData.withType("text/plain", b.getOrDefault("text/plain", String.valueOf(o)));
            b.forEach(dd::putData);
            return dd;
        }
    }
}
