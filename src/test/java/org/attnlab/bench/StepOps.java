package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.attnlab.model.DecoderLM;
import org.attnlab.train.GradientClip;
import org.attnlab.train.MaskedLoss;
import org.attnlab.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Operators per training step, by phase (see {@link OpCounter} for what one counted op is):
 * {@code forward} (model and masked cross-entropy under a gradient collector), {@code backward} (autograd nodes),
 * {@code optimizer} (global-norm clip and AdamW, as {@code Trainer.step} calls them), and {@code step} (one whole
 * {@code Trainer.step()}: also the batch, the seeding and the host reads). The phases are the same calls
 * {@code Trainer.step} makes, issued one by one so each can be profiled alone.
 *
 * <p>{@code StepOps [--sizes tiny,small,mid,large] [--kinds standard,path] [--top N] [--out build/bench/op_counts.csv]}
 * prints a table (and the N most frequent top-level ops of each phase) and writes the CSV; the timing worker
 * ({@code ModelBench serve}, command {@code ops}) reports the same numbers beside the times.
 */
public final class StepOps {

    /** The sizes of {@code bench/driver.py}: vocab, dModel, heads, layers, batch, length. */
    static final Map<String, int[]> SIZES = new LinkedHashMap<>();

    static {
        SIZES.put("tiny", new int[] {256, 64, 2, 2, 4, 32});
        SIZES.put("small", new int[] {512, 128, 4, 4, 8, 64});
        SIZES.put("mid", new int[] {1024, 256, 4, 4, 8, 128});
        SIZES.put("large", new int[] {2048, 384, 6, 6, 8, 256});
    }

    private StepOps() {
    }

    /** Phase counts of one training step of {@code trainer} (its model a DecoderLM) on host batch 0 of {@code bm}. */
    static Map<String, OpCounter.Counts> count(Trainer trainer, BenchModel bm) {
        DecoderLM model = (DecoderLM) trainer.model();
        NDManager manager = trainer.manager();
        ParameterStore ps = new ParameterStore(manager, false);
        int[][] h = bm.hostBatch(0);
        Shape s = new Shape(bm.batch(), bm.length());
        Map<String, OpCounter.Counts> out = new LinkedHashMap<>();
        try (NDManager sub = manager.newSubManager()) {
            NDArray tokens = sub.create(h[0], s);
            NDArray targets = sub.create(h[1], s);
            NDArray mask = sub.create(h[2], s).toType(DataType.FLOAT32, false);
            NDArray[] loss = new NDArray[1];
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                out.put("forward", OpCounter.count(() ->
                        loss[0] = MaskedLoss.crossEntropy(model.forward(ps, tokens, true), targets, mask)));
                out.put("backward", OpCounter.count(() -> gc.backward(loss[0])));
            }
            out.put("optimizer", OpCounter.count(() -> {
                loss[0].toType(DataType.FLOAT64, false).getDouble();
                double norm = GradientClip.globalNorm(trainer.optimizer().parameters());
                trainer.optimizer().update(1e-4, GradientClip.scale(norm, 1.0));
            }));
        }
        out.put("step", OpCounter.count(trainer::step));
        return out;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> o = ModelBench.options(args);
        List<String> sizes = List.of(o.getOrDefault("sizes", "tiny,small,mid,large").split(","));
        List<String> kinds = List.of(o.getOrDefault("kinds", "standard,path").split(","));
        int topN = Integer.parseInt(o.getOrDefault("top", "0"));
        Path csv = Path.of(o.getOrDefault("out", "build/bench/op_counts.csv"));
        List<String> rows = new ArrayList<>();
        rows.add("size,kind,phase,ops,nested_ops");
        System.out.printf(Locale.ROOT, "%-6s %-9s %9s %9s %9s %9s   (top-level libtorch ops; all ops in brackets)%n",
                "size", "kind", "forward", "backward", "optimizer", "step");
        for (String size : sizes) {
            int[] z = SIZES.get(size);
            if (z == null) {
                throw new IllegalArgumentException("unknown size " + size + "; known: " + SIZES.keySet());
            }
            for (String kind : kinds) {
                BenchModel bm = new BenchModel(kind, z[0], z[1], z[2], z[3], z[4], z[5], 64, 1);
                Map<String, OpCounter.Counts> c;
                try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                    DecoderLM lm = bm.create(manager);
                    try (Trainer trainer = Trainer.builder().model(lm).config(bm.trainConfig(1_000_000, 1e-4, 0))
                            .trainData(bm.source(1)).runName("ops").build()) {
                        trainer.step();                                          // optimiser state, kernels
                        c = count(trainer, bm);
                    }
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-6s %-9s", size, kind));
                for (var e : c.entrySet()) {
                    line.append(String.format(Locale.ROOT, " %9s", e.getValue().ops() + " (" + e.getValue().nested() + ")"));
                    rows.add(String.join(",", size, kind, e.getKey(), String.valueOf(e.getValue().ops()),
                            String.valueOf(e.getValue().nested())));
                }
                System.out.println(line);
                if (topN > 0) {
                    for (var e : c.entrySet()) {
                        System.out.println("    " + e.getKey() + ": " + top(e.getValue().byName(), topN));
                    }
                }
            }
        }
        Files.createDirectories(csv.toAbsolutePath().getParent());
        Files.write(csv, rows);
        System.out.println("wrote " + csv);
    }

    static String top(Map<String, Integer> byName, int n) {
        return byName.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(n)
                .map(e -> e.getKey() + " " + e.getValue()).reduce((a, b) -> a + ", " + b).orElse("");
    }
}
