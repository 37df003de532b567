package org.attnlab.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The viewer in a real browser: tools/check_viewer.py opens a page with two viewers in headless Chromium (no
 * network), hovers tokens, flips the toggle, clicks a head, changes the layer, and compares the shading with the
 * weights. The page stays in target/viewer-browser-check/ for ./lab test's viewer check. The same check must fail
 * on pages whose hover code is broken. Skipped where Chromium is missing (apt-get install chromium).
 */
@Tag("browser")
class AttentionViewerBrowserTest {

    static final Path DIR = Path.of("target", "viewer-browser-check");

    @Test
    void hoverShadesWhatTheTokenAttendsToAndTheCheckCatchesBrokenHoverCode() throws Exception {
        BrowserTool.assumeChromium();
        List<String> tokens = AttentionViewerTest.TOKENS;
        float[][][][] w = AttentionViewerTest.patterns(2, 4, tokens.size());
        String first = AttentionViewer.of(tokens, w).layer(1).head(2).title("two layers: <s> & <eoi> as tokens").html();
        String second = AttentionViewer.of(tokens, w).hover(AttentionViewer.Hover.KEY).focus(5).html();
        Path good = page(DIR, first + "<hr>" + second);
        BrowserTool.Result ok = check(DIR);
        assertEquals(0, ok.exit(), ok.output());
        assertTrue(ok.output().contains("check_viewer: 2 viewers passed, 0 failed"), ok.output());

        // hover events ignored: the check must say nothing was shaded
        BrowserTool.Result deaf = check(page(Path.of("target", "viewer-broken-hover"),
                first.replace("toks.addEventListener('mouseover'", "toks.addEventListener('mouseoverX'")));
        assertEquals(1, deaf.exit(), deaf.output());
        assertTrue(deaf.output().contains("hovering a token shaded nothing"), deaf.output());

        // shading from head 0 whatever head is selected: the check must see the wrong weights
        BrowserTool.Result wrongHead = check(page(Path.of("target", "viewer-broken-head"),
                first.replace("w(st.layer,st.head,f,i)", "w(st.layer,0,f,i)")));
        assertEquals(1, wrongHead.exit(), wrongHead.output());
        assertTrue(wrongHead.output().contains("is shaded (darkness") || wrongHead.output().contains("is not shaded but"),
                wrongHead.output());
        assertTrue(Files.exists(good));
    }

    private static Path page(Path dir, String body) throws Exception {
        Files.createDirectories(dir);
        Path p = dir.resolve("index.html");
        Files.writeString(p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>viewer check</title></head>"
                + "<body>\n" + body + "</body></html>\n", StandardCharsets.UTF_8);
        return p;
    }

    private static BrowserTool.Result check(Path dir) throws Exception {
        return BrowserTool.run("check_viewer.py", dir.toString());
    }
}
