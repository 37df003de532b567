package org.attnlab.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class AttentionViewerTest {

    /** Tokens that are markup or need escaping in HTML, JSON or a script element. */
    static final List<String> TOKENS = List.of("<s>", "The", " cat", "&", "\"q\"", "</script>", "<eoi>", "\n");

    /**
     * Known patterns {@code [layer][head][query][key]} over {@code n} tokens, all causal rows summing to 1:
     * (h + l) % 4 = 0 previous token, 1 first token 0.7 + itself 0.3, 2 uniform, 3 itself 0.6 + two back 0.4.
     */
    static float[][][][] patterns(int layers, int heads, int n) {
        float[][][][] w = new float[layers][heads][n][n];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                for (int q = 0; q < n; q++) {
                    float[] row = w[l][h][q];
                    switch ((h + l) % 4) {
                        case 0 -> row[Math.max(0, q - 1)] = 1;
                        case 1 -> {
                            row[0] = 0.7f;
                            row[q] += 0.3f;
                        }
                        case 2 -> {
                            for (int k = 0; k <= q; k++) {
                                row[k] = 1f / (q + 1);
                            }
                        }
                        default -> {
                            row[q] = 0.6f;
                            row[Math.max(0, q - 2)] += 0.4f;
                        }
                    }
                }
            }
        }
        return w;
    }

    static JsonObject data(String html) {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"([^\"]+)-data\">(.*?)</script>", Pattern.DOTALL)
                .matcher(html);
        assertTrue(m.find(), "no data element in " + html.substring(0, Math.min(300, html.length())));
        return JsonParser.parseString(m.group(2)).getAsJsonObject();
    }

    @Test
    void dataHoldsEveryLayerAndHeadAsRowMajorWeightsInThousandths() {
        float[][][][] w = patterns(2, 3, TOKENS.size());
        JsonObject d = data(AttentionViewer.of(TOKENS, w).layer(1).head(2).html());
        int n = TOKENS.size();
        assertEquals(1000, d.get("scale").getAsInt());
        JsonArray layers = d.getAsJsonArray("layers");
        assertEquals(2, layers.size());
        for (int l = 0; l < 2; l++) {
            JsonObject layer = layers.get(l).getAsJsonObject();
            assertEquals(l, layer.get("number").getAsInt());
            assertEquals("layer " + l, layer.get("label").getAsString());
            JsonArray heads = layer.getAsJsonArray("heads");
            assertEquals(3, heads.size());
            for (int h = 0; h < 3; h++) {
                JsonArray flat = heads.get(h).getAsJsonArray();
                assertEquals(n * n, flat.size());
                for (int q = 0; q < n; q++) {
                    for (int k = 0; k < n; k++) {
                        assertEquals(Math.round(w[l][h][q][k] * 1000), flat.get(q * n + k).getAsInt(), "l" + l + " h" + h + " [" + q + "][" + k + "]");
                    }
                }
            }
        }
        // the uniform head (h + l = 2) of layer 1, row 2: a third each
        assertEquals(333, layers.get(1).getAsJsonObject().getAsJsonArray("heads").get(1).getAsJsonArray().get(2 * n + 1).getAsInt());
        assertEquals(1, d.get("layer").getAsInt());
        assertEquals(2, d.get("head").getAsInt());
        assertEquals("query", d.get("hover").getAsString());
        assertTrue(d.get("focus").isJsonNull());
    }

    @Test
    void tokensAndTitleTravelEscapedAndComeBackLiterally() {
        String html = AttentionViewer.of(TOKENS, patterns(1, 2, TOKENS.size())).title("a <b>bold</b> & \"quoted\" title").html();
        JsonObject d = data(html);
        List<String> back = new ArrayList<>();
        d.getAsJsonArray("tokens").forEach(e -> back.add(e.getAsString()));
        assertEquals(TOKENS, back);
        assertEquals("a <b>bold</b> & \"quoted\" title", d.get("title").getAsString());
        // no token is markup anywhere in the page: not in the data, not in the static image's alt text
        assertFalse(html.contains("<s>"), "raw <s> in the HTML");
        assertFalse(html.contains("<eoi>"), "raw <eoi> in the HTML");
        assertFalse(html.contains("<b>"), "raw <b> in the HTML");
        assertEquals(2, html.split("</script>", -1).length - 1, "only the two script elements may close a script");
        assertTrue(html.contains("\\u003cs\\u003e"), "tokens are JSON-escaped inside the script element");
    }

    @Test
    void twoViewersOfTheSameDataNeverShareAnId() {
        float[][][][] w = patterns(1, 2, 4);
        List<String> toks = List.of("a", "b", "c", "d");
        String both = AttentionViewer.of(toks, w).html() + AttentionViewer.of(toks, w).html();
        Matcher m = Pattern.compile("\\sid=\"([^\"]+)\"").matcher(both);
        Set<String> ids = new HashSet<>();
        int count = 0;
        while (m.find()) {
            count++;
            assertTrue(ids.add(m.group(1)), "id used twice: " + m.group(1));
        }
        assertEquals(4, count, "each viewer has its div and its data element");
        // the script names its elements (and its radio group) from its own id, and finds its div from its position
        Matcher s = Pattern.compile("var ID=\"([^\"]+)\"").matcher(both);
        List<String> scriptIds = new ArrayList<>();
        while (s.find()) {
            scriptIds.add(s.group(1));
        }
        assertEquals(2, scriptIds.size());
        assertNotEquals(scriptIds.get(0), scriptIds.get(1));
        assertTrue(ids.containsAll(scriptIds));
        assertTrue(both.contains("r.name=ID+'-hover'"), "radio groups are per viewer");
        assertFalse(both.contains("document.querySelector("), "no page-wide lookups besides the viewer's own ids");
    }

    @Test
    void htmlIsTheDivWithItsStaticImageThenDataThenScriptWithNothingExternal() {
        String html = AttentionViewer.of(TOKENS, patterns(1, 1, TOKENS.size())).html();
        assertTrue(html.startsWith("<div class=\"attnlab-viewer\" id=\""), html.substring(0, 80));
        assertTrue(html.contains("data-tokens=\"8\" data-layers=\"1\"><img class=\"attnlab-static\""));
        assertFalse(html.contains(" src=\"http") || html.contains("require(") || html.contains("import("), "no network, no RequireJS");
        assertFalse(html.contains("attnlab-figure"), "not a plotly figure: check_figures.py must not expect traces");
    }

    @Test
    void staticPictureIsTheSelectedHeadWithTokenLabels() throws Exception {
        float[][][][] w = patterns(2, 4, TOKENS.size());
        AttentionViewer v = AttentionViewer.of(TOKENS, w).layer(1).head(3);
        HeatmapFigure f = v.staticFigure();
        assertEquals("attention: layer 1, head 3", f.title());
        assertEquals(0.0, f.zMin());
        assertEquals(1.0, f.zMax());
        assertEquals(w[1][3][5][3], f.panels().get(0).z()[5][3], 1e-6);
        assertEquals(TOKENS, f.panels().get(0).colLabels());
        Document svg = VizTestSupport.parseXml(v.svg()); // well-formed, token labels escaped
        assertTrue(svg.getDocumentElement().getTextContent().contains("<eoi>"));
        Map<String, String> bundle = v.mimeBundle();
        assertEquals(List.of("text/html", "image/svg+xml", "text/plain"), List.copyOf(bundle.keySet()));
        assertEquals(v.svg(), bundle.get("image/svg+xml"));
        assertEquals("AttentionViewer[8 tokens, 2 layers x 4 heads, showing layer 1 head 3]", bundle.get("text/plain"));
        // the image inside the div is the same picture
        Matcher m = Pattern.compile("src=\"data:image/svg\\+xml;base64,([^\"]+)\"").matcher(bundle.get("text/html"));
        assertTrue(m.find());
        assertEquals(v.svg(), new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8));
    }

    @Test
    void staticModeLeavesOutTheHtml() {
        System.setProperty(FigureMode.PROPERTY, "static");
        try {
            Map<String, String> bundle = AttentionViewer.of(List.of("a", "b"), patterns(1, 1, 2)).mimeBundle();
            assertEquals(List.of("image/svg+xml", "text/plain"), List.copyOf(bundle.keySet()));
        } finally {
            System.clearProperty(FigureMode.PROPERTY);
        }
    }

    @Test
    void hoverFocusAndTitleAreCarriedToTheScript() {
        JsonObject d = data(AttentionViewer.of(TOKENS, patterns(1, 2, TOKENS.size())).hover(AttentionViewer.Hover.KEY)
                .focus(4).title("").html());
        assertEquals("key", d.get("hover").getAsString());
        assertEquals(4, d.get("focus").getAsInt());
        assertEquals("", d.get("title").getAsString());
    }

    @Test
    void badShapesAndValuesFailNamingWhatIsAllowed() {
        List<String> four = List.of("a", "b", "c", "d");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionViewer.of(List.of("a", "b", "c"), patterns(1, 2, 4)));
        assertEquals("layer 0 head 0 has 4 query rows but there are 3 tokens; each head's weights must be [L, L]"
                + " with L = the number of tokens (3)", e.getMessage());
        float[][][][] ragged = patterns(1, 2, 4);
        ragged[0][1][2] = new float[3];
        e = assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(four, ragged));
        assertTrue(e.getMessage().startsWith("layer 0 head 1 row 2 has 3 key columns but there are 4 tokens"), e.getMessage());
        float[][][][] big = patterns(1, 1, 4);
        big[0][0][1][0] = 1.7f;
        e = assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(four, big));
        assertEquals("layer 0 head 0 weight [1][0] is 1.7; attention weights must be finite and in [0, 1]", e.getMessage());
        big[0][0][1][0] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(four, big));
        assertTrue(e.getMessage().contains("weight [1][0] is NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(List.of(), patterns(1, 1, 1)));
        assertTrue(e.getMessage().startsWith("tokens must not be empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(four, new float[0][][][]));
        assertTrue(e.getMessage().startsWith("no layers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(four, new float[][][][] {new float[0][][]}));
        assertTrue(e.getMessage().startsWith("layer 0 has no heads"), e.getMessage());
    }

    @Test
    void layerHeadAndTokenOutOfRangeNameTheAllowedRange() {
        AttentionViewer v = AttentionViewer.of(List.of("a", "b", "c"), patterns(3, 4, 3));
        assertEquals("layer 3 is not in this viewer; layers: 0..2",
                assertThrows(IllegalArgumentException.class, () -> v.layer(3)).getMessage());
        assertEquals("head 4 is out of range for layer 0: heads 0..3",
                assertThrows(IllegalArgumentException.class, () -> v.head(4)).getMessage());
        assertEquals("head -1 is out of range for layer 0: heads 0..3",
                assertThrows(IllegalArgumentException.class, () -> v.head(-1)).getMessage());
        assertEquals("token 3 is out of range: tokens 0..2",
                assertThrows(IllegalArgumentException.class, () -> v.focus(3)).getMessage());
        assertEquals(2, v.layer(2).head(3).selectedLayer());
        assertEquals(3, v.selectedHead());
    }

    @Test
    void mapsOfArraysByLayerNumberOrByNameWithBatchRowChoice() {
        List<String> toks = List.of("a", "b", "c");
        try (NDManager m = NDManager.newBaseManager()) {
            float[][][][] w = patterns(3, 2, 3);
            NDArray l0 = m.create(flat(w[0]), new Shape(1, 2, 3, 3));
            NDArray l2 = m.create(flat(w[2]), new Shape(2, 3, 3));
            Map<Integer, NDArray> byNumber = new LinkedHashMap<>();
            byNumber.put(2, l2);
            byNumber.put(0, l0);
            AttentionViewer v = AttentionViewer.of(toks, byNumber);
            assertEquals(List.of(0, 2), v.layerNumbers());
            assertEquals(w[2][1][2][0], v.weights(2, 1)[2][0]);
            assertEquals("layer 1 is not in this viewer; layers: [0, 2]",
                    assertThrows(IllegalArgumentException.class, () -> v.layer(1)).getMessage());

            Map<String, NDArray> byName = new LinkedHashMap<>();
            byName.put("blocks.0.attn.pattern", l0);
            byName.put("blocks.2.attn.pattern", l2);
            JsonObject d = data(AttentionViewer.of(toks, byName).layer(1).html());
            assertEquals("layer 2 is not in this viewer; layers: [0 = blocks.0.attn.pattern, 1 = blocks.2.attn.pattern]",
                    assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(toks, byName).layer(2)).getMessage());
            assertEquals("blocks.2.attn.pattern", d.getAsJsonArray("layers").get(1).getAsJsonObject().get("label").getAsString());

            // a batch of two: the second row is a different layer's weights
            float[] two = new float[2 * 2 * 9];
            System.arraycopy(flat(w[0]), 0, two, 0, 18);
            System.arraycopy(flat(w[1]), 0, two, 18, 18);
            Map<Integer, NDArray> batch = Map.of(0, m.create(two, new Shape(2, 2, 3, 3)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(toks, batch));
            assertEquals("layer 0 has shape (2, 2, 3, 3): a batch of 2 sequences; pick one with"
                    + " AttentionViewer.of(tokens, patterns, sequence), sequence in 0..1", e.getMessage());
            assertEquals(w[1][0][1][1], AttentionViewer.of(toks, batch, 1).weights(0, 0)[1][1]);
            assertEquals(w[0][0][1][1], AttentionViewer.of(toks, batch, 0).weights(0, 0)[1][1]);
            e = assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(toks, batch, 2));
            assertTrue(e.getMessage().startsWith("sequence 2 is out of range"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> AttentionViewer.of(toks, Map.of(0, m.zeros(new Shape(3, 3)))));
            assertEquals("layer 0 has shape (3, 3); expected [H, L, L] or [B, H, L, L] (heads, query, key)", e.getMessage());
        }
    }

    @Test
    void tooManyWeightsToEmbedFailsSayingHowToShrink() {
        int n = 200; // 26 heads x 200 x 200 = 1,040,000 weights
        float[][][] heads = new float[26][n][n];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionViewer.of(java.util.Collections.nCopies(n, "t"), heads));
        assertTrue(e.getMessage().startsWith("the viewer would embed 1040000 weights"), e.getMessage());
        assertTrue(e.getMessage().contains("at most 1000000"), e.getMessage());
    }

    @Test
    void renderedByTheKernelAdapterAsItsOwnBundle() {
        var renderer = new RapaioDisplayProvider().getDisplayRenderers().stream()
                .filter(r -> r.rendererClass() == Displayable.class).findFirst().orElseThrow();
        var dd = renderer.render("text/html", AttentionViewer.of(List.of("a", "b"), patterns(1, 1, 2)));
        assertTrue(String.valueOf(dd.data().get("text/html")).contains("class=\"attnlab-viewer\""));
        assertTrue(dd.data().containsKey("image/svg+xml"));
    }

    @Test
    void aReportCarriesTheViewer() {
        String page = Report.create("r").viewer(AttentionViewer.of(List.of("<s>", "b"), patterns(1, 1, 2))).html();
        assertTrue(page.contains("<div class=\"attnlab-block\"><div class=\"attnlab-viewer\""), page);
    }

    private static float[] flat(float[][][] heads) {
        int h = heads.length, n = heads[0].length;
        float[] out = new float[h * n * n];
        for (int i = 0; i < h; i++) {
            for (int q = 0; q < n; q++) {
                System.arraycopy(heads[i][q], 0, out, (i * n + q) * n, n);
            }
        }
        return out;
    }
}
