package org.attnlab.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotlyJsTest {

    @TempDir
    Path tmp;

    private Path install(Path root) throws Exception {
        Path js = root.resolve(PlotlyJs.RELATIVE);
        Files.createDirectories(js.getParent());
        Files.writeString(js, "/* plotly */");
        return js;
    }

    @Test
    void propertyThenEnvThenHomeThenParents() throws Exception {
        Path a = Files.writeString(tmp.resolve("a.js"), "a");
        Path b = Files.writeString(tmp.resolve("b.js"), "b");
        Path home = install(tmp.resolve("home"));
        Path repo = install(tmp.resolve("repo"));
        Path notebooks = Files.createDirectories(tmp.resolve("repo/notebooks/sub"));
        Map<String, String> env = Map.of(PlotlyJs.ENV, b.toString(), PlotlyJs.HOME_ENV, tmp.resolve("home").toString());

        assertEquals(a, PlotlyJs.locate(k -> k.equals(PlotlyJs.PROPERTY) ? a.toString() : null, env::get, notebooks));
        assertEquals(b, PlotlyJs.locate(k -> null, env::get, notebooks));
        assertEquals(home, PlotlyJs.locate(k -> null, k -> k.equals(PlotlyJs.HOME_ENV) ? env.get(k) : null, notebooks));
        assertEquals(repo, PlotlyJs.locate(k -> null, k -> null, notebooks));
    }

    @Test
    void missingFileSaysToRunSetupAndWhereItLooked() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PlotlyJs.locate(k -> null, k -> null, tmp));
        assertTrue(e.getMessage().contains("./lab setup"), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.resolve(PlotlyJs.RELATIVE).toString()), e.getMessage());
        e = assertThrows(IllegalStateException.class,
                () -> PlotlyJs.locate(k -> null, k -> k.equals(PlotlyJs.ENV) ? "/no/such/plotly.js" : null, tmp));
        assertTrue(e.getMessage().contains("/no/such/plotly.js") && e.getMessage().contains(PlotlyJs.ENV), e.getMessage());
    }
}
