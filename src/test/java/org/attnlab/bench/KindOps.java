package org.attnlab.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionBlock;
import org.attnlab.attention.AttentionConfig;
import org.attnlab.attention.AttentionInput;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;

/**
 * Operators per forward pass of one attention block of each kind (B=2, L=64, dModel=64, 4 heads; inference, no
 * hooks), and of a 2-layer DecoderLM with and without registers, counted by {@link OpCounter}. Run:
 * {@code java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) org.attnlab.bench.KindOps}
 * after {@code bench/run.sh}'s classpath step.
 */
public final class KindOps {

    private KindOps() {
    }

    public static void main(String[] args) {
        try (NDManager m = NDManager.newBaseManager()) {
            AttentionConfig config = AttentionConfig.of(64, 4).withWindow(16);
            System.out.println("kind\tops\tnested");
            for (AttentionKind kind : AttentionKind.values()) {
                if (kind.needsQkSource()) {
                    continue;
                }
                AttentionBlock b = kind.newBlock(config);
                b.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(2, 64, 64));
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = sub.randomNormal(new Shape(2, 64, 64));
                    ParameterStore ps = new ParameterStore(sub, false);
                    b.forward(ps, AttentionInput.of(x), false, Hooks.none());         // warm the constant tables
                    OpCounter.Counts c = OpCounter.count(() -> b.forward(ps, AttentionInput.of(x), false, Hooks.none()));
                    System.out.println(kind.label() + "\t" + c.ops() + "\t" + c.nested());
                }
            }
            for (int registers : new int[] {0, 4}) {
                ModelConfig mc = ModelConfig.builder(100, 64, 4, 2).plan(LayerPlan.uniform(AttentionKind.STANDARD, 2))
                        .registers(registers).build();
                DecoderLM lm = DecoderLM.create(mc, m, 1);
                try (NDManager sub = m.newSubManager()) {
                    NDArray t = sub.zeros(new Shape(2, 64), ai.djl.ndarray.types.DataType.INT64);
                    ParameterStore ps = new ParameterStore(sub, false);
                    lm.forward(ps, t, false);
                    OpCounter.Counts c = OpCounter.count(() -> lm.forward(ps, t, false));
                    System.out.println("decoder 2x standard, registers=" + registers + "\t" + c.ops() + "\t"
                            + c.nested());
                }
            }
        }
    }
}
