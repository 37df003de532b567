package org.attnlab.viz;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;

/** Shared test helpers: a stand-in plotly.min.js, and an XML parse that fails on malformed SVG. */
final class VizTestSupport {

    static final String FAKE_PLOTLY = "window.Plotly={newPlot:function(){return Promise.resolve();}};/*fake*/";

    private VizTestSupport() {
    }

    /** Points the lookup at a small stand-in file so tests do not depend on npm install. */
    static Path useFakePlotly(Path dir) throws Exception {
        Path js = dir.resolve("plotly.min.js");
        Files.writeString(js, FAKE_PLOTLY);
        System.setProperty(PlotlyJs.PROPERTY, js.toString());
        PlotlyJs.clearCache();
        PlotlyJs.resetSession();
        return js;
    }

    static void restorePlotly() {
        System.clearProperty(PlotlyJs.PROPERTY);
        PlotlyJs.clearCache();
        PlotlyJs.resetSession();
    }

    static Document parseXml(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static int countElements(Document d, String tag, String cssClass) {
        var nodes = d.getElementsByTagNameNS("*", tag);
        int n = 0;
        for (int i = 0; i < nodes.getLength(); i++) {
            var cls = nodes.item(i).getAttributes().getNamedItem("class");
            if (cssClass == null || (cls != null && cls.getNodeValue().equals(cssClass))) {
                n++;
            }
        }
        return n;
    }
}
