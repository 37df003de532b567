package org.attnlab.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the prepared data lives: {@code <repo>/datasets/text/NAME.txt}, written by {@code ./lab setup}.
 *
 * <p>The repository root is, in order: the system property {@code attnlab.home}, the environment variable
 * {@code ATTNLAB_HOME}, else the nearest folder at or above the working directory that holds
 * {@code datasets/manifest.json} (so notebooks in {@code notebooks/} and tests in the repo both find it).
 */
public final class DataFiles {

    /** Marks the repository root when walking up from the working directory. */
    public static final String MANIFEST = "datasets/manifest.json";

    private DataFiles() {
    }

    /** The repository root; fails naming what was tried when none is found. */
    public static Path repoRoot() {
        String prop = System.getProperty("attnlab.home");
        if (prop != null && !prop.isBlank()) {
            return checkRoot(Paths.get(prop), "system property attnlab.home");
        }
        String env = System.getenv("ATTNLAB_HOME");
        if (env != null && !env.isBlank()) {
            return checkRoot(Paths.get(env), "environment variable ATTNLAB_HOME");
        }
        Path start = Paths.get(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(MANIFEST))) {
                return p;
            }
        }
        throw new IllegalStateException("Cannot find the Attention Lab folder: no " + MANIFEST + " in " + start
                + " or any folder above it. Run from inside the repository, or set ATTNLAB_HOME "
                + "(or -Dattnlab.home=...) to the folder that holds datasets/.");
    }

    /** {@code <repo>/datasets/text/<name>.txt}; fails telling the user to run {@code ./lab setup} if missing. */
    public static Path textFile(String name) {
        if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("Corpus name '" + name + "' is not a plain file name "
                    + "(letters, digits, '.', '_', '-'); e.g. " + Corpus.MOBY_DICK + " or " + Corpus.SOTU);
        }
        Path root = repoRoot();
        Path file = root.resolve("datasets").resolve("text").resolve(name + ".txt");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("Corpus '" + name + "' not found at " + file
                    + ". Run ./lab setup in " + root + " to download and prepare the datasets.");
        }
        return file;
    }

    private static Path checkRoot(Path root, String source) {
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException(source + " points to " + root + ", which is not a folder");
        }
        return root.toAbsolutePath();
    }
}
