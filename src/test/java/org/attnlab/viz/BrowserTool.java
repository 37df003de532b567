package org.attnlab.viz;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one of the project's headless-Chromium checks (a Python script under tools/) from a test. */
final class BrowserTool {

    /** What the check printed and its exit code. */
    record Result(int exit, String output) {
    }

    private BrowserTool() {
    }

    /** Skips the test (an assumption) when Chromium is not installed. */
    static void assumeChromium() {
        assumeTrue(onPath("chromium"), "chromium not installed");
    }

    /** Runs {@code python3 tools/<script> args...} from the repository root found above the working directory. */
    static Result run(String script, String... args) throws Exception {
        Path path = findUp(Path.of("").toAbsolutePath(), "tools/" + script);
        List<String> command = new ArrayList<>(List.of("python3", path.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(done, "chromium did not finish in time");
        return new Result(p.exitValue(), out);
    }

    /** The first {@code relative} path that exists in {@code dir} or a folder above it. */
    static Path findUp(Path dir, String relative) {
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(relative))) {
                return d.resolve(relative);
            }
        }
        throw new IllegalStateException(relative + " not found above " + dir);
    }

    private static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }
}
