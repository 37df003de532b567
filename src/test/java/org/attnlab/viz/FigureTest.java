package org.attnlab.viz;

import static org.attnlab.viz.VizTestSupport.countElements;
import static org.attnlab.viz.VizTestSupport.parseXml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class FigureTest {

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

    static Table curves() {
        IntColumn step = IntColumn.create("step");
        DoubleColumn loss = DoubleColumn.create("loss");
        StringColumn run = StringColumn.create("run");
        for (String r : List.of("softmax", "linear")) {
            for (int s = 0; s <= 50; s += 10) {
                step.append(s);
                loss.append(r.equals("softmax") ? 3.0 / (1 + s) : 2.0 / (1 + s / 2.0));
                run.append(r);
            }
        }
        return Table.create("curves", step, loss, run);
    }

    static float[][] causalWeights(int n) {
        float[][] w = new float[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                w[i][j] = 1f / (i + 1);
            }
        }
        return w;
    }

    @Test
    void bundleHasHtmlWithStaticSvgInsideTheDivThenSvgAndText() {
        Map<String, String> b = Plots.lines(curves(), "step", "loss", "run").mimeBundle();
        assertEquals(List.of("text/html", "image/svg+xml", "text/plain"), List.copyOf(b.keySet()));
        String html = b.get("text/html");
        Matcher div = Pattern.compile("<div class=\"attnlab-figure\" id=\"(attnlab_fig_[0-9a-f]+_[0-9]+)\" data-traces=\"2\"[^>]*>")
                .matcher(html);
        assertTrue(div.find(), html.substring(0, 300));
        assertTrue(html.startsWith("<img class=\"attnlab-static\"", div.end()), "static image must be the div's first child");
        Matcher img = Pattern.compile("src=\"data:image/svg\\+xml;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        assertTrue(img.find());
        assertEquals(b.get("image/svg+xml"), new String(java.util.Base64.getDecoder().decode(img.group(1)),
                java.nio.charset.StandardCharsets.UTF_8), "the same SVG in the div and in the bundle");
        assertTrue(html.contains("document.getElementById(\"" + div.group(1) + "\")"), "script targets the div");
        assertTrue(b.get("image/svg+xml").startsWith("<svg"));
        assertTrue(b.get("text/plain").contains("2 traces"));
    }

    @Test
    void plotlyIsInlinedOncePerSessionAndAgainAfterReset() {
        Figure f = Plots.heatmap(causalWeights(3), List.of("a", "b", "c"));
        assertTrue(f.mimeBundle().get("text/html").contains(VizTestSupport.FAKE_PLOTLY));
        assertFalse(f.mimeBundle().get("text/html").contains(VizTestSupport.FAKE_PLOTLY));
        PlotlyJs.resetSession();
        String html = f.mimeBundle().get("text/html");
        assertTrue(html.contains(VizTestSupport.FAKE_PLOTLY));
        assertTrue(html.indexOf(VizTestSupport.FAKE_PLOTLY) < html.indexOf("attnlab-figure"), "library before figure");
        assertTrue(html.contains("window.define=undefined"), "RequireJS hidden while plotly.js loads");
    }

    @Test
    void staticModeBundleHasOnlyTheImageAndText() {
        System.setProperty(FigureMode.PROPERTY, "static");
        try {
            Map<String, String> b = Plots.heatmap(causalWeights(2), List.of("a", "b")).mimeBundle();
            assertEquals(List.of("image/svg+xml", "text/plain"), List.copyOf(b.keySet()));
            assertTrue(PlotlyJs.takeSessionInline(), "a static figure does not use up the session's inline");
        } finally {
            System.clearProperty(FigureMode.PROPERTY);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FigureMode.from(k -> "fancy", k -> null));
        assertTrue(e.getMessage().contains("'fancy'") && e.getMessage().contains("[interactive, static]"), e.getMessage());
        assertEquals(FigureMode.STATIC, FigureMode.from(k -> null, k -> "STATIC"));
    }

    @Test
    void missingPlotlyFailsAndLeavesTheNextFigureToCarryIt() {
        System.setProperty(PlotlyJs.PROPERTY, tmp.resolve("nope.js").toString());
        PlotlyJs.clearCache();
        Figure f = Plots.heatmap(causalWeights(2), List.of("a", "b"));
        IllegalStateException e = assertThrows(IllegalStateException.class, f::mimeBundle);
        assertTrue(e.getMessage().contains("./lab setup"), e.getMessage());
        assertTrue(PlotlyJs.takeSessionInline(), "a failed figure must not use up the session's inline");
    }

    @Test
    void heatmapSvgIsWellFormedWithOneCellPerWeightAndTokenLabels() throws Exception {
        List<String> tokens = List.of("the", "cat", "<sat>", "on", "the");
        HeatmapFigure f = Plots.heatmap(causalWeights(5), tokens);
        Document d = parseXml(f.svg());
        assertEquals(25, countElements(d, "rect", "cell"));
        String svg = f.svg();
        assertTrue(svg.contains(">&lt;sat&gt;</text>"), "labels escaped");
        assertEquals(0.0, f.zMin());
        assertEquals(1.0, f.zMax());
    }

    @Test
    void aHeatmapOfScoresNamesItsColourBarScoreInTheSvgAndThePlotlyLayout() {
        HeatmapFigure f = Plots.heatmap(causalWeights(4), List.of("a", "b", "c", "d"));
        assertTrue(f.svg().contains(">weight</text>"), "default: attention weights");
        f.valueName("score");
        assertTrue(f.svg().contains(">score</text>") && !f.svg().contains(">weight</text>"), f.svg());
        String html = f.mimeBundle().get("text/html");
        assertTrue(html.contains("score %{z:.4g}") && !html.contains("weight %{z:.4g}"), "hover names the score");
    }

    @Test
    void headGridOfPanelsHasAllCellsAndNumbersEveryTrace() throws Exception {
        float[][][] w = new float[4][][];
        for (int h = 0; h < 4; h++) {
            w[h] = causalWeights(3);
        }
        HeatmapFigure f = Plots.heatmaps(w, List.of("x", "y", "z"), 2);
        HeatmapFigure wide = Plots.heatmaps(w, List.of("x", "y", "z"), 4);
        assertTrue(wide.width() > 2 * wide.height(), "one row of four square panels is wide: " + wide);
        assertEquals(320, Plots.heatmap(causalWeights(2), List.of("a", "b")).size(320, 300).width(), "size() wins");
        assertEquals(4 * 9, countElements(parseXml(f.svg()), "rect", "cell"));
        assertEquals(4, countElements(parseXml(f.svg()), "g", "panel"));
        String js = f.jsplotCode("attnlab_fig_test");
        for (int k = 0; k < 4; k++) {
            assertTrue(js.contains("var trace" + k + " ="), "trace" + k + " declared:\n" + js);
        }
    }

    @Test
    void bigHeadGridsDrawCellsAsOnePngPerPanelAndStaySmall() throws Exception {
        int n = 64;
        float[][][] w = new float[8][][];
        List<String> tokens = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            tokens.add("t" + i);
        }
        for (int h = 0; h < 8; h++) {
            w[h] = causalWeights(n);
        }
        String svg = Plots.heatmaps(w, tokens, 4).svg();
        Document d = parseXml(svg);
        assertEquals(0, countElements(d, "rect", "cell"));
        assertEquals(8, countElements(d, "image", "cells"));
        assertTrue(svg.length() < 200_000, "SVG of 8 x 64 x 64 cells is " + svg.length() + " chars");
    }

    @Test
    void headScoreGridShowsValuesInCells() throws Exception {
        double[][] scores = {{0.1, 0.9}, {0.5, 0.25}, {0, 1}};
        HeatmapFigure f = Plots.headGrid(scores, "induction score");
        Document d = parseXml(f.svg());
        assertEquals(6, countElements(d, "rect", "cell"));
        assertTrue(f.svg().contains(">0.25</text>"));
        assertTrue(f.mimeBundle().get("text/html").contains("%{z:.2f}"), "plotly draws values too");
    }

    @Test
    void headGridFromALongTablePutsEachScoreInItsCell() {
        Table t = Table.create("scores", IntColumn.create("layer", 0, 0, 1, 1), IntColumn.create("head", 0, 1, 0, 1),
                DoubleColumn.create("score", 0.1, 0.2, 0.3, 0.4));
        HeatmapFigure f = Plots.headGrid(t, "layer", "head", "score");
        double[][] z = f.panels().get(0).z();
        assertEquals(0.2, z[0][1]);
        assertEquals(0.3, z[1][0]);
        assertEquals(List.of("L0", "L1"), f.panels().get(0).rowLabels());
    }

    @Test
    void lineSvgHasOnePathPerRunAndLogAxisTicks() throws Exception {
        LineFigure f = Plots.lines(curves(), "step", "loss", "run").logY();
        Document d = parseXml(f.svg());
        assertEquals(2, countElements(d, "path", "series"));
        assertTrue(f.svg().contains(">0.1</text>") || f.svg().contains(">1</text>"), "log ticks at powers of ten");
        assertEquals(6, f.series().get(0).x().length);
        assertTrue(f.mimeBundle().get("text/html").contains("type: 'log'"), "jsplot sets the log axis");
    }

    /** The x-axis tick labels of a line figure's static image (the labels under the plot, 16 px below it). */
    private static List<String> xTickLabels(String svg) {
        Matcher m = Pattern.compile("<text x=\"[0-9.]+\" y=\"([0-9.]+)\" text-anchor=\"middle\" fill=\"#444\">([^<]+)</text>")
                .matcher(svg);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(2));
        }
        return out;
    }

    @Test
    void anAxisWithAMarkAtTheLastLayerEndsThereAndItsLabelReadsLeftwards() {
        Table t = Table.create("by layer", IntColumn.create("layer", 0, 1, 2, 3),
                DoubleColumn.create("accuracy", 0.2, 0.6, 0.3, 0.4));
        LineFigure f = Plots.lines(t, "layer", "accuracy").markers().markX(3, "paper layer");
        Map<String, Object> layout = f.layoutPatch();
        // plotly widens its autorange to fit the label: the range is set to the data's, with room for end markers
        List<?> range = (List<?>) ((Map<?, ?>) layout.get("xaxis")).get("range");
        assertEquals(-0.06, (Double) range.get(0), 1e-12);
        assertEquals(3.06, (Double) range.get(1), 1e-12);
        assertEquals("right", ((Map<?, ?>) ((List<?>) layout.get("annotations")).get(0)).get("xanchor"));
        assertTrue(f.svg().contains("text-anchor=\"end\" fill=\"#666\">paper layer</text>"), "the static label too");
        LineFigure early = Plots.lines(t, "layer", "accuracy").markX(1, "early");
        assertEquals("left", ((Map<?, ?>) ((List<?>) early.layoutPatch().get("annotations")).get(0)).get("xanchor"));
        assertEquals(List.of(0.0, 3.0), ((Map<?, ?>) early.layoutPatch().get("xaxis")).get("range"));
    }

    @Test
    void anIntegerAxisOfLayersHasNoHalfLayerTicks() {
        Table t = Table.create("by layer", IntColumn.create("layer", 0, 1, 0, 1),
                DoubleColumn.create("accuracy", 0.2, 0.6, 0.3, 0.4), StringColumn.create("vector", "fv", "fv", "none", "none"));
        LineFigure f = Plots.lines(t, "layer", "accuracy", "vector").markX(1, "the paper's layer");
        assertTrue(f.isIntegerX(), "an integer x column declares an integer axis");
        assertEquals(List.of("0", "1"), xTickLabels(f.svg()), "static ticks at whole layers only");
        String html = f.mimeBundle().get("text/html");
        assertTrue(html.contains("\"dtick\":1") && html.contains("\"tick0\":0"), "plotly ticks every whole layer: " + html);

        // 0..27 layers: whole steps (5), never 2.5
        IntColumn many = IntColumn.create("layer");
        DoubleColumn acc = DoubleColumn.create("accuracy");
        for (int l = 0; l < 28; l++) {
            many.append(l);
            acc.append(l / 28.0);
        }
        LineFigure wide = Plots.lines(Table.create("w", many, acc), "layer", "accuracy");
        for (String label : xTickLabels(wide.svg())) {
            assertEquals(Integer.parseInt(label), Double.parseDouble(label), 0, label);
        }
        assertEquals(List.of("0", "5", "10", "15", "20", "25"), xTickLabels(wide.svg()));

        // a double x column keeps fractional ticks (the loss at x = 0.5 exists)
        LineFigure real = Plots.lines(Table.create("r", DoubleColumn.create("x", 0, 1), DoubleColumn.create("y", 0, 1)), "x", "y");
        assertFalse(real.isIntegerX());
        assertTrue(xTickLabels(real.svg()).contains("0.2"), xTickLabels(real.svg()).toString());
    }

    @Test
    void aGridOfHeadsOverManyStepsHasReadableLabelsThatDoNotOverlap() {
        // notebook 06 at quick: 8 heads x 30 evaluated steps in 960 x 380; the labels were drawn at 7 px
        List<String> heads = new java.util.ArrayList<>();
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < 4; h++) {
                heads.add("L" + l + ".H" + h);
            }
        }
        List<String> steps = new java.util.ArrayList<>();
        for (int s = 50; s <= 1500; s += 50) {
            steps.add(String.valueOf(s));
        }
        double[][] z = new double[heads.size()][steps.size()];
        for (int r = 0; r < z.length; r++) {
            for (int c = 0; c < z[r].length; c++) {
                z[r][c] = (r + 1) * c / 300.0;
            }
        }
        HeatmapFigure f = Plots.grid("score over training", z, heads, "head", steps, "training step", "score").size(960, 380);
        String svg = f.svg();
        Matcher m = Pattern.compile("<text x=\"([0-9.]+)\" y=\"([0-9.]+)\" text-anchor=\"(end|middle)\" font-size=\"([0-9.]+)\" "
                + "fill=\"#444\">([^<]+)</text>").matcher(svg);
        List<double[]> rowLabels = new java.util.ArrayList<>();   // {y, font}
        List<double[]> colLabels = new java.util.ArrayList<>();   // {x, font, width}
        List<String> shownSteps = new java.util.ArrayList<>();
        while (m.find()) {
            double font = Double.parseDouble(m.group(4));
            assertTrue(font >= HeatmapFigure.MIN_READABLE_FONT, "label '" + m.group(5) + "' at " + font + " px");
            if (m.group(3).equals("end")) {
                rowLabels.add(new double[] {Double.parseDouble(m.group(2)), font});
            } else if (steps.contains(m.group(5))) {
                colLabels.add(new double[] {Double.parseDouble(m.group(1)), font, Svg.textWidth(m.group(5), font)});
                shownSteps.add(m.group(5));
            }
        }
        assertEquals(heads.size(), rowLabels.size(), "every head is named: 8 rows have room");
        for (int i = 1; i < rowLabels.size(); i++) {
            assertTrue(rowLabels.get(i)[0] - rowLabels.get(i - 1)[0] >= rowLabels.get(i)[1], "row labels overlap");
        }
        assertTrue(colLabels.size() >= steps.size() / 3 && colLabels.size() < steps.size(), "steps thinned: " + shownSteps);
        assertEquals("50", shownSteps.get(0));
        for (int i = 1; i < colLabels.size(); i++) {
            double gap = colLabels.get(i)[0] - colLabels.get(i - 1)[0];
            assertTrue(gap >= (colLabels.get(i)[2] + colLabels.get(i - 1)[2]) / 2 + 2, "step labels overlap: " + shownSteps);
        }
        // plotly draws the same labels at the same size
        String html = f.mimeBundle().get("text/html");
        assertFalse(html.contains("\"size\":7"), "no 7 px tick font in the plotly layout");
        assertTrue(html.contains("\"tickvals\":[\"" + String.join("\",\"", shownSteps) + "\"]"), html);
    }

    /** Each legend text of {@code svg}: its x and its shown text (the tooltip is the full name). */
    private static List<String[]> legendTexts(String svg) {
        Matcher m = Pattern.compile("<text x=\"([0-9.]+)\"[^>]*><title>([^<]*)</title>([^<]*)</text>").matcher(svg);
        List<String[]> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(new String[] {m.group(1), m.group(2), m.group(3)});
        }
        return out;
    }

    @Test
    void legendNamesFitInsideTheStaticImage() {
        String longName = "agreement accuracy (AgreementTask)";
        String tooLong = "a legend name far too long to sit beside a plot of this width without taking most of it";
        double[] x = {0, 1, 2};
        Map<String, double[]> ys = new java.util.LinkedHashMap<>();
        ys.put("best determiner head", new double[] {0.1, 0.5, 0.9});
        ys.put(longName, new double[] {0.4, 0.6, 0.8});
        ys.put(tooLong, new double[] {0.5, 0.5, 0.5});
        LineFigure f = Plots.lines("t", "step", x, "accuracy", ys);
        f.size(900, 420);
        List<String[]> legend = legendTexts(f.svg());
        assertEquals(3, legend.size(), f.svg());
        assertEquals(longName, legend.get(1)[2], "a name that fits in 40% of the width is shown whole");
        assertEquals(tooLong, legend.get(2)[1], "the full name stays as the tooltip");
        assertTrue(legend.get(2)[2].endsWith("\u2026") && legend.get(2)[2].length() < tooLong.length(), legend.get(2)[2]);
        for (String[] e : legend) {
            double end = Double.parseDouble(e[0]) + Svg.textWidth(e[2], 12);
            assertTrue(end <= 900, "legend text '" + e[2] + "' ends at " + end + " px, past the 900 px image");
        }
        Table t = Table.create("r", StringColumn.create("what", "a", "a"), StringColumn.create("series", "x", tooLong),
                DoubleColumn.create("value", 0.9, 0.3));
        BarFigure b = Plots.bars(t, "what", "value", "series");
        for (String[] e : legendTexts(b.svg())) {
            double end = Double.parseDouble(e[0]) + Svg.textWidth(e[2], 12);
            assertTrue(end <= b.width(), "bar legend text '" + e[2] + "' ends at " + end + " px, past " + b.width());
        }
    }

    @Test
    void aLongTitleShrinksThenBreaksInsteadOfBeingCut() {
        String shortTitle = "Loss over training";
        String longTitle = "Relation accuracy of every head, seed 42; in brackets: the best fixed offset k and its accuracy";
        assertEquals(List.of(shortTitle), Svg.titleLines(shortTitle, 600));
        assertEquals(17.0, Svg.titleFont(shortTitle, 600));
        double font = Svg.titleFont(longTitle, 800);
        assertTrue(font < 17 && font >= 12, "shrinks to fit one line at 800 px: " + font);
        assertEquals(List.of(longTitle), Svg.titleLines(longTitle, 800));
        List<String> two = Svg.titleLines(longTitle, 500);
        assertEquals(2, two.size(), two.toString());
        assertEquals(longTitle, two.get(0) + " " + two.get(1));
        for (String line : two) {
            assertTrue(Svg.textWidth(line, Svg.titleFont(longTitle, 500)) <= 500, line);
        }
        Figure f = Plots.lines(curves(), "step", "loss", "run").title(longTitle);
        f.size(500, 300);
        assertTrue(f.svg().contains(">" + two.get(1) + "</text>"), "the static image draws the second line");
        assertTrue(f.html(false).contains(Json.string(two.get(0) + "<br>" + two.get(1))), "plotly gets the same two lines");
    }

    @Test
    void colourBarTitleSitsPastWideTickLabels() {
        HeatmapFigure f = Plots.heatmap(new double[][] {{0.1582, 0.159}, {0.1584, 0.1587}}, List.of("layer 1", "layer 2"),
                List.of("head 1", "head 2")).valueName("sink_mass");
        String svg = f.svg();
        Matcher tick = Pattern.compile("<text x=\"([0-9.]+)\" y=\"[0-9.]+\" text-anchor=\"start\" font-size=\"11\" fill=\"#444\">([^<]+)</text>").matcher(svg);
        double ticksEnd = 0;
        int ticks = 0;
        while (tick.find()) {
            ticks++;
            ticksEnd = Math.max(ticksEnd, Double.parseDouble(tick.group(1)) + Svg.textWidth(tick.group(2), 11));
        }
        assertTrue(ticks >= 3 && svg.contains(">0.1588</text>"), "four-decimal ticks drawn: " + svg);
        Matcher title = Pattern.compile("<text x=\"([0-9.]+)\"[^>]*rotate\\(90[^>]*>sink_mass</text>").matcher(svg);
        assertTrue(title.find(), svg);
        double titleLeft = Double.parseDouble(title.group(1)); // rotated 90 degrees: the glyphs rise to the right of x
        assertTrue(titleLeft > ticksEnd, "title from " + titleLeft + " px, tick labels end at " + ticksEnd + " px");
        assertTrue(titleLeft + 12 <= f.width(), "title inside the " + f.width() + " px image");
        // plotly: our ticks, and the title as an annotation placed past them, not plotly's colour-bar title
        String html = f.html(false);
        assertTrue(html.contains("\"ticktext\":[") && html.contains("\"0.1588\""), "plotly gets the same tick labels");
        assertTrue(html.contains("\"text\":\"sink_mass\",\"textangle\":90"), "the title is an annotation");
    }

    @Test
    void aLongColourBarTitleShrinksThenBreaksToFitTheBar() {
        String name = "weight on BOS from bigram tokens, averaged over the probe sequences";
        HeatmapFigure f = Plots.heatmap(new double[][] {{0.1, 0.2}}, List.of("L0"), List.of("H0", "H1")).valueName(name);
        f.size(620, 320);
        double bar = 320 - 46 - 30; // more than the bar: the title's and the labels' margins leave less
        Matcher m = Pattern.compile(" font-size=\"([0-9.]+)\" fill=\"#444\" transform=\"rotate\\(90[^>]*>([^<]+)</text>").matcher(f.svg());
        List<String> lines = new java.util.ArrayList<>();
        while (m.find()) {
            lines.add(m.group(2));
            double font = Double.parseDouble(m.group(1));
            assertTrue(font >= 9 && font <= 12, "font " + font);
            assertTrue(Svg.textWidth(m.group(2), font) <= bar, m.group(2) + " at " + font + " px");
        }
        assertEquals(2, lines.size(), "too long for one line at 9 px: " + lines);
        assertEquals(name, lines.get(0) + " " + lines.get(1));
        assertTrue(f.html(false).contains(Json.string(lines.get(0) + "<br>" + lines.get(1))), "plotly gets the same lines");
    }

    @Test
    void staticNoteSitsBelowTheImageNotOnIt() {
        String html = Plots.lines(curves(), "step", "loss", "run").html(false);
        int hint = html.indexOf("function hint(){");
        String body = html.substring(hint, html.indexOf('}', html.indexOf("appendChild(p)", hint)));
        assertFalse(body.contains("position:absolute"), "the note is not laid over the figure: " + body);
        assertTrue(body.contains("el.style.height='auto'"), "the figure's box grows to hold the note: " + body);
    }

    @Test
    void groupedBarsHaveOneBarPerVariantAndMetric() throws Exception {
        Table t = Table.create("r", StringColumn.create("variant", "a", "a", "b", "b", "c"),
                StringColumn.create("metric", "acc", "loss", "acc", "loss", "acc"),
                DoubleColumn.create("value", 0.9, 0.3, 0.5, 1.2, 0.7));
        BarFigure f = Plots.bars(t, "variant", "value", "metric");
        assertEquals(List.of("a", "b", "c"), f.categories());
        assertEquals(5, countElements(parseXml(f.svg()), "rect", "bar"), "c has no loss bar");
        assertEquals(2, f.traceCount());
    }

    @Test
    void labelsCannotBreakOutOfTheScript() {
        Figure f = Plots.heatmap(causalWeights(2), List.of("</script><b>", "x"));
        String html = f.html(false);
        int scriptStart = html.indexOf("<script");
        assertFalse(html.substring(scriptStart).replaceFirst("</script>\\s*$", "").contains("</script>"), html);
        // the label reaches plotly as "&lt;/script&gt;" (shown literally), written in JSON with & escaped too
        assertTrue(html.contains("\\u0026lt;/script\\u0026gt;"), html);
        // and JSON escaping guards every other string that reaches the script (hover templates, colours...)
        assertEquals("\"\\u003c/script\\u003e\"", Json.string("</script>"));
    }

    @Test
    void heatmapValuesGoToPlotlyWithFourSignificantDigits() {
        double[][] z = HeatmapFigure.fourDigits(new double[][] {{0.33181220293045044, 0, Double.NaN, 123456.7}});
        assertEquals(0.3318, z[0][0]);
        assertEquals(0.0, z[0][1]);
        assertTrue(Double.isNaN(z[0][2]));
        assertEquals(123500.0, z[0][3]);
    }

    @Test
    void repeatedTokensStayDistinctCategories() {
        List<String> u = HeatmapFigure.uniqueLabels(List.of("the", "cat", "the", "", "the"));
        assertEquals(5, u.stream().distinct().count());
        assertEquals("the", u.get(0));
        assertEquals("the\u200b", u.get(2));
        assertEquals("\u2205", u.get(3));
    }

    @Test
    void badInputNamesTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plots.lines(curves(), "step", "lost", "run"));
        assertTrue(e.getMessage().contains("'lost'") && e.getMessage().contains("loss"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Plots.heatmap(new float[][] {{1, 0}, {0.5f, 0.5f}}, List.of("only one")));
        assertTrue(e.getMessage().contains("2 rows but 1 row labels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Plots.lines(curves(), "step", "run", null));
        assertTrue(e.getMessage().contains("not numeric"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Plots.headGrid(new double[][] {{1}}, "s").size(50, 50));
    }

    @Test
    void reportWritesPageAndPlotlyCopyThatWorkOffline() throws Exception {
        Path dir = tmp.resolve("results/demo");
        Path page = Report.create("Demo <1>").text("one\n\ntwo").figure(Plots.lines(curves(), "step", "loss", "run"))
                .table(curves()).write(dir);
        String html = Files.readString(page);
        assertTrue(html.contains("<script src=\"plotly.min.js\"></script>"));
        assertFalse(html.matches("(?s).*(src|href)=\"(https?:)?//.*"), "no network references");
        assertEquals(VizTestSupport.FAKE_PLOTLY, Files.readString(dir.resolve("plotly.min.js")));
        assertTrue(html.contains("Demo &lt;1&gt;") && html.contains("<p>two</p>"));
        assertTrue(html.contains("class=\"attnlab-table\""));
        assertFalse(html.contains("/*fake*/"), "report does not inline plotly");
    }
}
