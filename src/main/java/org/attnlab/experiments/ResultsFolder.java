package org.attnlab.experiments;

import org.attnlab.Settings;
import org.attnlab.viz.Report;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Where one experiment run's results go, checked before the run and written all at once after it.
 *
 * <ul>
 *   <li>{@link #prepare} resolves the folder as a shell user expects (a relative {@code --out} against the
 *   directory the command was typed in, {@code -Dattnlab.cwd} from the {@code lab} script, which itself runs from
 *   the repository root) and refuses, before anything trains, an empty name, a file, a folder that cannot be
 *   written, and a folder holding files that are not a previous run's results.</li>
 *   <li>The run is written into a hidden sibling folder ({@code .NAME.part-XXXX}) and moved into place only when
 *   every file is there, with {@value #MANIFEST} saying what produced it (experiment, preset, seed, device,
 *   commit). A run that fails part-way leaves the previous results untouched and no partial folder.</li>
 *   <li>A folder that holds a previous run ({@value #MANIFEST}, or only the files a run writes: CSVs,
 *   {@code index.html}, {@code plotly.min.js}) is <em>replaced</em> as a whole, not written into: rerunning a
 *   command is the common case, and a replacement can never mix two runs' files. Anything else in the folder
 *   means it is not ours (e.g. {@code --out .} or {@code --out ~}): that is refused, so no user file is ever
 *   deleted.</li>
 * </ul>
 */
final class ResultsFolder {

    /** What produced the folder: one small JSON file. */
    static final String MANIFEST = "run.json";

    private final Path target;
    private final Path staging;

    private ResultsFolder(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
    }

    /** The folder the results will be in (absolute). */
    Path target() {
        return target;
    }

    /** Where the run is written until {@link #commit}. */
    Path staging() {
        return staging;
    }

    /**
     * Checks {@code out} (the {@code --out} value, or null for {@code defaultDir}) and makes the staging folder
     * beside it; fails with a message naming the value and what to do.
     */
    static ResultsFolder prepare(String out, Path cwd, Path defaultDir) {
        Path target;
        if (out == null) {
            target = defaultDir.toAbsolutePath().normalize();
        } else {
            if (out.isBlank()) {
                throw new IllegalArgumentException("--out '" + out + "' is empty; name a folder for the results, "
                        + "e.g. --out results/run1, or leave --out out for " + defaultDir);
            }
            try {
                target = cwd.resolve(out).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("--out '" + out + "' is not a usable path: " + e.getReason());
            }
        }
        String shown = out == null ? target.toString() : "--out " + out + (out.equals(target.toString()) ? ""
                : " (" + target + ")");
        if (target.getParent() == null) {
            throw new IllegalArgumentException(shown + " is the file system root; name a folder for the results");
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new IllegalArgumentException(shown + " is a file, not a folder; name a new folder (the run writes "
                    + "several files into it)");
        }
        if (Files.isDirectory(target)) {
            List<String> foreign = foreignEntries(target);
            if (!foreign.isEmpty()) {
                throw new IllegalArgumentException(shown + " already holds files that are not an experiment's "
                        + "results " + foreign + "; name a new or empty folder (a previous run's results folder "
                        + "would be replaced as a whole)");
            }
            if (!Files.isWritable(target)) {
                throw new IllegalArgumentException(shown + " is read-only; name a folder you can write to");
            }
        }
        Path parent = target.getParent();
        try {
            Files.createDirectories(parent);
            Path staging = sibling(target, "part");
            return new ResultsFolder(target, staging);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(shown + " cannot be written: " + e.getFile()
                    + " is read-only; name a folder you can write to");
        } catch (IOException e) {
            throw new IllegalArgumentException(shown + " cannot be written (" + e + "); name a folder you can "
                    + "write to");
        }
    }

    /**
     * A new hidden folder beside {@code target}; made with mkdir's mode (the umask's), not a temporary folder's
     * rwx------, so the results can be read by whoever could read a folder made there.
     */
    private static Path sibling(Path target, String tag) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String suffix = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 16);
            try {
                return Files.createDirectory(target.resolveSibling("." + target.getFileName() + "." + tag + "-"
                        + suffix));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /** Entries of an existing folder that a run does not write; empty when it is free or a previous run's. */
    static List<String> foreignEntries(Path dir) {
        List<String> foreign = new ArrayList<>();
        boolean hasManifest = Files.isRegularFile(dir.resolve(MANIFEST));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                boolean ours = Files.isRegularFile(p) && (n.equals(MANIFEST) || n.equals(Report.PAGE)
                        || n.equals(Report.PLOTLY_FILE) || n.endsWith(".csv"));
                if (!ours && !hasManifest) {
                    foreign.add(n + (Files.isDirectory(p) ? "/" : ""));
                } else if (!ours && Files.isDirectory(p)) {
                    foreign.add(n + "/"); // a run writes no folders: never delete one
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + " cannot be read (" + e + "); name a folder you can use");
        }
        foreign.sort(Comparator.naturalOrder());
        if (foreign.size() > 5) {
            foreign.subList(5, foreign.size()).clear();
            foreign.add("...");
        }
        return foreign;
    }

    /**
     * Writes {@value #MANIFEST} into the staging folder and moves it into place, replacing a previous run's folder;
     * returns the target.
     */
    Path commit(String experiment, Settings settings) {
        try {
            Files.writeString(staging.resolve(MANIFEST), manifest(experiment, settings), StandardCharsets.UTF_8);
            Path old = null;
            if (Files.exists(target)) {
                List<String> foreign = foreignEntries(target); // checked again: it may have changed during the run
                if (!foreign.isEmpty()) {
                    throw new IllegalStateException(target + " gained files that are not results during the run "
                            + foreign + "; the results are left in " + staging);
                }
                old = sibling(target, "old");
                Files.delete(old);
                move(target, old);
            }
            move(staging, target);
            if (old != null) {
                deleteTree(old);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("could not move the results from " + staging + " to " + target, e);
        }
    }

    /** Removes the staging folder (a failed run). */
    void abandon() {
        try {
            deleteTree(staging);
        } catch (IOException e) {
            System.err.println("could not remove " + staging + ": " + e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The manifest: what produced the folder. No clock time, so one seed gives one folder byte for byte. */
    static String manifest(String experiment, Settings settings) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", experiment);
        m.put("preset", settings.preset().label());
        m.put("seed", settings.seed());
        m.put("device", settings.device().toString());
        m.put("commit", commit());
        m.put("java", System.getProperty("java.version"));
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(m) + "\n";
    }

    /** {@code git rev-parse HEAD} of the working directory's repository, with "+changes" if it has edits. */
    static String commit() {
        String head = git("rev-parse", "HEAD");
        if (head == null) {
            return "unknown (not a git checkout, or git is not installed)";
        }
        String status = git("status", "--porcelain", "--untracked-files=no");
        return status == null || status.isEmpty() ? head : head + "+changes";
    }

    private static String git(String... args) {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return text;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
