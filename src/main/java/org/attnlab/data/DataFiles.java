package org.attnlab.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the prepared data lives: {@code <repo>/datasets/text/NAME.txt}, written by {@code ./lab setup}.
 *
 * <p>The repository root is, in order: the system property {@code attnlab.home}, the environment variable
 * {@code ATTNLAB_HOME}, else the nearest folder at or above the working directory that holds
 * {@code datasets/manifest.json} (so notebooks in {@code notebooks/} and tests in the repo both find it).
 *
 * <p>A corpus the manifest lists is checked against its {@code sha256} when it is first read in a JVM, so an
 * edited or damaged file fails with what to run instead of giving other numbers.
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
        verify(name, file, root);
        return file;
    }

    /** Files whose checksum matched, with the size and modification time they had then. */
    private static final Map<Path, String> VERIFIED = new ConcurrentHashMap<>();

    /**
     * Checks {@code file} against the {@code sha256} that {@code datasets/manifest.json} gives for
     * {@code text/<name>.txt} (a corpus the manifest does not list is not checked). The hash is computed once per
     * JVM per file (again only if its size or modification time changes).
     */
    static void verify(String name, Path file, Path root) {
        String expected = manifestSha256(root, "text/" + name + ".txt");
        if (expected == null) {
            return;
        }
        try {
            String stamp = Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis() + "#" + expected;
            if (stamp.equals(VERIFIED.get(file))) {
                return;
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, n);
                }
            }
            String got = HexFormat.of().formatHex(sha.digest());
            if (!got.equals(expected)) {
                throw new IllegalStateException("Corpus '" + name + "' at " + file + " is not the text "
                        + MANIFEST + " names (sha256 " + got + ", expected " + expected + "): it was edited or "
                        + "damaged, and would give other numbers. Run ./lab setup in " + root
                        + " to restore it (setup rebuilds any corpus that does not match).");
            }
            VERIFIED.put(file, stamp);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read corpus '" + name + "' at " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no SHA-256", e);
        }
    }

    /** The manifest's sha256 for the corpus whose output is {@code output}, or null if it lists none. */
    private static String manifestSha256(Path root, String output) {
        Path manifest = root.resolve(MANIFEST);
        try {
            JsonElement json = JsonParser.parseString(Files.readString(manifest, StandardCharsets.UTF_8));
            JsonElement corpora = json.isJsonObject() ? json.getAsJsonObject().get("corpora") : null;
            if (corpora == null || !corpora.isJsonArray()) {
                return null;
            }
            for (JsonElement c : corpora.getAsJsonArray()) {
                JsonObject o = c.getAsJsonObject();
                if (o.has("output") && output.equals(o.get("output").getAsString()) && o.has("sha256")) {
                    return o.get("sha256").getAsString();
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(manifest + " cannot be read (" + e.getMessage() + "); restore it with "
                    + "git checkout -- " + MANIFEST + " and run ./lab setup in " + root);
        }
    }

    private static Path checkRoot(Path root, String source) {
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException(source + " points to " + root + ", which is not a folder");
        }
        return root.toAbsolutePath();
    }
}
