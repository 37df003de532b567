package org.attnlab.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rapaio.jupyter.kernel.display.DisplayData;
import org.rapaio.jupyter.kernel.display.DisplayRenderer;
import org.rapaio.jupyter.kernel.display.DisplaySystem;
import org.rapaio.jupyter.kernel.display.spi.DisplayProvider;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

class RapaioDisplayProviderTest {

    @TempDir
    Path tmp;

    @BeforeEach
    void fakePlotly() throws Exception {
        VizTestSupport.useFakePlotly(tmp);
    }

    @AfterEach
    void restore() {
        VizTestSupport.restorePlotly();
    }

    @Test
    void kernelFindsTheProviderAndOurSinkByServiceLoader() {
        assertTrue(ServiceLoader.load(DisplayProvider.class).stream()
                .anyMatch(p -> p.type() == RapaioDisplayProvider.class));
        assertInstanceOf(RapaioDisplayProvider.class, Notebook.sink());
    }

    @Test
    void figureRendersAsItsWholeBundle() {
        DisplayRenderer r = renderer(Displayable.class);
        Figure f = Plots.headGrid(new double[][] {{0.1, 0.2}}, "score");
        DisplayData dd = r.render("text/html", f);
        assertEquals(List.of("image/svg+xml", "text/html", "text/plain"), dd.data().keySet().stream().sorted().toList());
        assertTrue(String.valueOf(dd.data().get("text/html")).contains("attnlab-figure"));
    }

    @Test
    void tablesawTableRendersAsOurHtmlTable() {
        DisplayRenderer r = renderer(Table.class);
        DisplayData dd = r.render("text/html", Table.create("t", IntColumn.create("x", 1)));
        assertTrue(String.valueOf(dd.data().get("text/html")).startsWith("<table class=\"attnlab-table\""));
    }

    @Test
    void aMultiLineStringTheCellReturnsKeepsItsLayoutAsPlainText() {
        // Through the kernel's own display system, as a cell's last expression goes: the kernel's default would send
        // toString as text/html, where "a\n  b" shows as "a b" on one line.
        String listing = "in-distribution  0 1 0\nOOD-sparse       1 <w> & 0";
        DisplayData dd = DisplaySystem.inst().render(listing);
        assertEquals(List.of("text/plain"), List.copyOf(dd.data().keySet()));
        assertEquals(listing, dd.data().get("text/plain"));
    }

    @Test
    void anNdArrayGoesOutAsItsPlainTextGrid() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray eye = m.eye(3);
            DisplayData dd = DisplaySystem.inst().render(eye);
            assertEquals(List.of("text/plain"), List.copyOf(dd.data().keySet()));
            String text = String.valueOf(dd.data().get("text/plain"));
            assertEquals(eye.toString(), text);
            assertTrue(text.split("\n").length >= 4, "one line per row: " + text);
        }
    }

    private static DisplayRenderer renderer(Class<?> type) {
        return new RapaioDisplayProvider().getDisplayRenderers().stream()
                .filter(r -> r.rendererClass() == type).findFirst().orElseThrow();
    }
}
