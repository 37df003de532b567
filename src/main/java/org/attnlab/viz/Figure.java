package org.attnlab.viz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A plot that renders everywhere. It is built once from data, then drawn two ways from that same data:
 * interactively by plotly.js (traces and layout from tablesaw-jsplot, plus a small patch for what jsplot
 * cannot express), and as a static SVG image. The notebook HTML output puts the SVG (as a data-URI image)
 * inside the figure's div and lets plotly.js replace it when scripts run, so GitHub, nbviewer and JavaScript-stripped
 * exports still show the plot; the same SVG also travels as {@code image/svg+xml}.
 *
 * <p>Make figures with {@link Plots}; show one by ending a cell with it, or with {@link #show()}.
 */
public abstract class Figure implements Displayable {

    /** CSS class of every figure's div; tools/check_figures.py looks for it. */
    public static final String CSS_CLASS = "attnlab-figure";

    protected String title;
    protected int width;
    protected int height;

    protected Figure(String title, int width, int height) {
        this.title = title == null ? "" : title;
        size(width, height);
    }

    /** The figure as tablesaw-jsplot builds it (traces + layout, before our patch). */
    public abstract tech.tablesaw.plotly.components.Figure plotly();

    /** Layout fields jsplot cannot express, deep-merged into its layout in the browser. */
    protected abstract Map<String, Object> layoutPatch();

    /** Per-trace fields jsplot cannot express (index i patches trace i); empty maps for none. */
    protected abstract List<Map<String, Object>> tracePatches();

    /** The static image of this figure, a standalone SVG document of {@link #width()} x {@link #height()}. */
    public abstract String svg();

    /** How many plotly traces this figure draws. */
    public abstract int traceCount();

    public String title() {
        return title;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Sets the title shown above the plot. */
    public Figure title(String newTitle) {
        this.title = newTitle == null ? "" : newTitle;
        return this;
    }

    /** Sets the size in CSS pixels (both drawings use it). */
    public Figure size(int newWidth, int newHeight) {
        if (newWidth < 120 || newHeight < 120 || newWidth > 4000 || newHeight > 4000) {
            throw new IllegalArgumentException("figure size " + newWidth + "x" + newHeight
                    + " is out of range: width and height must be in [120, 4000] px");
        }
        this.width = newWidth;
        this.height = newHeight;
        return this;
    }

    /**
     * The HTML of this figure: a div holding the static SVG, then a script that waits for
     * {@code window.Plotly} (up to a minute) and draws the interactive plot in its place. With
     * {@code withPlotly}, plotly.js itself is inlined first.
     */
    public String html(boolean withPlotly) {
        String id = nextId();
        StringBuilder sb = new StringBuilder();
        if (withPlotly) {
            sb.append(PlotlyJs.inlineScript());
        }
        sb.append("<div class=\"").append(CSS_CLASS).append("\" id=\"").append(id)
                .append("\" data-traces=\"").append(traceCount()).append("\" style=\"width:").append(width)
                .append("px;height:").append(height).append("px;\">").append(staticImage()).append("</div>\n");
        String js = jsplotCode(id);
        sb.append("<script type=\"text/javascript\">(function(){\n")
                .append("var el=document.getElementById(").append(Json.string(id)).append(");if(!el){return;}\n")
                .append("var lp=").append(Json.write(layoutPatch())).append(";\n")
                .append("var tp=").append(Json.write(tracePatches())).append(";\n")
                .append(DRAW_JS)
                .append("function plot(Plotly){\n").append(js).append("\n}\n")
                .append("})();</script>\n");
        return sb.toString();
    }

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /**
     * A page-unique div id that is the same when a notebook is re-run from the top (content hash plus
     * the figure's number in this session), so re-executed notebooks do not differ only in ids.
     * jsplot makes a JS variable name of it: letters, digits and underscores only.
     */
    private String nextId() {
        CRC32 crc = new CRC32();
        crc.update((getClass().getName() + title + width + "x" + height + traceCount()).getBytes(StandardCharsets.UTF_8));
        return "attnlab_fig_" + Long.toHexString(crc.getValue()) + "_" + SEQUENCE.incrementAndGet();
    }

    /**
     * The static SVG as an img element with a data URI. Not inline SVG: front ends that sanitize untrusted
     * HTML (JupyterLab for a notebook it did not run, GitHub) drop svg elements but keep data-URI images.
     */
    String staticImage() {
        return "<img class=\"attnlab-static\" width=\"" + width + "\" height=\"" + height + "\" alt=\""
                + Svg.esc(title.isEmpty() ? getClass().getSimpleName() : title) + "\" src=\"data:image/svg+xml;base64,"
                + Base64.getEncoder().encodeToString(svg().getBytes(StandardCharsets.UTF_8)) + "\">";
    }

    /** jsplot's script for the div {@code id}, without the script tags. */
    String jsplotCode(String id) {
        String js = plotly().asJavascript(id).replaceAll("(?s)^\\s*<script>", "").replaceAll("(?s)</script>\\s*$", "");
        // tablesaw-jsplot 0.44.4's HeatmapTrace declares every trace as "trace0" (it ignores its index),
        // so number the declarations in order; data = [trace0, trace1, ...] lists them in that order.
        Matcher m = TRACE_DECL.matcher(js);
        StringBuilder out = new StringBuilder();
        int k = 0;
        while (m.find()) {
            m.appendReplacement(out, "var trace" + k++ + " =");
        }
        m.appendTail(out);
        return out.toString();
    }

    private static final Pattern TRACE_DECL = Pattern.compile("var trace\\d+ =");

    // Runs jsplot's code with a stand-in 'Plotly' whose newPlot applies our patches, then calls the real one.
    private static final String DRAW_JS = """
            function merge(a,b){for(var k in b){if(b[k]&&typeof b[k]==='object'&&!Array.isArray(b[k])&&a[k]&&typeof a[k]==='object'){merge(a[k],b[k]);}else{a[k]=b[k];}}return a;}
            function draw(){var fallback=el.innerHTML;
            var shim={newPlot:function(t,data,layout,config){merge(layout,lp);for(var i=0;i<data.length&&i<tp.length;i++){merge(data[i],tp[i]);}
            el.innerHTML='';return window.Plotly.newPlot(t,data,layout,merge({displaylogo:false,responsive:false,displayModeBar:false},config||{}))
            .then(function(){el.setAttribute('data-drawn','1');},function(e){el.innerHTML=fallback;console.error(e);});}};
            try{plot(shim);}catch(e){el.innerHTML=fallback;console.error(e);}}
            var waited=0;(function wait(){if(window.Plotly&&window.Plotly.newPlot){draw();return;}waited+=100;if(waited===3000){hint();}if(waited<60000){setTimeout(wait,100);}})();
function hint(){el.style.height='auto';var p=document.createElement('div');p.className='attnlab-static-note';p.style.cssText='font-size:11px;color:#666;padding:1px 4px';p.textContent='Static image: plotly.js did not load. In a notebook, run PlotlyJs.resetSession() and re-run this cell.';el.appendChild(p);}
            """;

    /**
     * The MIME bundle: {@code text/html} (static SVG inside, interactive on top; the first figure of the
     * session also carries plotly.js), {@code image/svg+xml} and {@code text/plain}. In
     * {@link FigureMode#STATIC} only the last two.
     */
    @Override
    public Map<String, String> mimeBundle() {
        Map<String, String> bundle = new LinkedHashMap<>();
        if (FigureMode.current() == FigureMode.STATIC) {
            bundle.put("image/svg+xml", svg());
            bundle.put("text/plain", toString());
            return bundle;
        }
        boolean carry = PlotlyJs.takeSessionInline();
        try {
            bundle.put("text/html", html(carry));
        } catch (RuntimeException e) {
            if (carry) {
                PlotlyJs.resetSession(); // nothing was shipped: the next figure must carry it
            }
            throw e;
        }
        bundle.put("image/svg+xml", svg());
        bundle.put("text/plain", toString());
        return bundle;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + (title.isEmpty() ? "untitled" : title) + ", " + traceCount()
                + " trace" + (traceCount() == 1 ? "" : "s") + ", " + width + "x" + height + "]";
    }

    /** Text for jsplot's templates, which put it in single-quoted JS strings: no line breaks or backslashes. */
    /**
     * Text as plotly shows it literally: plotly reads a small set of HTML-like tags in titles, tick labels and
     * names ({@code <b>}, {@code <s>}, {@code <br>}...), so a token such as {@code <s>} or {@code <eoi>} is escaped
     * ({@code &lt;s&gt;}), which plotly turns back into the characters.
     */
    protected static String plotlyText(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Each of {@code labels} through {@link #plotlyText}. */
    protected static List<String> plotlyText(List<String> labels) {
        List<String> out = new ArrayList<>(labels.size());
        for (String s : labels) {
            out.add(plotlyText(s));
        }
        return out;
    }

    protected static String forJsplot(String s) {
        return s == null ? "" : s.replaceAll("[\\r\\n\\\\]+", " ");
    }

    /** Layout patch entries every figure shares: colorway, margins, fonts. */
    protected Map<String, Object> baseLayoutPatch() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("colorway", Svg.COLORWAY);
        // a long title shrinks, then breaks in two, so that it is not cut at the figure's edges (as the static image)
        List<String> lines = plotlyText(Svg.titleLines(title, width));
        m.put("title", Map.of("text", String.join("<br>", lines), "x", 0.5, "xanchor", "center",
                "font", Map.of("size", Svg.titleFont(title, width))));
        return m;
    }
}
