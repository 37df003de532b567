package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.cuda.CudaUtils;
import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import org.attnlab.attention.AttentionOps;
import org.attnlab.model.DecoderLM;
import org.attnlab.train.TrainingData;
import org.attnlab.train.StepResult;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The DJL side of the side-by-side benchmark ({@code bench/run.sh}, {@code bench/README.md}). Two modes:
 * <ul>
 *   <li>{@code export [--device cpu|gpu] --dir D --kind standard|path --vocab V --d_model d --heads h --layers n --batch B --length L
 *       [--chunk C] [--seed S] [--steps 20] [--lr 3e-3] [--warmup 5] [--batches 4]}: builds the model from the seed,
 *       writes its initial parameters under structural names ({@code D/weights.{json,bin}}), the batches
 *       ({@code D/batches.{json,bin}}), trains {@code steps} updates with {@link Trainer} (AdamW, clipping,
 *       warmup + cosine) on those batches and writes the loss, gradient-norm and rate of each update
 *       ({@code D/djl_curve.json}). {@code bench/pytorch/crosscheck.py} repeats the run in PyTorch and compares.</li>
 *   <li>{@code serve [--device cpu|gpu]}: a worker for the timing driver ({@code bench/driver.py}). It reads one JSON command per line
 *       on stdin and answers one line {@code @@ {json}} on stdout, so the driver can alternate it with the PyTorch
 *       worker measurement by measurement. Commands: {@code {"cmd":"model", <BenchModel fields>}} (set up, then
 *       measure the peak memory of the first full-size training step), {@code {"cmd":"op", "op":
 *       "softmax|path|pathChunked", "length", "heads", "dim", "chunk"}} (the same for one op's forward+backward),
 *       {@code {"cmd":"time", "what":"forward|train|op"}} (one timed repetition: wall and thread-CPU milliseconds),
 *       {@code {"cmd":"ops"}} (operators per phase of one training step, {@link StepOps}),
 *       {@code {"cmd":"quit"}}.</li>
 *   <li>{@code info [--device cpu|gpu]}: one line {@code @@ {json}} with the Java, DJL and engine versions, the GPUs
 *       DJL sees and (on a GPU) the CUDA version, compute capability and device memory; exits with status 2 and a
 *       message when the device cannot be used. The driver calls it first, so a missing GPU fails at once.</li>
 * </ul>
 * Device: {@code --device cpu} (the default) or {@code gpu}; {@code gpu} fails at once, naming the device, when DJL
 * sees no GPU. On a GPU every timed repetition ends with a read of one value to the host, so the time includes the
 * device's work: {@code forward} reads a logit, {@code op} a gradient element, {@code train} one element of the first
 * parameter after the update (on the CPU, as before, {@code train} ends with the step's own norm read and AdamW).
 * Memory on a GPU: besides the host resident set, {@code gpu_used_mb} is the growth of the device memory in use
 * (CUDA's {@code cudaMemGetInfo}, device-wide, so other processes must be idle meanwhile; with the caching allocator
 * this is what the step made the allocator reserve) during the first full-size step. DJL exposes no allocator
 * statistics, so the peak of allocated tensors is not measured on this side.
 * Threads: {@code -Dai.djl.pytorch.num_threads=N} (the driver passes the same N to both engines).
 */
public final class ModelBench {

    private static final Gson GSON = new Gson();

    private ModelBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: ModelBench export [--device cpu|gpu] --dir D [model options]"
                    + " | ModelBench serve [--device cpu|gpu] | ModelBench info [--device cpu|gpu]");
        }
        Map<String, String> o = options(Arrays.copyOfRange(args, 1, args.length));
        Device device;
        try {
            device = device(o.getOrDefault("device", "cpu"), Engine.getInstance().getGpuCount());
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("ModelBench: " + e.getMessage());
            System.out.println("@@ " + GSON.toJson(Map.of("error", e.getMessage())));
            System.exit(2);
            return;
        }
        switch (args[0]) {
            case "export" -> export(o, device);
            case "serve" -> serve(device);
            case "info" -> System.out.println("@@ " + GSON.toJson(info(device)));
            default -> throw new IllegalArgumentException("unknown mode " + args[0] + "; known: export, serve, info");
        }
    }

    /**
     * The device of {@code --device}: {@code cpu}, or {@code gpu} (GPU 0) when DJL sees at least one.
     *
     * @param gpuCount the GPUs DJL sees ({@code Engine.getGpuCount()})
     * @throws IllegalArgumentException for any other value
     * @throws IllegalStateException    for {@code gpu} when {@code gpuCount} is 0
     */
    static Device device(String value, int gpuCount) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "cpu":
                return Device.cpu();
            case "gpu":
                if (gpuCount <= 0) {
                    throw new IllegalStateException("--device gpu, but DJL sees no GPU here (GPU count " + gpuCount
                            + "): no CUDA device, or the CPU-only PyTorch natives are on the classpath (a GPU build:"
                            + " ATTNLAB_GPU=1 ./lab setup; on the lab's GPU machine: bash .gpu/run). Use --device cpu.");
                }
                return Device.gpu();
            default:
                throw new IllegalArgumentException("--device must be cpu or gpu; got '" + value + "'");
        }
    }

    /** Versions and the device, for the benchmark's {@code bench_info.json}. */
    static Map<String, Object> info(Device device) {
        Engine engine = Engine.getInstance();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        r.put("djl", Engine.getDjlVersion());
        r.put("engine", engine.getEngineName() + " " + engine.getVersion());
        r.put("device", device.toString());
        r.put("gpu_count", engine.getGpuCount());
        if (device.isGpu()) {
            try {
                r.put("cuda", CudaUtils.getCudaVersionString());
                r.put("compute_capability", CudaUtils.getComputeCapability(device.getDeviceId()));
                r.put("gpu_memory_total_mb", CudaUtils.getGpuMemory(device).getMax() / 1048576.0);
            } catch (RuntimeException | LinkageError e) {                   // versions are nice to have, not needed
                r.put("cuda_error", String.valueOf(e));
            }
        }
        return r;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs; got " + Arrays.toString(args));
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        pytorchThreads(o);
        return o;
    }

    /**
     * PyTorch's thread counts for a bench main that has not started the engine yet: {@code --threads N} (default 1,
     * as {@code bench/pytorch/*.py} use) unless {@code -Dai.djl.pytorch.num_threads} is given. Without it DJL's
     * libtorch takes every core (MKL ran its matrix products on two threads, {@code MKL_VERBOSE}: {@code NThr:2}),
     * so that a DJL main set beside a one-thread PyTorch script measured two cores against one.
     */
    static void pytorchThreads(Map<String, String> o) {
        String threads = o.getOrDefault("threads", "1");
        try {
            if (Integer.parseInt(threads) < 1) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--threads must be a whole number >= 1; got '" + threads + "'");
        }
        String given = System.getProperty("ai.djl.pytorch.num_threads");
        if (given == null) {
            System.setProperty("ai.djl.pytorch.num_threads", threads);
            if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
                System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            }
        } else if (o.containsKey("threads") && !given.equals(threads)) {
            throw new IllegalArgumentException("--threads " + threads + " disagrees with -Dai.djl.pytorch.num_threads="
                    + given + "; give one of them");
        }
    }

    // ------------------------------------------------------------------------------------------- export

    /** {@link #export(Map, Device)} on the CPU. */
    static double[] export(Map<String, String> o) throws IOException {
        return export(o, Device.cpu());
    }

    /** Writes weights, batches and the DJL loss curve for the cross-implementation check; returns the losses. */
    static double[] export(Map<String, String> o, Device device) throws IOException {
        BenchModel bm = BenchModel.from(o);
        Path dir = Path.of(o.getOrDefault("dir", "build/bench/crosscheck/" + bm.kind()));
        int steps = Integer.parseInt(o.getOrDefault("steps", "20"));
        double lr = Double.parseDouble(o.getOrDefault("lr", "3e-3"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "5"));
        int batches = Integer.parseInt(o.getOrDefault("batches", "4"));
        TrainConfig tc = bm.trainConfig(steps, lr, warmup, device);
        try (NDManager manager = NDManager.newBaseManager(device)) {
            DecoderLM model = bm.create(manager);
            Map<String, Parameter> params = BenchModel.structuralParameters(model);
            Map<Parameter, String> djl = BenchModel.djlKeys(model);
            try (Trainer trainer = Trainer.builder().model(model).config(tc).trainData(bm.source(batches))
                    .runName("crosscheck").build()) {
                TensorFile weights = new TensorFile().meta("model", bm.meta());
                Map<String, Boolean> decays = new LinkedHashMap<>();
                for (var e : params.entrySet()) {
                    NDArray a = e.getValue().getArray();
                    weights.put(e.getKey(), a.toFloatArray(), a.getShape().getShape());
                    decays.put(e.getKey(), trainer.optimizer().decays(djl.get(e.getValue())));
                }
                Map<String, Object> train = new LinkedHashMap<>();
                train.put("steps", steps);
                train.put("lr", lr);
                train.put("warmup", warmup);
                train.put("min_lr_ratio", tc.minLrRatio());
                train.put("betas", List.of(tc.beta1(), tc.beta2()));
                train.put("eps", tc.eps());
                train.put("weight_decay", tc.weightDecay());
                train.put("clip_norm", tc.clipNorm());
                train.put("batches", batches);
                weights.meta("train", train).meta("decays", decays).write(dir.resolve("weights"));

                TensorFile data = new TensorFile();
                long[] shape = {bm.batch(), bm.length()};
                for (int i = 0; i < batches; i++) {
                    int[][] h = bm.hostBatch(i);
                    data.put("tokens." + i, h[0], shape).put("targets." + i, h[1], shape).put("mask." + i, h[2], shape);
                }
                data.meta("count", batches).write(dir.resolve("batches"));

                double[] loss = new double[steps];
                double[] norm = new double[steps];
                double[] rate = new double[steps];
                for (int t = 0; t < steps; t++) {
                    StepResult r = trainer.step();
                    loss[t] = r.loss();
                    norm[t] = r.gradNorm();
                    rate[t] = r.lr();
                }
                Map<String, Object> curve = new LinkedHashMap<>();
                curve.put("loss", loss);
                curve.put("grad_norm", norm);
                curve.put("lr", rate);
                curve.put("device", device.toString());
                Files.writeString(dir.resolve("djl_curve.json"), GSON.toJson(curve));
                return loss;
            }
        }
    }

    // ------------------------------------------------------------------------------------------- serve

    private static void serve(Device device) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Worker w = new Worker(device);
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, String> cmd = GSON.fromJson(line, new TypeToken<Map<String, String>>() { }.getType());
            Map<String, Object> reply;
            try {
                reply = w.handle(cmd);
            } catch (RuntimeException e) {
                reply = Map.of("error", String.valueOf(e));
            }
            if (reply == null) {
                out.println("@@ {\"bye\":true}");
                break;
            }
            out.println("@@ " + GSON.toJson(reply));
        }
        w.close();
    }

    /** State of the serving worker: at most one model (with its trainer) or one op problem at a time. */
    private static final class Worker implements AutoCloseable {
        private final Device device;
        private NDManager manager;
        private Trainer trainer;
        private int[] tokens;
        private BenchModel model;
        private NDArray[] opInputs;
        private String op;
        private int chunk;

        Worker(Device device) {
            this.device = device;
        }

        Map<String, Object> handle(Map<String, String> cmd) throws RuntimeException {
            try {
                return switch (cmd.get("cmd")) {
                    case "model" -> setupModel(cmd);
                    case "op" -> setupOp(cmd);
                    case "time" -> time(cmd.get("what"));
                    case "ops" -> ops();
                    case "quit" -> null;
                    default -> throw new IllegalArgumentException("unknown cmd " + cmd.get("cmd"));
                };
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }

        private void reset() {
            if (trainer != null) {
                trainer.close();
                trainer = null;
            }
            if (manager != null) {
                manager.close();
            }
            manager = NDManager.newBaseManager(device);
        }

        private Map<String, Object> setupModel(Map<String, String> cmd) throws IOException {
            reset();
            model = BenchModel.from(cmd);
            DecoderLM lm = model.create(manager);
            TrainingData full = model.source(1);
            // the first request is a 1 x 8 batch: loads the kernels and builds the optimiser state before the
            // memory measurement, as the PyTorch worker does
            BenchModel tinyShape = new BenchModel(model.kind(), model.vocab(), model.dModel(), model.heads(),
                    model.layers(), 1, 8, model.chunk(), model.seed());
            TrainingData tiny = tinyShape.source(1);
            TrainingData src = (m, req) -> req.index() == 0 ? tiny.batch(m, req) : full.batch(m, req);
            trainer = Trainer.builder().model(lm).config(model.trainConfig(1_000_000, 1e-4, 0, device))
                    .trainData(src).runName("bench").build();
            tokens = model.hostBatch(0)[0];
            trainer.step();
            syncDevice();
            long before = Memory.rss();
            double gpuBefore = gpuUsedMb();
            Memory.resetPeak();
            trainer.step();                                                     // cold full-size step
            syncDevice();
            long peak = Memory.peak() - before;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("params", lm.parameterCount());
            r.put("peak_mb", peak / 1048576.0);
            r.put("rss_mb", Memory.peak() / 1048576.0);
            putGpuMemory(r, gpuBefore);
            return r;
        }

        /**
         * On a GPU: waits until the device has run everything queued, by reading one element of the model's first
         * parameter to the host (the copy is queued after every kernel before it, on the same stream). On the CPU
         * nothing (every op has finished when it returns).
         */
        private void syncDevice() {
            if (!device.isGpu() || trainer == null) {
                return;
            }
            NDArray p = trainer.model().getParameters().valueAt(0).getArray();
            NDArray one = p.get(new ai.djl.ndarray.index.NDIndex(new long[p.getShape().dimension()]));
            one.getFloat();
            one.close();
        }

        /** Device memory in use (MB, device-wide, cudaMemGetInfo), or NaN on the CPU or where CUDA cannot say. */
        private double gpuUsedMb() {
            if (!device.isGpu()) {
                return Double.NaN;
            }
            try {
                return CudaUtils.getGpuMemory(device).getUsed() / 1048576.0;
            } catch (RuntimeException | LinkageError e) {
                System.err.println("ModelBench: device memory not measured: " + e);
                return Double.NaN;
            }
        }

        /** Adds {@code gpu_used_mb} (growth since {@code before}) and {@code gpu_in_use_mb} where CUDA could say. */
        private void putGpuMemory(Map<String, Object> r, double before) {
            if (device.isGpu()) {
                double after = gpuUsedMb();
                if (Double.isFinite(before) && Double.isFinite(after)) {    // JSON has no NaN: leave them out
                    r.put("gpu_used_mb", after - before);
                    r.put("gpu_in_use_mb", after);
                }
            }
        }

        /** Operators per phase of one training step ({@link StepOps}); the step is a real update. */
        private Map<String, Object> ops() {
            if (trainer == null) {
                throw new IllegalStateException("ops needs a model: send {\"cmd\":\"model\", ...} first");
            }
            Map<String, Object> r = new LinkedHashMap<>();
            for (var e : StepOps.count(trainer, model).entrySet()) {
                r.put(e.getKey(), e.getValue().ops());
                r.put(e.getKey() + "_nested", e.getValue().nested());
            }
            return r;
        }

        private Map<String, Object> setupOp(Map<String, String> cmd) throws IOException {
            reset();
            op = cmd.get("op");
            if (!List.of("softmax", "path", "pathChunked").contains(op)) {
                throw new IllegalArgumentException("unknown op " + op + "; known: softmax, path, pathChunked");
            }
            int len = Integer.parseInt(cmd.get("length"));
            int heads = Integer.parseInt(cmd.get("heads"));
            int dim = Integer.parseInt(cmd.get("dim"));
            chunk = Integer.parseInt(cmd.get("chunk"));
            manager.getEngine().setRandomSeed(7);
            opInputs = opInputs(manager, 1, heads, len, dim);
            NDArray[] small = opInputs(manager, 1, heads, 8, dim);
            opStep(small);                                                     // kernels loaded
            long before = Memory.rss();
            double gpuBefore = gpuUsedMb();
            Memory.resetPeak();
            opStep(opInputs);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("peak_mb", (Memory.peak() - before) / 1048576.0);
            r.put("rss_mb", Memory.peak() / 1048576.0);
            putGpuMemory(r, gpuBefore);
            return r;
        }

        private static NDArray[] opInputs(NDManager m, int b, int h, int len, int d) {
            Shape s = new Shape(b, h, len, d);
            NDArray w = m.randomNormal(s);
            w = w.div(w.norm(new int[] {3}, true));
            return new NDArray[] {m.randomNormal(s), m.randomNormal(s), m.randomNormal(s), w,
                    m.randomUniform(0.1f, 1.9f, new Shape(b, h, len))};
        }

        /** Forward + backward of the op with loss {@code sum(o^2)}; inputs are leaves that require gradients. */
        private void opStep(NDArray[] in) {
            try (NDManager m = manager.newSubManager()) {
                NDArray[] x = new NDArray[in.length];
                for (int i = 0; i < in.length; i++) {
                    x[i] = in[i].duplicate();
                    x[i].attach(m);
                    x[i].setRequiresGradient(true);
                }
                float scale = (float) (1 / Math.sqrt(x[0].getShape().get(3)));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray o = switch (op) {
                        case "softmax" -> AttentionOps.softmax(x[0], x[1], x[2], scale);
                        case "path" -> AttentionOps.path(x[0], x[1], x[2], x[3], x[4], null, scale);
                        default -> AttentionOps.pathChunked(x[0], x[1], x[2], x[3], x[4], null, scale, chunk);
                    };
                    gc.backward(o.mul(o).sum());
                }
                x[0].getGradient().getFloat(0, 0, 0, 0);                         // wait for the device
            }
        }

        /**
         * One timed repetition: wall-clock {@code ms} and the calling thread's CPU time {@code cpu_ms} (libtorch
         * runs every op of a one-thread step, backward included, on the calling thread, so CPU time is the work
         * itself, much less disturbed by other processes on a loaded machine than wall time).
         */
        private Map<String, Object> time(String what) {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            switch (what) {
                case "forward" -> {
                    try (NDManager sub = trainer.manager().newSubManager()) {
                        NDArray x = BenchModel.tokens(sub, tokens, model.batch(), model.length());
                        trainer.logits(x).getFloat(0, 0, 0);
                    }
                }
                case "train" -> {
                    trainer.step();
                    syncDevice();
                }
                case "op" -> opStep(opInputs);
                default -> throw new IllegalArgumentException("unknown timing " + what + "; known: forward, train, op");
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("ms", (System.nanoTime() - t0) / 1e6);
            r.put("cpu_ms", (mx.getCurrentThreadCpuTime() - c0) / 1e6);
            return r;
        }

        @Override
        public void close() {
            if (trainer != null) {
                trainer.close();
            }
            if (manager != null) {
                manager.close();
            }
        }
    }

    /** Process memory from {@code /proc/self/status} (Linux): resident set and its high-water mark. */
    static final class Memory {
        private Memory() {
        }

        static long rss() throws IOException {
            return field("VmRSS");
        }

        static long peak() throws IOException {
            return field("VmHWM");
        }

        /** Resets the high-water mark to the current resident set (Linux >= 4.0). */
        static void resetPeak() throws IOException {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        }

        private static long field(String name) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            throw new IllegalStateException("no " + name + " in /proc/self/status (memory needs Linux)");
        }
    }
}
