package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import org.attnlab.train.TensorBatch;
import java.util.function.Function;
import org.attnlab.model.DecoderLM;
import org.attnlab.train.AdamW;
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
 * <p>{@code StepOps [--sizes tiny,small,mid,large,parity-b1,parity-b256] [--kinds standard,path] [--top N]
 * [--out build/bench/op_counts.csv]} prints a table (the optimizer phase also split into the loss read, the clip's
 * norm and AdamW, with the gradient zeroings AdamW issues; {@code parity-bN} is the parity-cot model of
 * {@link ParitySteps} at batch N) (and the N most frequent top-level ops of each phase) and writes the CSV; the timing worker
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
        int[][] h = bm.hostBatch(0);
        Shape s = new Shape(bm.batch(), bm.length());
        return count(trainer, sub -> new TensorBatch(sub.create(h[0], s), sub.create(h[1], s),
                sub.create(h[2], s).toType(DataType.FLOAT32, false)));
    }

    /**
     * Phase counts of one training step of {@code trainer} (any model) on the batch {@code batch} makes:
     * {@code forward}, {@code backward}, {@code loss_read} (the loss to the host), {@code clip_norm} (the gradients
     * gathered for the update and their global norm, read to the host, as {@code Trainer.step} does it),
     * {@code adamw} (the update, gradients zeroed included), {@code optimizer}
     * (the last three together, as before) and {@code step} (one whole {@code Trainer.step()}, a real update).
     */
    static Map<String, OpCounter.Counts> count(Trainer trainer, Function<NDManager, TensorBatch> batch) {
        Block model = trainer.model();
        NDManager manager = trainer.manager();
        ParameterStore ps = new ParameterStore(manager, false);
        Map<String, OpCounter.Counts> out = new LinkedHashMap<>();
        try (NDManager sub = manager.newSubManager()) {
            TensorBatch b = batch.apply(sub);
            NDArray[] loss = new NDArray[1];
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                out.put("forward", OpCounter.count(() -> loss[0] = MaskedLoss.crossEntropy(
                        model.forward(ps, new NDList(b.tokens()), true).get(0), b.targets(), b.lossMask())));
                out.put("backward", OpCounter.count(() -> gc.backward(loss[0])));
            }
            out.put("loss_read", OpCounter.count(() -> loss[0].getFloat()));          // as Trainer.step reads it
            AdamW.Gradients[] g = new AdamW.Gradients[1];
            out.put("clip_norm", OpCounter.count(() -> g[0] = trainer.optimizer().gatherGradients()));
            out.put("adamw", OpCounter.count(() ->
                    trainer.optimizer().update(1e-4, GradientClip.scale(g[0].norm(), 1.0), g[0])));
            out.put("optimizer", OpCounter.Counts.sum(out.get("loss_read"), out.get("clip_norm"), out.get("adamw")));
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
        System.out.printf(Locale.ROOT, "%-10s %-9s %8s %8s %9s %9s %8s %6s %9s %8s   (top-level libtorch ops)%n",
                "size", "kind", "forward", "backward", "loss_read", "clip_norm", "adamw", "zero_", "optimizer", "step");
        for (String size : sizes) {
            boolean parity = size.startsWith("parity-b");
            int[] z = SIZES.get(size);
            if (z == null && !parity) {
                throw new IllegalArgumentException("unknown size " + size + "; known: " + SIZES.keySet()
                        + " and parity-bN (the parity-cot model at batch N)");
            }
            for (String kind : parity ? List.of("nope") : kinds) {
                Map<String, OpCounter.Counts> c;
                try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                    if (parity) {
                        int batch = Integer.parseInt(size.substring("parity-b".length()));
                        try (Trainer trainer = ParitySteps.trainer(ParitySteps.model(manager, 42), batch, 42)) {
                            trainer.step();                                      // optimiser state, kernels
                            c = count(trainer, ParitySteps.countedBatch(batch, 42));
                        }
                    } else {
                        BenchModel bm = new BenchModel(kind, z[0], z[1], z[2], z[3], z[4], z[5], 64, 1);
                        DecoderLM lm = bm.create(manager);
                        try (Trainer trainer = Trainer.builder().model(lm).config(bm.trainConfig(1_000_000, 1e-4, 0))
                                .trainData(bm.source(1)).runName("ops").build()) {
                            trainer.step();                                      // optimiser state, kernels
                            c = count(trainer, bm);
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "%-10s %-9s %8d %8d %9d %9d %8d %6d %9d %8d%n", size, kind,
                        c.get("forward").ops(), c.get("backward").ops(), c.get("loss_read").ops(),
                        c.get("clip_norm").ops(), c.get("adamw").ops(),
                        c.get("adamw").byName().getOrDefault("aten::zero_", 0), c.get("optimizer").ops(),
                        c.get("step").ops());
                for (var e : c.entrySet()) {
                    rows.add(String.join(",", size, kind, e.getKey(), String.valueOf(e.getValue().ops()),
                            String.valueOf(e.getValue().nested())));
                }
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
