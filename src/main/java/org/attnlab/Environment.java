package org.attnlab;

import ai.djl.engine.Engine;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/** What this run is made of: Java, DJL and its engine, the device, the preset, the data. */
public final class Environment {

    private Environment() {
    }

    /** The repository root: {@code attnlab.home}, else {@code ATTNLAB_HOME}, else the working directory's nearest
     * ancestor holding {@code datasets/manifest.json}; null when none is found. */
    public static Path home() {
        String h = System.getProperty("attnlab.home", System.getenv("ATTNLAB_HOME"));
        if (h != null && !h.isBlank()) {
            return Paths.get(h).toAbsolutePath();
        }
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("datasets/manifest.json"))) {
                return p;
            }
        }
        return null;
    }

    /** Item/value pairs describing this run, in reading order. */
    public static Map<String, String> facts() {
        Settings s = Settings.current();
        Engine engine = Engine.getInstance();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("Java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        f.put("DJL", Engine.getDjlVersion());
        f.put("Engine", engine.getEngineName() + " " + engine.getVersion());
        f.put("GPUs DJL sees", Integer.toString(engine.getGpuCount()));
        f.put("Device", s.device().toString());
        f.put("Preset", s.preset().label());
        f.put("Seed", Long.toString(s.seed()));
        f.put("DJL_OFFLINE", String.valueOf(System.getenv("DJL_OFFLINE")));
        f.put("Native settings", nativeSettings(System.getenv()));
        Path home = home();
        f.put("ATTNLAB_HOME", home == null ? "(not found)" : home.toString());
        for (String corpus : new String[] {"moby-dick", "sotu"}) {
            Path p = home == null ? null : home.resolve("datasets/text/" + corpus + ".txt");
            f.put("Corpus " + corpus, p != null && Files.isRegularFile(p)
                    ? String.format("%.1f MB", size(p) / 1e6) : "missing: run ./lab setup");
        }
        return f;
    }

    /**
     * The glibc-allocator and ATen variables of {@code env} ({@code MALLOC_*}, {@code ATEN_*}; what
     * {@code environment/native.env} sets for every JVM the lab starts), sorted, as {@code NAME=VALUE, ...}; where
     * there are none, a note saying how to get them.
     */
    static String nativeSettings(Map<String, String> env) {
        String set = env.entrySet().stream()
                .filter(e -> e.getKey().startsWith("MALLOC_") || e.getKey().startsWith("ATEN_"))
                .map(e -> e.getKey() + "=" + e.getValue()).sorted().collect(java.util.stream.Collectors.joining(", "));
        return set.isEmpty() ? "none (./lab and the lab's Java kernel set environment/native.env's)" : set;
    }

    /** {@link #facts()} as a two-column table. */
    public static Table report() {
        Map<String, String> f = facts();
        return Table.create("Environment",
                StringColumn.create("item", f.keySet()),
                StringColumn.create("value", f.values()));
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
