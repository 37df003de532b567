package org.attnlab.viz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.Table;

/**
 * A self-contained HTML report (e.g. {@code build/results/NAME/index.html}): headings, text, figures
 * and tables in order. plotly.js is copied beside the page, so the folder works opened from disk with
 * no network; each figure also holds its static SVG, shown if scripts do not run.
 *
 * <pre>{@code
 * Report.create("PaTH vs RoPE on flip-flop").text("Preset quick, seed 1.")
 *       .figure(Plots.lines(curves, "step", "loss", "variant").logY())
 *       .table(results)
 *       .write(Path.of("build/results/path-vs-rope"));
 * }</pre>
 */
public final class Report {

    /** File name of the page written into the report folder. */
    public static final String PAGE = "index.html";
    /** File name of the plotly.js copy beside it. */
    public static final String PLOTLY_FILE = "plotly.min.js";

    private final String title;
    private final List<String> parts = new ArrayList<>();

    private Report(String title) {
        this.title = title == null ? "" : title;
    }

    public static Report create(String title) {
        return new Report(title);
    }

    /** A section heading. */
    public Report heading(String text) {
        parts.add("<h2>" + Svg.esc(text) + "</h2>");
        return this;
    }

    /** A paragraph of plain text (escaped; blank lines start new paragraphs). */
    public Report text(String text) {
        for (String para : text.split("\\n\\s*\\n")) {
            parts.add("<p>" + Svg.esc(para.strip()) + "</p>");
        }
        return this;
    }

    public Report figure(Figure figure) {
        parts.add("<div class=\"attnlab-block\">" + figure.html(false) + "</div>");
        return this;
    }

    /** An attention viewer (its script is inline: it needs nothing beside the page). */
    public Report viewer(AttentionViewer viewer) {
        parts.add("<div class=\"attnlab-block\">" + viewer.html() + "</div>");
        return this;
    }

    public Report table(Table table) {
        parts.add("<div class=\"attnlab-block\">" + Tables.html(table) + "</div>");
        return this;
    }

    /** The page's HTML, loading plotly.js from {@value #PLOTLY_FILE} in the same folder. */
    public String html() {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(Svg.esc(title))
                .append("</title>\n<style>body{font-family:'Open Sans',verdana,arial,sans-serif;max-width:1100px;margin:24px auto;"
                        + "padding:0 16px;color:#222}.attnlab-block{margin:18px 0;overflow-x:auto}h1{font-size:24px}h2{font-size:19px;"
                        + "margin-top:32px}</style>\n")
                .append("<script src=\"").append(PLOTLY_FILE).append("\"></script>\n</head><body>\n<h1>")
                .append(Svg.esc(title)).append("</h1>\n");
        for (String p : parts) {
            sb.append(p).append('\n');
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    /** Writes {@value #PAGE} and a copy of plotly.js into {@code dir} (created if needed); returns the page. */
    public Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            Path js = dir.resolve(PLOTLY_FILE);
            Path source = PlotlyJs.locate();
            if (!Files.exists(js) || Files.size(js) != Files.size(source)) {
                Files.copy(source, js, StandardCopyOption.REPLACE_EXISTING);
            }
            Path page = dir.resolve(PAGE);
            Files.writeString(page, html(), StandardCharsets.UTF_8);
            return page;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report into " + dir, e);
        }
    }
}
