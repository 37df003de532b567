package org.attnlab.viz;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * An interactive attention viewer, our own and offline (in the spirit of CircuitsVis): the tokens of one sequence
 * in a wrapping row; hover a token to shade the tokens it attends to by weight (or, with the toggle, the tokens
 * that attend to it); choose the layer and head; and small multiples of every head of the layer (click one to
 * select it). Click a token to pin it while you change heads.
 *
 * <pre>{@code
 * Map<String, NDArray> patterns = model.patterns(ps, input);   // each [1, H, L, L]
 * AttentionViewer.of(tokens, patterns).layer(1).head(3)          // end the cell with it, or .show()
 * }</pre>
 *
 * <p>Weights are attention probabilities {@code w[query][key]} in [0, 1], shown to 3 decimals. Layers are known by
 * a number: the index for arrays, the key for a map with Integer keys, the position for other keys (whose text,
 * e.g. a hook name, labels the layer). The notebook output is plain HTML and one small inline script (no network,
 * no RequireJS); it holds a static image of the selected head's pattern that the script replaces, and the same
 * image travels as {@code image/svg+xml}, so a view that runs no scripts still shows a picture.
 */
public final class AttentionViewer implements Displayable {

    /** What hovering a token shows. */
    public enum Hover {
        /** The hovered token as query: where it attends (its row of the pattern). */
        QUERY,
        /** The hovered token as key: which tokens attend to it (its column of the pattern). */
        KEY
    }

    /** CSS class of every viewer's div; tools/check_viewer.py looks for it. */
    public static final String CSS_CLASS = "attnlab-viewer";
    /** The page embeds every weight; above this many (layers x heads x L x L) it would make notebooks heavy. */
    public static final int MAX_WEIGHTS = 1_000_000;
    /** Weights travel as integers in [0, SCALE] (3 decimals): a third the size of decimal text. */
    static final int SCALE = 1000;

    private record Layer(int number, String label, float[][][] heads) {
    }

    private final List<String> tokens;
    private final List<Layer> layers;
    private int layerIndex;
    private int head;
    private Hover hover = Hover.QUERY;
    private int pinned = -1;
    private String title = "attention";

    private AttentionViewer(List<String> tokens, List<Layer> layers) {
        this.tokens = tokens;
        this.layers = layers;
    }

    // ---- making one ----

    /** A viewer of {@code patterns[layer][head][query][key]}, one entry per token on each of the last two axes. */
    public static AttentionViewer of(List<String> tokens, float[][][][] patterns) {
        List<String> toks = checkTokens(tokens);
        if (patterns == null || patterns.length == 0) {
            throw new IllegalArgumentException("no layers: patterns must be [layer][head][query][key] with at least one layer");
        }
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < patterns.length; l++) {
            layers.add(layer(l, "layer " + l, patterns[l], toks.size()));
        }
        return checked(toks, layers);
    }

    /** A viewer of one layer's heads, {@code heads[head][query][key]} (shown as layer 0). */
    public static AttentionViewer of(List<String> tokens, float[][][] heads) {
        return of(tokens, new float[][][][] {heads});
    }

    /**
     * A viewer of patterns by layer, each an array {@code [H, L, L]} or {@code [1, H, L, L]} (what
     * {@code model.patterns(...)} returns for one sequence). Integer keys are layer numbers (shown in order);
     * other keys (e.g. hook names) label the layers, numbered by their position in the map's order.
     */
    public static AttentionViewer of(List<String> tokens, Map<?, NDArray> patternsByLayer) {
        return of(tokens, patternsByLayer, -1);
    }

    /** As {@link #of(List, Map)} for arrays {@code [B, H, L, L]}: shows batch row {@code sequence}. */
    public static AttentionViewer of(List<String> tokens, Map<?, NDArray> patternsByLayer, int sequence) {
        List<String> toks = checkTokens(tokens);
        if (patternsByLayer == null || patternsByLayer.isEmpty()) {
            throw new IllegalArgumentException("no layers: the map of patterns by layer is empty");
        }
        boolean integerKeys = patternsByLayer.keySet().stream().allMatch(k -> k instanceof Integer);
        List<Map.Entry<?, NDArray>> entries = new ArrayList<>(patternsByLayer.entrySet());
        if (integerKeys) {
            entries.sort((a, b) -> Integer.compare((Integer) a.getKey(), (Integer) b.getKey()));
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Object key = entries.get(i).getKey();
            int number = integerKeys ? (Integer) key : i;
            String label = integerKeys ? "layer " + key : String.valueOf(key);
            layers.add(layer(number, label, heads(label, entries.get(i).getValue(), sequence), toks.size()));
        }
        return checked(toks, layers);
    }

    private static List<String> checkTokens(List<String> tokens) {
        if (tokens == null || tokens.isEmpty()) {
            throw new IllegalArgumentException("tokens must not be empty: the viewer needs one token per position");
        }
        List<String> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            out.add(tokens.get(i) == null ? "" : tokens.get(i));
        }
        return List.copyOf(out);
    }

    /** One layer's NDArray as {@code [head][query][key]}, picking batch row {@code sequence} (-1: batch must be 1). */
    private static float[][][] heads(String label, NDArray a, int sequence) {
        if (a == null) {
            throw new IllegalArgumentException(label + ": the pattern array is null");
        }
        long[] s = a.getShape().getShape();
        int batch;
        if (s.length == 3) {
            batch = 1;
            if (sequence > 0) {
                throw new IllegalArgumentException("sequence " + sequence + " is out of range: " + label
                        + " has shape " + a.getShape() + ", one sequence [H, L, L] (sequence 0)");
            }
        } else if (s.length == 4) {
            batch = (int) s[0];
            if (sequence < 0 && batch != 1) {
                throw new IllegalArgumentException(label + " has shape " + a.getShape() + ": a batch of " + batch
                        + " sequences; pick one with AttentionViewer.of(tokens, patterns, sequence), sequence in 0.."
                        + (batch - 1));
            }
            if (sequence >= batch) {
                throw new IllegalArgumentException("sequence " + sequence + " is out of range: " + label + " has shape "
                        + a.getShape() + ", sequences 0.." + (batch - 1));
            }
        } else {
            throw new IllegalArgumentException(label + " has shape " + a.getShape()
                    + "; expected [H, L, L] or [B, H, L, L] (heads, query, key)");
        }
        int h = (int) s[s.length - 3], q = (int) s[s.length - 2], k = (int) s[s.length - 1];
        float[] flat = a.toType(DataType.FLOAT32, false).toFloatArray();
        int base = Math.max(0, sequence) * h * q * k;
        float[][][] out = new float[h][q][k];
        for (int hh = 0; hh < h; hh++) {
            for (int i = 0; i < q; i++) {
                System.arraycopy(flat, base + (hh * q + i) * k, out[hh][i], 0, k);
            }
        }
        return out;
    }

    /** Validates one layer's heads against the token count and the [0, 1] range; copies them. */
    private static Layer layer(int number, String label, float[][][] heads, int n) {
        if (heads == null || heads.length == 0) {
            throw new IllegalArgumentException(label + " has no heads: expected [head][query][key] with at least one head");
        }
        float[][][] copy = new float[heads.length][][];
        for (int h = 0; h < heads.length; h++) {
            float[][] m = heads[h];
            String where = label + " head " + h;
            if (m == null || m.length != n) {
                throw new IllegalArgumentException(where + " has " + (m == null ? 0 : m.length) + " query rows but there are "
                        + n + " tokens; each head's weights must be [L, L] with L = the number of tokens (" + n + ")");
            }
            copy[h] = new float[n][];
            for (int q = 0; q < n; q++) {
                if (m[q] == null || m[q].length != n) {
                    throw new IllegalArgumentException(where + " row " + q + " has " + (m[q] == null ? 0 : m[q].length)
                            + " key columns but there are " + n + " tokens; each head's weights must be [L, L] with L = "
                            + n);
                }
                for (int k = 0; k < n; k++) {
                    float v = m[q][k];
                    if (!(v >= -1e-4f && v <= 1 + 1e-4f)) {
                        throw new IllegalArgumentException(where + " weight [" + q + "][" + k + "] is " + v
                                + "; attention weights must be finite and in [0, 1]");
                    }
                }
                copy[h][q] = m[q].clone();
            }
        }
        return new Layer(number, label, copy);
    }

    private static AttentionViewer checked(List<String> tokens, List<Layer> layers) {
        long weights = 0;
        for (Layer l : layers) {
            weights += (long) l.heads().length * tokens.size() * tokens.size();
        }
        if (weights > MAX_WEIGHTS) {
            throw new IllegalArgumentException("the viewer would embed " + weights + " weights (layers x heads x L x L = "
                    + layers.size() + " layers, " + tokens.size() + " tokens); at most " + MAX_WEIGHTS
                    + ": pass fewer layers (a map of the layers you want) or a shorter sequence");
        }
        for (int i = 0; i < layers.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (layers.get(i).number() == layers.get(j).number()) {
                    throw new IllegalArgumentException("layer " + layers.get(i).number() + " appears twice");
                }
            }
        }
        return new AttentionViewer(tokens, layers);
    }

    // ---- choosing what it shows first ----

    /** Shows layer {@code number} first (a layer number: see the class notes). */
    public AttentionViewer layer(int number) {
        int idx = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).number() == number) {
                idx = i;
            }
        }
        if (idx < 0) {
            throw new IllegalArgumentException("layer " + number + " is not in this viewer; layers: " + layerRange());
        }
        int heads = layers.get(idx).heads().length;
        if (head >= heads) {
            throw new IllegalArgumentException("head " + head + " (chosen before) is out of range for layer " + number
                    + ": heads 0.." + (heads - 1) + "; choose the layer first, then the head");
        }
        layerIndex = idx;
        return this;
    }

    /** Shows head {@code h} of the chosen layer first. */
    public AttentionViewer head(int h) {
        int heads = layers.get(layerIndex).heads().length;
        if (h < 0 || h >= heads) {
            throw new IllegalArgumentException("head " + h + " is out of range for layer " + layers.get(layerIndex).number()
                    + ": heads 0.." + (heads - 1));
        }
        head = h;
        return this;
    }

    /** What hovering a token shows first (the toggle in the viewer switches it). */
    public AttentionViewer hover(Hover what) {
        if (what == null) {
            throw new IllegalArgumentException("hover must be QUERY or KEY, got null");
        }
        hover = what;
        return this;
    }

    /** Pins token {@code index} (as if clicked): the viewer opens showing its attention. */
    public AttentionViewer focus(int index) {
        if (index < 0 || index >= tokens.size()) {
            throw new IllegalArgumentException("token " + index + " is out of range: tokens 0.." + (tokens.size() - 1));
        }
        pinned = index;
        return this;
    }

    /** The heading shown above the viewer. */
    public AttentionViewer title(String text) {
        title = text == null ? "" : text;
        return this;
    }

    private String layerRange() {
        if (layers.stream().anyMatch(l -> !l.label().equals("layer " + l.number()))) {
            // named layers are numbered by position: say which number is which name
            return layers.stream().map(l -> l.number() + " = " + l.label()).toList().toString();
        }
        List<Integer> numbers = layerNumbers();
        boolean contiguous = true;
        for (int i = 1; i < numbers.size(); i++) {
            contiguous &= numbers.get(i) == numbers.get(i - 1) + 1;
        }
        return contiguous && numbers.size() > 1 ? numbers.get(0) + ".." + numbers.get(numbers.size() - 1) : numbers.toString();
    }

    // ---- reading it back ----

    public List<String> tokens() {
        return tokens;
    }

    /** The layer numbers, in the order the selector lists them. */
    public List<Integer> layerNumbers() {
        return layers.stream().map(Layer::number).toList();
    }

    /** How many heads layer {@code number} has. */
    public int heads(int number) {
        return layers.get(indexOf(number)).heads().length;
    }

    public int selectedLayer() {
        return layers.get(layerIndex).number();
    }

    public int selectedHead() {
        return head;
    }

    public Hover hover() {
        return hover;
    }

    /** A copy of the weights {@code [query][key]} of one head. */
    public float[][] weights(int layerNumber, int h) {
        float[][][] heads = layers.get(indexOf(layerNumber)).heads();
        if (h < 0 || h >= heads.length) {
            throw new IllegalArgumentException("head " + h + " is out of range for layer " + layerNumber + ": heads 0.."
                    + (heads.length - 1));
        }
        float[][] out = new float[heads[h].length][];
        for (int q = 0; q < out.length; q++) {
            out[q] = heads[h][q].clone();
        }
        return out;
    }

    private int indexOf(int number) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).number() == number) {
                return i;
            }
        }
        throw new IllegalArgumentException("layer " + number + " is not in this viewer; layers: " + layerRange());
    }

    // ---- drawing ----

    /** The static picture: the selected head's pattern as a heatmap, token labels on both axes, colors 0 to 1. */
    public HeatmapFigure staticFigure() {
        float[][] w = layers.get(layerIndex).heads()[head];
        double[][] z = new double[w.length][w.length];
        for (int q = 0; q < w.length; q++) {
            for (int k = 0; k < w.length; k++) {
                z[q][k] = w[q][k];
            }
        }
        String name = layers.get(layerIndex).label() + ", head " + head;
        return Plots.heatmap(z, tokens, tokens).range(0, 1).title(title.isEmpty() ? name : title + ": " + name);
    }

    /** The static picture as a standalone SVG document. */
    public String svg() {
        return staticFigure().svg();
    }

    /**
     * The viewer's data as JSON (what its script reads): tokens, layers (label, number, heads as flat row-major
     * L x L integer arrays of weight x {@value #SCALE}), and the initial layer index, head, hover and pinned token.
     */
    public String json() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"title\":").append(Json.string(title));
        sb.append(",\"tokens\":").append(Json.write(tokens));
        sb.append(",\"scale\":").append(SCALE);
        sb.append(",\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"label\":").append(Json.string(l.label())).append(",\"number\":")
                    .append(l.number()).append(",\"heads\":[");
            for (int h = 0; h < l.heads().length; h++) {
                sb.append(h == 0 ? "[" : ",[");
                boolean first = true;
                for (float[] row : l.heads()[h]) {
                    for (float v : row) {
                        sb.append(first ? "" : ",").append(Math.round(Math.max(0f, Math.min(1f, v)) * SCALE));
                        first = false;
                    }
                }
                sb.append(']');
            }
            sb.append("]}");
        }
        sb.append("],\"layer\":").append(layerIndex).append(",\"head\":").append(head);
        sb.append(",\"hover\":").append(Json.string(hover.name().toLowerCase(Locale.ROOT)));
        sb.append(",\"focus\":").append(pinned < 0 ? "null" : String.valueOf(pinned)).append('}');
        return sb.toString();
    }

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /**
     * The notebook HTML: the viewer's div (holding the static image until the script builds the viewer), its data
     * as a JSON script element, and the script. Every id is unique on the page (a hash of the data plus this
     * session's viewer count), and the script finds its own div from its position first, so two viewers on a page,
     * even stale outputs of an earlier session, never share elements.
     */
    public String html() {
        String data = json();
        CRC32 crc = new CRC32();
        crc.update(data.getBytes(StandardCharsets.UTF_8));
        String id = "attnlab_viewer_" + Long.toHexString(crc.getValue()) + "_" + SEQUENCE.incrementAndGet();
        StringBuilder sb = new StringBuilder();
        sb.append("<div class=\"").append(CSS_CLASS).append("\" id=\"").append(id).append("\" data-tokens=\"")
                .append(tokens.size()).append("\" data-layers=\"").append(layers.size()).append("\">")
                .append(staticFigure().staticImage()).append("</div>\n");
        sb.append("<script type=\"application/json\" id=\"").append(id).append("-data\">").append(data).append("</script>\n");
        sb.append("<script type=\"text/javascript\">(function(){\nvar ID=").append(Json.string(id)).append(";\n")
                .append(VIEWER_JS).append("})();</script>\n");
        return sb.toString();
    }

    /** A standalone HTML page holding this viewer (works opened from disk, no network). */
    public String page() {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Svg.esc(title)
                + "</title></head>\n<body style=\"font-family:'Open Sans',verdana,arial,sans-serif;margin:16px\">\n"
                + html() + "</body></html>\n";
    }

    /** Writes {@link #page()} to {@code file} (folders created); returns it. */
    public Path write(Path file) {
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, page(), StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the viewer to " + file, e);
        }
    }

    /**
     * {@code text/html} (the viewer, static image inside), {@code image/svg+xml} (the selected head's pattern) and
     * {@code text/plain}; in {@link FigureMode#STATIC} only the last two.
     */
    @Override
    public Map<String, String> mimeBundle() {
        Map<String, String> bundle = new LinkedHashMap<>();
        if (FigureMode.current() != FigureMode.STATIC) {
            bundle.put("text/html", html());
        }
        bundle.put("image/svg+xml", svg());
        bundle.put("text/plain", toString());
        return bundle;
    }

    @Override
    public String toString() {
        int[] heads = layers.stream().mapToInt(l -> l.heads().length).distinct().toArray();
        String h = heads.length == 1 ? heads[0] + " heads" : Arrays.toString(heads) + " heads";
        return "AttentionViewer[" + tokens.size() + " tokens, " + layers.size() + " layer" + (layers.size() == 1 ? "" : "s")
                + " x " + h + ", showing " + layers.get(layerIndex).label() + " head " + head + "]";
    }

    // The viewer's script: builds the UI from the JSON beside it; every element is found from its own root.
    private static final String VIEWER_JS = """
            var me=document.currentScript,tries=0;
            function locate(){var d=me&&me.previousElementSibling,r=d&&d.previousElementSibling;
            if(!(r&&r.id===ID&&d.id===ID+'-data')){r=document.getElementById(ID);d=document.getElementById(ID+'-data');}
            return r&&d?[r,d]:null;}
            function mk(tag,cls,text){var e=document.createElement(tag);if(cls){e.className=cls;}if(text!=null){e.textContent=text;}return e;}
            function disp(t){return t===''?'\\u2205':t.replace(/\\n/g,'\\u21b5').replace(/\\t/g,'\\u21e5');}
            var LO=[255,255,255],HI=[8,69,148];
            function rgb(v){v=Math.max(0,Math.min(1,v));var c=[0,1,2].map(function(i){return Math.round(LO[i]+(HI[i]-LO[i])*v);});return c;}
            function build(root,D){
            if(root.getAttribute('data-ready')){return;}
            var L=D.tokens.length,S=D.scale;
            var st={layer:D.layer,head:D.head,hover:D.hover,focus:null,pinned:D.focus};
            function w(li,h,q,k){return D.layers[li].heads[h][q*L+k]/S;}
            function nheads(){return D.layers[st.layer].heads.length;}
            root.innerHTML='';
            root.style.cssText='background:#fff;color:#222;font-family:"Open Sans",verdana,arial,sans-serif;font-size:13px;padding:8px 10px;border:1px solid #ddd;border-radius:4px;max-width:1100px;box-sizing:border-box';
            var css=mk('style');var P='#'+ID+' ';
            css.textContent=P+'.av-title{font-size:15px;font-weight:600;margin:0 0 6px}'
            +P+'.av-bar{display:flex;flex-wrap:wrap;align-items:center;gap:6px 16px;margin:4px 0}'
            +P+'.av-bar select{font-size:13px;padding:1px 2px}'
            +P+'.av-which{font-size:16px;font-weight:700;color:#08306b}'
            +P+'.av-legend{display:flex;align-items:center;gap:6px;margin:6px 0 2px;color:#444}'
            +P+'.av-grad{width:160px;height:12px;border:1px solid #999;background:linear-gradient(to right,rgb(255,255,255),rgb(8,69,148))}'
            +P+'.av-status{min-height:18px;margin:4px 0 6px;color:#333}'
            +P+'.av-toks{display:flex;flex-wrap:wrap;gap:3px;padding:6px 0;line-height:1.2}'
            +P+'.av-tok{font-family:Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:14px;white-space:pre;padding:2px 4px;border:1px solid #ccc;border-radius:3px;cursor:pointer;outline:none}'
            +P+'.av-tok.av-focus{box-shadow:0 0 0 2px #d62728;border-color:#d62728}'
            +P+'.av-tok.av-pinned{box-shadow:0 0 0 3px #d62728}'
            +P+'.av-heads-title{margin:8px 0 4px;color:#444}'
            +P+'.av-heads{display:flex;flex-wrap:wrap;gap:8px}'
            +P+'.av-thumb{display:flex;flex-direction:column;align-items:center;cursor:pointer;padding:2px;border:2px solid transparent;border-radius:3px}'
            +P+'.av-box{position:relative;border:1px solid #bbb}'
            +P+'.av-box canvas{display:block;width:100%;height:100%;image-rendering:pixelated}'
            +P+'.av-mark{position:absolute;display:none;box-shadow:0 0 0 2px #d62728;pointer-events:none}'
            +P+'.av-thumb.av-selected{border-color:#08306b;background:#eef3fa}'
            +P+'.av-thumb.av-selected span{font-weight:700;color:#08306b}';
            root.appendChild(css);
            if(D.title){root.appendChild(mk('div','av-title',D.title));}
            var bar=mk('div','av-bar');root.appendChild(bar);
            var which=mk('span','av-which');bar.appendChild(which);
            var ll=mk('label',null,'Layer ');var layerSel=mk('select','av-layer');ll.appendChild(layerSel);bar.appendChild(ll);
            D.layers.forEach(function(l,i){var o=mk('option',null,l.label);o.value=String(i);layerSel.appendChild(o);});
            var hl=mk('label',null,'Head ');var headSel=mk('select','av-head');hl.appendChild(headSel);bar.appendChild(hl);
            var modes=mk('span','av-modes');bar.appendChild(modes);
            var radios={};
            [['query','where the hovered token attends'],['key','what attends to the hovered token']].forEach(function(m){
            var lab=mk('label');var r=mk('input');r.type='radio';r.name=ID+'-hover';r.value=m[0];r.className='av-mode-'+m[0];
            radios[m[0]]=r;lab.appendChild(r);lab.appendChild(document.createTextNode(' '+m[1]+' '));modes.appendChild(lab);
            r.addEventListener('change',function(){if(r.checked){st.hover=m[0];render();}});});
            var legend=mk('div','av-legend');root.appendChild(legend);
            legend.appendChild(mk('span',null,'0'));legend.appendChild(mk('span','av-grad'));legend.appendChild(mk('span',null,'1'));
            var legendText=mk('span','av-legend-text');legend.appendChild(legendText);
            var status=mk('div','av-status');root.appendChild(status);
            var toks=mk('div','av-toks');root.appendChild(toks);
            var tokEls=D.tokens.map(function(t,i){var e=mk('span','av-tok',disp(t));e.setAttribute('data-i',String(i));e.tabIndex=0;toks.appendChild(e);return e;});
            var headsTitle=mk('div','av-heads-title');root.appendChild(headsTitle);
            var grid=mk('div','av-heads');root.appendChild(grid);
            var thumbs=[];
            function tokIndex(e){var t=e.target;while(t&&t!==toks){if(t.getAttribute&&t.getAttribute('data-i')!=null){return +t.getAttribute('data-i');}t=t.parentNode;}return null;}
            toks.addEventListener('mouseover',function(e){var i=tokIndex(e);if(i!=null&&i!==st.focus){st.focus=i;render();}});
            toks.addEventListener('focusin',function(e){var i=tokIndex(e);if(i!=null){st.focus=i;render();}});
            toks.addEventListener('mouseleave',function(){if(st.focus!=null){st.focus=null;render();}});
            toks.addEventListener('click',function(e){var i=tokIndex(e);if(i!=null){st.pinned=st.pinned===i?null:i;render();}});
            layerSel.addEventListener('change',function(){st.layer=+layerSel.value;st.head=Math.min(st.head,nheads()-1);buildHeads();render();});
            headSel.addEventListener('change',function(){st.head=+headSel.value;render();});
            function buildHeads(){
            headSel.innerHTML='';grid.innerHTML='';thumbs=[];
            var n=nheads(),size=n<=4?150:n<=8?108:n<=16?90:72;
            for(var h=0;h<n;h++){var o=mk('option',null,String(h));o.value=String(h);headSel.appendChild(o);
            var t=mk('div','av-thumb');t.setAttribute('data-head',String(h));var box=mk('div','av-box');
            box.style.width=size+'px';box.style.height=size+'px';var c=mk('canvas');c.width=L;c.height=L;box.appendChild(c);
            var mark=mk('div','av-mark');box.appendChild(mark);t.appendChild(box);t.appendChild(mk('span',null,'head '+h));
            (function(hh){t.addEventListener('click',function(){st.head=hh;render();});})(h);
            grid.appendChild(t);thumbs.push({el:t,mark:mark});drawThumb(h,c);}
            headsTitle.textContent='All heads of '+D.layers[st.layer].label+' (rows: query, columns: key, same colours; the red box: the hovered token; click a head to select it)';}
            function drawThumb(h,c){var ctx=c.getContext&&c.getContext('2d');if(!ctx){return;}var img=ctx.createImageData(L,L);
            for(var q=0;q<L;q++){for(var k=0;k<L;k++){var col=rgb(w(st.layer,h,q,k)),o=(q*L+k)*4;
            img.data[o]=col[0];img.data[o+1]=col[1];img.data[o+2]=col[2];img.data[o+3]=255;}}
            ctx.putImageData(img,0,0);}
            function render(){
            var f=st.pinned!=null?st.pinned:st.focus,lab=D.layers[st.layer].label;
            layerSel.value=String(st.layer);headSel.value=String(st.head);radios[st.hover].checked=true;
            which.textContent=lab+' \\u00b7 head '+st.head;
            legendText.textContent=st.hover==='query'?'shading: attention weight from the hovered token (query) to each token (key)'
            :'shading: attention weight from each token (query) to the hovered token (key)';
            var vals=[];
            tokEls.forEach(function(e,i){var v=f==null?0:(st.hover==='query'?w(st.layer,st.head,f,i):w(st.layer,st.head,i,f));vals.push(v);
            var c=rgb(v);e.style.background='rgb('+c.join(',')+')';e.style.color=v>0.55?'#fff':'#111';
            e.classList.toggle('av-focus',i===f);e.classList.toggle('av-pinned',i===st.pinned);
            e.title=f==null?'token '+i:(st.hover==='query'?disp(D.tokens[f])+' \\u2192 '+disp(D.tokens[i]):disp(D.tokens[i])+' \\u2192 '+disp(D.tokens[f]))+': '+v.toFixed(3);});
            if(f==null){status.textContent='Hover a token to see its attention; click a token to pin it.';}
            else{var idx=vals.map(function(v,i){return i;}).filter(function(i){return vals[i]>=0.005;}).sort(function(a,b){return vals[b]-vals[a];}).slice(0,3);
            status.textContent=(st.hover==='query'?'\\u201c'+disp(D.tokens[f])+'\\u201d (token '+f+') attends most to: ':'most attention to \\u201c'+disp(D.tokens[f])+'\\u201d (token '+f+') comes from: ')
            +(idx.length?idx.map(function(i){return '\\u201c'+disp(D.tokens[i])+'\\u201d '+vals[i].toFixed(2);}).join(', '):'no token (all weights 0)')+(st.pinned!=null?'  (pinned: click it to unpin)':'');}
            thumbs.forEach(function(t,h){t.el.classList.toggle('av-selected',h===st.head);var m=t.mark.style,p=100/L;
            if(f==null){m.display='none';return;}m.display='block';
            if(st.hover==='query'){m.left='0';m.width='100%';m.top=(f*p)+'%';m.height=p+'%';}else{m.top='0';m.height='100%';m.left=(f*p)+'%';m.width=p+'%';}});
            }
            buildHeads();render();root.setAttribute('data-ready','1');}
            (function start(){var f=locate();if(f){build(f[0],JSON.parse(f[1].textContent));return;}if(++tries<200){setTimeout(start,50);}})();
            """;
}
