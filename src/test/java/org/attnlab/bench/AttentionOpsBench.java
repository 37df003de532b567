package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.attnlab.Settings;
import org.attnlab.attention.AttentionOps;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times {@link AttentionOps#softmax}, {@link AttentionOps#path} (dense UT form) and
 * {@link AttentionOps#pathChunked} (blockwise), forward + backward, for L = 256..2048 at B = 1, D = 64, and
 * reports the median time and the peak memory of each, with ratios against softmax at the same L.
 *
 * <p>Every (op, L) runs in a fresh JVM (this class with {@code --one}), so one measurement cannot reuse memory
 * cached by another. Peak memory = the process's resident-set high-water mark during the first (cold)
 * forward+backward minus the resident set just before it; the high-water mark is reset first by writing 5 to
 * {@code /proc/self/clear_refs} (Linux). That counts everything the op makes resident: tensors kept for the
 * backward pass, temporaries and allocator overhead. On a GPU it measures host memory only. Then
 * {@code reps} warm repetitions are timed and the median reported.
 *
 * <p>Run: {@code mvn -o -q test-compile} then
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) org.attnlab.bench.AttentionOpsBench [options]}
 * (see {@code bench/README.md}). Options: {@code --lengths 256,512,1024,2048 --heads 2 --dim 64 --chunk 64
 * --reps 5 --threads 1 --out build/bench/attention_ops.csv}.
 */
public final class AttentionOpsBench {

    private static final List<String> OPS = List.of("softmax", "path", "pathChunked");

    private AttentionOpsBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        if (opt.containsKey("one")) {
            runOne(opt.get("one"), opt.get("pass"), Integer.parseInt(opt.get("length")),
                    Integer.parseInt(opt.get("heads")), Integer.parseInt(opt.get("dim")),
                    Integer.parseInt(opt.get("chunk")), Integer.parseInt(opt.get("reps")));
            return;
        }
        drive(opt);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opt = new LinkedHashMap<>();
        opt.put("lengths", "256,512,1024,2048");
        opt.put("heads", "2");
        opt.put("dim", "64");
        opt.put("chunk", "64");
        opt.put("reps", "5");
        opt.put("threads", "1");
        opt.put("passes", "train,infer");
        opt.put("out", "build/bench/attention_ops.csv");
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs from " + opt.keySet()
                        + " (or --one OP); got " + Arrays.toString(args));
            }
            String name = args[i].substring(2);
            if (!opt.containsKey(name) && !name.equals("one") && !name.equals("length")
                    && !name.equals("pass")) {
                throw new IllegalArgumentException("unknown option --" + name + "; known: " + opt.keySet());
            }
            opt.put(name, args[++i]);
        }
        return opt;
    }

    /** One measurement per (op, L), each in a fresh JVM; prints the table and writes the CSV. */
    private static void drive(Map<String, String> opt) throws IOException, InterruptedException {
        int[] lengths = Arrays.stream(opt.get("lengths").split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> passes = List.of(opt.get("passes").split(","));
        List<String[]> rows = new ArrayList<>();
        Map<String, double[]> softmaxAt = new LinkedHashMap<>();
        for (String pass : passes) {
            for (int len : lengths) {
                for (String op : OPS) {
                    String[] f = child(opt, op, pass, len).split(" ");  // RESULT op L medianMs peakBytes
                    double ms = Double.parseDouble(f[3]);
                    double mb = Long.parseLong(f[4]) / 1048576.0;
                    if (op.equals("softmax")) {
                        softmaxAt.put(pass + len, new double[] {ms, mb});
                    }
                    double[] ref = softmaxAt.get(pass + len);
                    String[] row = {pass.equals("train") ? "fwd+bwd" : "fwd", op, String.valueOf(len), fmt(ms),
                            fmt(mb), fmt(ms / ref[0]), fmt(mb / ref[1])};
                    rows.add(row);
                    System.out.printf(Locale.ROOT, "%-8s %-12s L=%-5d %10s ms %10s MB%n", row[0], op, len, row[3],
                            row[4]);
                }
            }
        }
        int maxLen = Arrays.stream(lengths).max().orElseThrow();
        String agree = child(opt, "agree", "infer", maxLen);
        String header = String.format(Locale.ROOT, "B=1 H=%s D=%s chunk=%s reps=%s threads=%s",
                opt.get("heads"), opt.get("dim"), opt.get("chunk"), opt.get("reps"), opt.get("threads"));
        StringBuilder table = new StringBuilder("\n" + header + " (ratios against softmax, same pass and L)\n");
        table.append(String.format(Locale.ROOT, "| %-7s | %-11s | %5s | %10s | %9s | %8s | %8s |%n",
                "pass", "op", "L", "median ms", "peak MB", "time/sm", "mem/sm"));
        table.append("|---------|-------------|-------|------------|-----------|----------|----------|\n");
        StringBuilder csv = new StringBuilder(
                "pass,op,length,heads,dim,chunk,median_ms,peak_mb,time_ratio,mem_ratio\n");
        for (String[] r : rows) {
            table.append(String.format(Locale.ROOT, "| %-7s | %-11s | %5s | %10s | %9s | %8s | %8s |%n",
                    r[0], r[1], r[2], r[3], r[4], r[5], r[6]));
            csv.append(String.join(",", r[0], r[1], r[2], opt.get("heads"), opt.get("dim"), opt.get("chunk"),
                    r[3], r[4], r[5], r[6])).append('\n');
        }
        System.out.print(table);
        System.out.println("max |path - pathChunked| over the outputs at L=" + maxLen + ": " + agree.split(" ")[3]);
        Path out = Path.of(opt.get("out"));
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, csv.toString());
        System.out.println("wrote " + out.toAbsolutePath());
    }

    /** Runs one measurement in a fresh JVM and returns its RESULT line. */
    private static String child(Map<String, String> opt, String op, String pass, int len)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.pytorch.num_threads=" + opt.get("threads"), "-Dai.djl.pytorch.num_interop_threads=1",
                AttentionOpsBench.class.getName(), "--one", op, "--pass", pass, "--length", String.valueOf(len),
                "--heads", opt.get("heads"), "--dim", opt.get("dim"), "--chunk", opt.get("chunk"),
                "--reps", opt.get("reps"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", opt.get("threads"));
        pb.environment().put("MKL_NUM_THREADS", opt.get("threads"));
        Process p = pb.start();
        String result = null;
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    result = line;
                } else {
                    log.append(line).append('\n');
                }
            }
        }
        if (p.waitFor() != 0 || result == null) {
            throw new IllegalStateException("benchmark of " + op + " (" + pass + ") at L=" + len + " failed:\n" + log);
        }
        return result;
    }

    private static String fmt(double x) {
        return String.format(Locale.ROOT, "%.2f", x);
    }

    /** Child process: one op at one length; prints {@code RESULT op L medianMs peakBytes}. */
    private static void runOne(String op, String pass, int len, int heads, int dim, int chunk, int reps)
            throws IOException {
        if (!OPS.contains(op) && !op.equals("agree")) {
            throw new IllegalArgumentException("unknown op " + op + "; known: " + OPS);
        }
        Device device = Settings.current().device();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            manager.getEngine().setRandomSeed(7);
            Shape shape = new Shape(1, heads, len, dim);
            NDArray q = manager.randomNormal(shape);
            NDArray k = manager.randomNormal(shape);
            NDArray v = manager.randomNormal(shape);
            NDArray w = manager.randomNormal(shape);
            w = w.div(w.norm(new int[] {3}, true));                              // unit norm per token
            NDArray beta = manager.randomUniform(0.1f, 1.9f, new Shape(1, heads, len));
            float scale = (float) (1 / Math.sqrt(dim));
            if (op.equals("agree")) {
                NDArray diff = AttentionOps.path(q, k, v, w, beta, null, scale)
                        .sub(AttentionOps.pathChunked(q, k, v, w, beta, null, scale, chunk)).abs().max();
                System.out.printf(Locale.ROOT, "RESULT agree %d %.3e 0%n", len, diff.getFloat());
                return;
            }
            boolean train = pass.equals("train");
            // load the engine's kernels on a tiny problem so the cold measurement sees the op, not the library
            step(op, train, manager, q.get(":, :, :8"), k.get(":, :, :8"), v.get(":, :, :8"),
                    w.get(":, :, :8"), beta.get(":, :, :8"), scale, chunk);
            long before = rssBytes("VmRSS");
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");          // reset VmHWM to the current RSS
            step(op, train, manager, q, k, v, w, beta, scale, chunk);                  // cold run: measures memory
            long peak = rssBytes("VmHWM") - before;
            double[] ms = new double[reps];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                step(op, train, manager, q, k, v, w, beta, scale, chunk);
                ms[r] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf(Locale.ROOT, "RESULT %s %d %.3f %d%n", op, len, ms[reps / 2], peak);
        }
    }

    /**
     * One forward + backward ({@code train}) or forward only, in a sub-manager closed afterwards; reads a scalar
     * at the end to wait for the device.
     */
    private static void step(String op, boolean train, NDManager parent, NDArray q0, NDArray k0, NDArray v0, NDArray w0,
                             NDArray beta0, float scale, int chunk) {
        try (NDManager m = parent.newSubManager()) {
            NDArray q = q0.duplicate(), k = k0.duplicate(), v = v0.duplicate(), w = w0.duplicate();
            NDArray beta = beta0.duplicate();
            for (NDArray x : new NDArray[] {q, k, v, w, beta}) {
                x.attach(m);
                x.setRequiresGradient(train);
            }
            if (!train) {
                forward(op, q, k, v, w, beta, scale, chunk).sum().getFloat();
                return;
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray o = forward(op, q, k, v, w, beta, scale, chunk);
                gc.backward(o.mul(o).sum());
            }
            q.getGradient().sum().toType(DataType.FLOAT32, false).getFloat();
        }
    }

    private static NDArray forward(String op, NDArray q, NDArray k, NDArray v, NDArray w, NDArray beta, float scale,
                                   int chunk) {
        return switch (op) {
            case "softmax" -> AttentionOps.softmax(q, k, v, scale);
            case "path" -> AttentionOps.path(q, k, v, w, beta, null, scale);
            default -> AttentionOps.pathChunked(q, k, v, w, beta, null, scale, chunk);
        };
    }

    private static long rssBytes(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status (the memory column needs Linux)");
    }
}
