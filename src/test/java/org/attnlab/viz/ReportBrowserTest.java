package org.attnlab.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

/**
 * End to end without a kernel: a report with every kind of figure, opened by tools/check_figures.py in
 * headless Chromium with no network, must draw every trace. Skipped where Chromium or the npm-installed
 * plotly.js is missing (run ./lab setup; apt-get install chromium).
 */
@Tag("browser")
class ReportBrowserTest {

    @Test
    void everyFigureKindDrawsOfflineInChromium() throws Exception {
        BrowserTool.assumeChromium();
        Path plotly;
        try {
            plotly = PlotlyJs.locate();
        } catch (IllegalStateException e) {
            plotly = null;
        }
        assumeTrue(plotly != null, "plotly.js not installed (./lab setup)");

        Table curves = FigureTest.curves();
        float[][][] heads = {FigureTest.causalWeights(6), FigureTest.causalWeights(6), FigureTest.causalWeights(6)};
        List<String> tokens = List.of("<s>", "cat", "sat", "on", "the", "<eoi>"); // tags plotly would read as markup
        Table bars = Table.create("r", tech.tablesaw.api.StringColumn.create("variant", "<s>", "<s>", "b", "b"),
                tech.tablesaw.api.StringColumn.create("metric", "acc", "loss", "acc", "loss"),
                tech.tablesaw.api.DoubleColumn.create("value", 0.9, 0.3, 0.5, 1.2));
        Path dir = Path.of("target", "viz-browser-check");
        Report.create("every figure kind")
                .figure(Plots.lines(curves, "step", "loss", "run").logY())
                .figure(Plots.heatmap(heads[0], tokens))
                .figure(Plots.heatmaps(heads, tokens, 3))
                .figure(Plots.headGrid(new double[][] {{0.1, 0.5}, {0.9, 0.2}}, "score"))
                .figure(Plots.bars(bars, "variant", "value", "metric"))
                .figure(Plots.accuracyByLength(curves, "step", "loss", "run").markX(20, "train"))
                .table(curves)
                .write(dir);

        BrowserTool.Result r = BrowserTool.run("check_figures.py", dir.toString(), "--pages-only");
        assertEquals(0, r.exit(), r.output());
    }
}
