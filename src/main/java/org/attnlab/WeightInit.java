package org.attnlab;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Initial weights drawn on the Java side from the run's own seed, never from PyTorch's process-wide generator, so
 * that a model's weights do not depend on what else runs in the JVM (several runs in threads at once draw from the
 * same engine generator and would interleave). The one way every model is seeded is
 * {@link #initialize(Block, NDManager, DataType, Shape, long)} ({@code DecoderLM.create},
 * {@code LearnedPositionsLM.create} and {@code Trainer.initialize} all call it):
 * <pre>
 *   W[name] = draw(initializer of name, SplittableRandom(Seeds.derive(seed, "weights/" + name)))
 * </pre>
 * where {@code name} is the parameter's path in the model ({@code Block.getParameters()}). So a parameter's values
 * are a function of (seed, its path, its initializer) alone: the same on CPU and GPU, whatever ran before, and
 * unchanged when another layer is added elsewhere. Constant parameters (norm gains, biases: a
 * {@link ConstantInitializer}, {@link Initializer#ZEROS}, {@link Initializer#ONES}) keep their constants.
 *
 * <p>Normal draws use the Box-Muller transform on {@link StrictMath}, {@code z = sqrt(-2 ln u1) cos(2 pi u2)} with
 * {@code u1} in (0, 1], so the bits are the same on every JVM.
 *
 * <p>A block initialised the plain DJL way ({@code block.initialize(manager, type, shape)}, as unit tests of a
 * single block do) draws these parameters from the engine generator instead, as DJL's own initialisers do.
 */
public final class WeightInit {

    /** Set while {@link #initialize} runs on this thread: parameters are then allocated, not drawn. */
    private static final ThreadLocal<Boolean> SEEDED_PASS = ThreadLocal.withInitial(() -> false);

    private WeightInit() {
    }

    /** {@code N(0, std^2)} per entry. */
    public static Initializer normal(float std) {
        if (!(std > 0) || !Float.isFinite(std)) {
            throw new IllegalArgumentException("normal initializer: std must be a positive number, got " + std);
        }
        return new Drawn("normal(" + std + ")", std, false);
    }

    /** {@code U(-scale, scale)} per entry. */
    public static Initializer uniform(float scale) {
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("uniform initializer: scale must be a positive number, got " + scale);
        }
        return new Drawn("uniform(" + scale + ")", scale, true);
    }

    /**
     * Initializes {@code block}'s parameters in {@code manager} for input shape {@code inputShape}, then draws every
     * random parameter from run seed {@code seed} (see the class comment): the one way a model is seeded.
     *
     * @throws IllegalArgumentException when a parameter's initializer is neither {@link #normal}/{@link #uniform}
     *     nor a {@link ConstantInitializer} (such an initializer would draw from the shared engine generator)
     */
    public static void initialize(Block block, NDManager manager, DataType dataType, Shape inputShape, long seed) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            Initializer init = p.getValue().getInitializer();
            if (!(init instanceof Drawn) && !isConstant(init)) {
                throw new IllegalArgumentException("parameter '" + p.getKey() + "' is initialised by "
                        + (init == null ? "its type's default (" + p.getValue().getType() + ")" : init.getClass().getSimpleName()) + ", which draws from PyTorch's "
                        + "process-wide generator, so its values would depend on what else runs; give it "
                        + "WeightInit.normal(std), WeightInit.uniform(scale) or a ConstantInitializer");
            }
        }
        boolean outer = !SEEDED_PASS.get();
        SEEDED_PASS.set(true);
        try {
            block.initialize(manager, dataType, inputShape);
        } finally {
            if (outer) {
                SEEDED_PASS.remove();
            }
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().getInitializer() instanceof Drawn d) {
                NDArray a = p.getValue().getArray();
                float[] values = d.draw(new SplittableRandom(Seeds.derive(seed, "weights/" + p.getKey())),
                        Math.toIntExact(a.size()));
                fill(a, values);
            }
        }
    }

    /**
     * Draws {@code block}'s random weights again, from the same seed and path as {@link #initialize}, at the scales
     * of PyTorch's default initialisation, which the iteration-heads paper's code keeps (Cabannes et al. 2024):
     * <pre>
     *   embedding tables (token embedding, learned positions, registers)   N(0, 1)          (nn.Embedding)
     *   the LM head [vocab, dModel]                                        U(+-1/sqrt(dModel))   (nn.Linear)
     *   every other matrix [in, out] (y = x W)                             U(+-1/sqrt(in))       (nn.Linear)
     * </pre>
     * Norm gains and other constants are left as they are, and so is any parameter that is not a trainable matrix.
     * Our default (N(0, 0.02) everywhere) starts attention near uniform; in the PyTorch reference of the paper's
     * parity model, its recipe with our initialisation did not form iteration heads (bench/README.md, "parity-cot:
     * the paper's recipe in PyTorch").
     * Call it right after {@link #initialize} (e.g. after {@code LearnedPositionsLM.create}).
     *
     * @return the number of parameters drawn again
     */
    public static int redrawPytorchDefaults(Block block, long seed) {
        int n = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            if (!(param.getInitializer() instanceof Drawn) || param.getType() != Parameter.Type.WEIGHT
                    || !param.requiresGradient()) {
                continue;
            }
            NDArray a = param.getArray();
            if (a.getShape().dimension() != 2) {
                continue;
            }
            String name = param.getName();
            Drawn rule;
            if (name.equals("embedding") || name.equals("positions") || name.equals("register_embeddings")) {
                rule = new Drawn("normal(1)", 1f, false);
            } else {
                long fanIn = name.equals("head") ? a.getShape().get(1) : a.getShape().get(0);
                rule = new Drawn("uniform(1/sqrt(" + fanIn + "))", (float) (1 / Math.sqrt(fanIn)), true);
            }
            fill(a, rule.draw(new SplittableRandom(Seeds.derive(seed, "weights/" + p.getKey())),
                    Math.toIntExact(a.size())));
            n++;
        }
        return n;
    }

    /** DJL's constant initializers: {@link ConstantInitializer} and the zeros/ones of {@link Initializer}. */
    private static boolean isConstant(Initializer init) {
        return init instanceof ConstantInitializer || init == Initializer.ZEROS || init == Initializer.ONES;
    }

    private static void fill(NDArray target, float[] values) {
        if (target.getDataType() == DataType.FLOAT32) {
            target.set(FloatBuffer.wrap(values));
            return;
        }
        try (NDManager tmp = target.getManager().newSubManager()) {
            NDArray f = tmp.create(values, target.getShape()).toType(target.getDataType(), false);
            target.set(f.toByteBuffer());
        }
    }

    /** A random initializer whose values {@link #initialize} draws from the run's seed. */
    private static final class Drawn implements Initializer {
        private final String name;
        private final float scale;
        private final boolean uniform;

        Drawn(String name, float scale, boolean uniform) {
            this.name = name;
            this.scale = scale;
            this.uniform = uniform;
        }

        /** {@code n} values from {@code r}: {@code scale * z} (normal) or {@code scale * (2u - 1)} (uniform). */
        float[] draw(SplittableRandom r, int n) {
            float[] out = new float[n];
            if (uniform) {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) (scale * (2 * r.nextDouble() - 1));
                }
                return out;
            }
            for (int i = 0; i < n; i += 2) {
                double u1 = 1.0 - r.nextDouble();                 // (0, 1]: the log is finite
                double u2 = r.nextDouble();
                double radius = StrictMath.sqrt(-2 * StrictMath.log(u1));
                double angle = 2 * StrictMath.PI * u2;
                out[i] = (float) (scale * radius * StrictMath.cos(angle));
                if (i + 1 < n) {
                    out[i + 1] = (float) (scale * radius * StrictMath.sin(angle));
                }
            }
            return out;
        }

        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            if (SEEDED_PASS.get()) {
                return manager.zeros(shape, dataType); // filled from the run's seed right after
            }
            return uniform ? manager.randomUniform(-scale, scale, shape, dataType)
                    : manager.randomNormal(0, scale, shape, dataType, manager.getDevice());
        }

        @Override
        public String toString() {
            return "WeightInit." + name;
        }
    }
}
