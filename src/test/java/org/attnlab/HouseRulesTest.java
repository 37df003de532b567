package org.attnlab;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape of the house (shared/ARCHITECTURE.md), read from the main sources: imports run downhill, and no model
 * lives under experiments/.
 */
class HouseRulesTest {

    private static final Path MAIN = Paths.get("src", "main", "java", "org", "attnlab");

    /** Package -> the org.attnlab packages it must not use (directly or fully qualified). */
    private static final Map<String, List<String>> NOT_ABOVE = Map.of(
            "attention", List.of("model", "train", "probe", "experiments", "lesson"),
            "model", List.of("train", "probe", "experiments", "lesson"),
            "train", List.of("experiments"),
            "probe", List.of("experiments"));

    /** A class declaration that extends or implements a DJL block (or the hookable-model seam). */
    private static final Pattern BLOCK_CLASS = Pattern.compile(
            "\\b(class|record|enum)\\s+(\\w+)[^{;]*?\\b(extends|implements)\\b[^{;]*?\\b(\\w*Block|HookedModel)\\b");

    @Test
    void importsRunDownhill() {
        List<String> violations = new ArrayList<>();
        int files = 0;
        for (Map.Entry<String, List<String>> rule : NOT_ABOVE.entrySet()) {
            for (Path f : sources(rule.getKey())) {
                files++;
                for (String above : rule.getValue()) {
                    if (uses(code(f), above)) {
                        violations.add(MAIN.relativize(f) + " uses org.attnlab." + above);
                    }
                }
            }
        }
        assertTrue(files >= 30, "read only " + files + " sources under " + MAIN.toAbsolutePath());
        assertEquals(List.of(), violations);
    }

    @Test
    void noModelClassUnderExperiments() {
        List<Path> files = sources("experiments");
        assertTrue(files.size() >= 5, "read only " + files.size() + " sources under experiments/");
        List<String> models = new ArrayList<>();
        for (Path f : files) {
            Matcher m = BLOCK_CLASS.matcher(code(f));
            while (m.find()) {
                models.add(MAIN.relativize(f) + ": " + m.group(2) + " " + m.group(3) + " " + m.group(4));
            }
        }
        assertEquals(List.of(), models, "models live in model/, not experiments/");
    }

    @Test
    void theCheckersSeeWhatTheyLookFor() {
        assertTrue(uses("import org.attnlab.model.SwiGLU;", "model"));
        assertTrue(uses("import static org.attnlab.model.HookName.pattern;", "model"));
        assertTrue(uses("var w = org.attnlab.model.SwiGLU.matchedWidth(p, d);", "model"));
        assertFalse(uses("import org.attnlab.modeling.X;", "model"));
        assertFalse(uses(stripComments("/** see {@link org.attnlab.model.DecoderLM} */ int x; // org.attnlab.model.Y"),
                "model"));
        assertTrue(BLOCK_CLASS.matcher("public final class LearnedPositionsLM extends AbstractBlock implements "
                + "HookedModel {").find());
        assertTrue(BLOCK_CLASS.matcher("final class Tiny implements ai.djl.nn.Block {").find());
        assertTrue(BLOCK_CLASS.matcher("class MyAttention\n        extends AttentionBlock {").find());
        assertFalse(BLOCK_CLASS.matcher("public final class FlipFlopExperiment implements Experiment {").find());
        assertFalse(BLOCK_CLASS.matcher("record RunSpec(AttentionKind variant, String config, LayerPlan plan) {")
                .find());
    }

    private static boolean uses(String code, String pkg) {
        return Pattern.compile("\\borg\\.attnlab\\." + pkg + "\\.").matcher(code).find();
    }

    private static String code(Path f) {
        try {
            return stripComments(Files.readString(f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The source without its comments, so a Javadoc link to a class above is no dependency. */
    private static String stripComments(String s) {
        return s.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
    }

    private static List<Path> sources(String pkg) {
        Path dir = MAIN.resolve(pkg);
        assertTrue(Files.isDirectory(dir), "no directory " + dir.toAbsolutePath());
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
