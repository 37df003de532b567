package org.attnlab.viz;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Helpers for the static SVG images: escaping, axis ticks, number labels, and the colors shared with
 * the plotly.js figures (so the static image and the interactive one look alike).
 */
final class Svg {

    /** plotly.js's default trace colors (D3 category10), also set as the figures' colorway. */
    static final List<String> COLORWAY = List.of("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf");

    /** plotly.js's Viridis colorscale stops, passed to plotly explicitly and used for SVG cells. */
    static final double[] VIRIDIS_POS = {0, 0.06274509803921569, 0.12549019607843137, 0.18823529411764706,
            0.25098039215686274, 0.3137254901960784, 0.3764705882352941, 0.4392156862745098, 0.5019607843137255,
            0.5647058823529412, 0.6274509803921569, 0.6901960784313725, 0.7529411764705882, 0.8156862745098039,
            0.8784313725490196, 0.9411764705882353, 1};
    static final String[] VIRIDIS = {"#440154", "#48186a", "#472d7b", "#424086", "#3b528b", "#33638d", "#2c728e",
            "#26828e", "#21918c", "#1fa088", "#28ae80", "#3fbc73", "#5ec962", "#84d44b", "#addc30", "#d8e219",
            "#fde725"};

    static final String FONT = "font-family=\"'Open Sans', verdana, arial, sans-serif\"";

    private Svg() {
    }

    /** The colorscale as plotly.js wants it: [[pos, color], ...]. */
    static List<List<Object>> viridisScale() {
        List<List<Object>> out = new ArrayList<>();
        for (int i = 0; i < VIRIDIS.length; i++) {
            out.add(List.of(VIRIDIS_POS[i], VIRIDIS[i]));
        }
        return out;
    }

    /** Viridis color at t in [0,1], linearly interpolated in RGB between stops as plotly.js does. */
    static String viridis(double t) {
        if (!Double.isFinite(t)) {
            return "#ffffff";
        }
        t = Math.max(0, Math.min(1, t));
        int i = 1;
        while (i < VIRIDIS_POS.length - 1 && VIRIDIS_POS[i] < t) {
            i++;
        }
        double f = (t - VIRIDIS_POS[i - 1]) / (VIRIDIS_POS[i] - VIRIDIS_POS[i - 1]);
        int a = Integer.parseInt(VIRIDIS[i - 1].substring(1), 16);
        int b = Integer.parseInt(VIRIDIS[i].substring(1), 16);
        int r = mix(a >> 16 & 255, b >> 16 & 255, f);
        int g = mix(a >> 8 & 255, b >> 8 & 255, f);
        int bl = mix(a & 255, b & 255, f);
        return String.format("#%02x%02x%02x", r, g, bl);
    }

    private static int mix(int a, int b, double f) {
        return (int) Math.round(a + (b - a) * f);
    }

    /** Text safe inside SVG/HTML element content and attribute values. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> {
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** A coordinate with two decimals, locale-independent. */
    static String f(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** Approximate width in px of text at a font size (no font metrics in a headless JVM we can trust). */
    static double textWidth(String s, double fontSize) {
        return s.length() * fontSize * 0.58;
    }

    /** The widest share of a figure a legend at its right may take; longer names are shortened to fit. */
    static final double LEGEND_SHARE = 0.4;

    /**
     * The width a legend at a figure's right takes: the longest of {@code names} at 12 px plus {@code swatch} (the
     * colour mark and gaps), at most {@link #LEGEND_SHARE} of {@code figureWidth}.
     */
    static double legendWidth(List<String> names, double swatch, double figureWidth) {
        double w = 0;
        for (String s : names) {
            w = Math.max(w, textWidth(s, 12));
        }
        return Math.min(figureWidth * LEGEND_SHARE, w + swatch);
    }

    /**
     * A legend entry's name at 12 px starting at {@code x}: whole when it fits in {@code maxWidth}, else shortened
     * with an ellipsis; the full name is the entry's tooltip either way.
     */
    static void legendText(StringBuilder sb, double x, double y, String name, double maxWidth) {
        String shown = name;
        if (textWidth(shown, 12) > maxWidth) {
            int keep = Math.max(1, (int) Math.floor(maxWidth / (12 * 0.58)) - 1);
            shown = name.substring(0, Math.min(keep, name.length())).stripTrailing() + "\u2026";
        }
        sb.append("<text x=\"").append(f(x)).append("\" y=\"").append(f(y))
                .append("\" text-anchor=\"start\" fill=\"#444\"><title>").append(esc(name)).append("</title>")
                .append(esc(shown)).append("</text>");
    }

    /** "Nice" linear ticks (1, 2, 5 x 10^k steps) covering [lo, hi]: about {@code target} of them. */
    static double[] linearTicks(double lo, double hi, int target) {
        if (!(hi > lo)) {
            return new double[] {lo};
        }
        double raw = (hi - lo) / Math.max(1, target);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag;
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * mag >= raw) {
                step = m * mag;
                break;
            }
        }
        double start = Math.ceil(lo / step - 1e-9) * step;
        List<Double> ticks = new ArrayList<>();
        for (double v = start; v <= hi + step * 1e-9; v += step) {
            ticks.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return ticks.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Ticks at whole numbers only (layers, heads, counts) covering [lo, hi]: about {@code target} of them, in steps of
     * 1, 2, 5 x 10^k (never 2.5, never a fraction).
     */
    static double[] integerTicks(double lo, double hi, int target) {
        double step = integerTickStep(lo, hi, target);
        List<Double> ticks = new ArrayList<>();
        for (double v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
            ticks.add(v == 0 ? 0 : v); // no -0
        }
        return ticks.isEmpty() ? new double[] {Math.round(lo)} : ticks.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The step of {@link #integerTicks}: a whole number 1, 2, 5 x 10^k, about (hi - lo) / target. */
    static double integerTickStep(double lo, double hi, int target) {
        double raw = Math.max(1, (hi - lo) / Math.max(1, target));
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * mag >= raw - 1e-9) {
                return m * mag;
            }
        }
        return 10 * mag;
    }

    /** Ticks at powers of ten inside [lo, hi] (data units, lo > 0); adds 2 and 5 multiples when few decades. */
    static double[] logTicks(double lo, double hi) {
        List<Double> ticks = new ArrayList<>();
        int a = (int) Math.floor(Math.log10(lo));
        int b = (int) Math.ceil(Math.log10(hi));
        boolean fine = b - a <= 2;
        for (int k = a; k <= b; k++) {
            double p = Math.pow(10, k);
            for (double m : fine ? new double[] {1, 2, 5} : new double[] {1}) {
                double v = m * p;
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
                    ticks.add(v);
                }
            }
        }
        return ticks.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A short, readable tick or value label. */
    static String label(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1e5 || a < 1e-3) {
            return String.format(Locale.ROOT, "%.2g", v);
        }
        String s = String.format(Locale.ROOT, "%.4g", v);
        if (s.contains(".") && !s.contains("e")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    /** Opening svg element with a white background, title and the shared font. */
    static void open(StringBuilder sb, int width, int height, String title) {
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"attnlab-static\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\" ").append(FONT).append(" font-size=\"12\">");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
        if (title != null && !title.isEmpty()) {
            double font = titleFont(title, width);
            List<String> lines = titleLines(title, width);
            for (int i = 0; i < lines.size(); i++) {
                double y = lines.size() == 1 ? 26 : 18 + i * (font + 3);
                sb.append("<text x=\"").append(f(width / 2.0)).append("\" y=\"").append(f(y))
                        .append("\" text-anchor=\"middle\" font-size=\"").append(f(font)).append("\" fill=\"#444\">")
                        .append(esc(lines.get(i))).append("</text>");
            }
        }
    }

    /** Title sizes: the usual, and the smallest a long title shrinks to before it is broken in two lines. */
    static final double TITLE_FONT = 17, TITLE_FONT_MIN = 12;

    /** The room a title has: the figure's width less a margin each side. */
    private static double titleRoom(int width) {
        return width - 24;
    }

    /** A title's font size: 17 px when it fits the width, else as large as fits on one line, at least 12 px. */
    static double titleFont(String title, int width) {
        return fitFont(title, titleRoom(width), TITLE_FONT, TITLE_FONT_MIN);
    }

    /**
     * A title's lines: one when it fits the width at {@link #titleFont}; else two, broken at the space nearest the
     * middle (a title that long still wider than the figure is the caller's to shorten).
     */
    static List<String> titleLines(String title, int width) {
        return fitLines(title, titleRoom(width), TITLE_FONT, TITLE_FONT_MIN);
    }

    /** The largest font from {@code max} down to {@code min} px at which {@code text} fits {@code room} px on one line. */
    static double fitFont(String text, double room, double max, double min) {
        double one = textWidth(text, 1);
        double fit = one == 0 ? max : Math.floor(room / one);
        return Math.max(min, Math.min(max, fit));
    }

    /**
     * {@code text} as one line when it fits {@code room} px at {@link #fitFont}, else as two lines broken at the space
     * nearest the middle.
     */
    static List<String> fitLines(String text, double room, double max, double min) {
        if (textWidth(text, fitFont(text, room, max, min)) <= room) {
            return List.of(text);
        }
        int mid = text.length() / 2, best = -1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == ' ' && (best < 0 || Math.abs(i - mid) < Math.abs(best - mid))) {
                best = i;
            }
        }
        return best < 0 ? List.of(text) : List.of(text.substring(0, best), text.substring(best + 1));
    }

    static void text(StringBuilder sb, double x, double y, String anchor, String s, String extra) {
        sb.append("<text x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" text-anchor=\"").append(anchor)
                .append('"').append(extra == null ? "" : " " + extra).append(">").append(esc(s)).append("</text>");
    }

    static void line(StringBuilder sb, double x1, double y1, double x2, double y2, String stroke, double width) {
        sb.append("<line x1=\"").append(f(x1)).append("\" y1=\"").append(f(y1)).append("\" x2=\"").append(f(x2))
                .append("\" y2=\"").append(f(y2)).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                .append(f(width)).append("\"/>");
    }
}
