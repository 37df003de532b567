package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.Hooks;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Function vectors (Todd et al. ICLR 2024, "Function Vectors in Large Language Models"): a few attention heads
 * carry "which function the demonstrations show" to the query position, and the sum of their average outputs,
 * added to the residual stream of a prompt without demonstrations, makes the model apply that function.
 * <ol>
 *   <li>{@link #meanHeadOutputs}: the task-conditioned mean of every head's output at the query position over
 *       in-context prompts, {@code mean_b z[b, h, q, :]} ({@code blocks.l.attn.z}, before {@code W_O});</li>
 *   <li>{@link #indirectEffects}: on corrupted prompts (the demonstrations' labels shuffled, so the function is not
 *       shown), put one head's task mean in place of its output at the query position and measure how much the
 *       right answer's probability rises:
 *       <pre>  IE(l, h) = mean_b P(y_b | corrupted, z[l,h,q] := mean) - mean_b P(y_b | corrupted)</pre>
 *       A head whose output never reaches the logits has IE 0;</li>
 *   <li>{@link #functionVector}: the sum, over the top heads by IE, of the head's mean written into the residual
 *       stream through its slice of the output projection,
 *       <pre>  FV = sum_{(l,h) in top} mean_{l,h} . W_O^l[h*D:(h+1)*D, :]</pre></li>
 *   <li>{@link #addToResidual}: hooks that add a vector to the residual stream entering layer l
 *       ({@code blocks.l.resid_pre}) at one position, to run zero-shot prompts with a function vector;
 *       {@link #score} reads accuracy and the right answer's probability there.</li>
 * </ol>
 * A negative position counts from the end (-1: the last token, the query's {@code ->} in a prompt).
 *
 * <pre>{@code
 * FunctionVectors.HeadMeans means = FunctionVectors.meanHeadOutputs(model, manager, cleanPrompts, -1);
 * Table ie = FunctionVectors.indirectEffects(model, manager, means, shuffledPrompts, -1, answers);
 * float[] fv = FunctionVectors.functionVector(model, manager, means, FunctionVectors.topHeads(ie, 10));
 * FunctionVectors.score(model, manager, zeroShot, -1, zeroShotAnswers, FunctionVectors.addToResidual(model, 1, -1, fv))
 * }</pre>
 */
public final class FunctionVectors {

    /** Metric of {@link #indirectEffects}: the rise in the right answer's probability. */
    public static final String INDIRECT_EFFECT = "indirect_effect";
    /** Metric of {@link #indirectEffects}: the right answer's probability with the head patched. */
    public static final String PATCHED_PROBABILITY = "patched_probability";
    /** The colour bar of an indirect-effect heatmap. */
    public static final String INDIRECT_EFFECT_LABEL = "indirect effect (rise in P(answer))";

    private FunctionVectors() {
    }

    /** One attention head. */
    public record Head(int layer, int head) {
        public Head {
            if (layer < 0 || head < 0) {
                throw new IllegalArgumentException("a head needs layer >= 0 and head >= 0; got layer " + layer
                        + ", head " + head);
            }
        }

        /** {@code L1.H0}. */
        public String label() {
            return ProbeTable.headName(layer, head);
        }
    }

    /** Accuracy (argmax is the answer) and the answer's mean probability at one position of a set of prompts. */
    public record Score(double accuracy, double probability) {
    }

    /** Every head's mean output {@code [D]} at one position, by layer and head; layers without heads have none. */
    public static final class HeadMeans {
        private final float[][][] z;         // [layer][head][D]; null for a layer without heads
        private final int heads;
        private final int headDim;

        /** Means {@code z[layer][head][d]}; a null {@code z[layer]} marks a layer without heads. */
        public HeadMeans(float[][][] z) {
            if (z == null || z.length == 0) {
                throw new IllegalArgumentException("head means need at least one layer");
            }
            int h = -1;
            int d = -1;
            for (int l = 0; l < z.length; l++) {
                if (z[l] == null) {
                    continue;
                }
                for (float[] v : z[l]) {
                    if (v == null || (d >= 0 && v.length != d) || (h >= 0 && z[l].length != h)) {
                        throw new IllegalArgumentException("head means must be [layer][head][D] of one H and one D; "
                                + "layer " + l + " differs");
                    }
                    d = v.length;
                }
                h = z[l].length;
            }
            if (h < 1 || d < 1) {
                throw new IllegalArgumentException("head means hold no head");
            }
            this.z = z;
            this.heads = h;
            this.headDim = d;
        }

        public int layers() {
            return z.length;
        }

        public int heads() {
            return heads;
        }

        public int headDim() {
            return headDim;
        }

        /** Whether layer {@code layer} has heads. */
        public boolean hasHeads(int layer) {
            return layer >= 0 && layer < z.length && z[layer] != null;
        }

        /** The mean output {@code [D]} of one head (a copy); fails naming the heads there are. */
        public float[] of(int layer, int head) {
            if (!hasHeads(layer) || head < 0 || head >= heads) {
                throw new IllegalArgumentException("no head L" + layer + ".H" + head + " in these means: layers 0.."
                        + (z.length - 1) + " (those with heads), heads 0.." + (heads - 1));
            }
            return z[layer][head].clone();
        }

        /** Layer {@code layer}'s means as {@code float[H][D]} (a copy). */
        public float[][] layer(int layer) {
            if (!hasHeads(layer)) {
                throw new IllegalArgumentException("layer " + layer + " has no head means (layers 0.." + (z.length - 1)
                        + ")");
            }
            float[][] out = new float[heads][];
            for (int h = 0; h < heads; h++) {
                out[h] = z[layer][h].clone();
            }
            return out;
        }
    }

    // ---------------------------------------------------------------- 1. head means

    /** {@code mean_b z[b, h, position, :]} of every head of every layer with heads, over {@code prompts}. */
    public static HeadMeans meanHeadOutputs(HookedModel model, NDManager manager, int[][] prompts, int position) {
        ProbeRun.checkTokens(prompts, "prompts");
        int p = resolve(position, prompts[0].length);
        return ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            Map<String, NDArray> cache = model.runWithCache(ps, ProbeRun.tokens(sub, prompts), n -> HookName.parse(n)
                    .map(x -> x.component().equals(HookName.ATTN + "." + HookName.Z)).orElse(false));
            float[][][] out = new float[model.layers()][][];
            for (int l = 0; l < model.layers(); l++) {
                if (!model.kindAt(l).hasPattern()) {
                    continue;
                }
                NDArray z = cache.get(HookName.z(l));
                if (z == null) {
                    throw new IllegalStateException("the model fired no '" + HookName.z(l) + "'; its hook names: "
                            + model.hookNames());
                }
                NDArray mean = z.get(new NDIndex(":, :, {}, :", p)).toType(DataType.FLOAT32, false)
                        .mean(new int[] {0});                                                      // (H,D)
                int h = (int) mean.getShape().get(0);
                int d = (int) mean.getShape().get(1);
                float[] flat = mean.toFloatArray();
                out[l] = new float[h][d];
                for (int i = 0; i < h; i++) {
                    System.arraycopy(flat, i * d, out[l][i], 0, d);
                }
            }
            return new HeadMeans(out);
        });
    }

    // ---------------------------------------------------------------- 2. causal indirect effect

    /**
     * The causal indirect effect of every head (table {@code layer, head, metric, value} with
     * {@value #INDIRECT_EFFECT} and {@value #PATCHED_PROBABILITY}): head (l, h)'s output at {@code position} of the
     * {@code corrupted} prompts is replaced by {@code means.of(l, h)}, and the probability of {@code answers[b]}
     * there is compared with the unpatched corrupted run.
     */
    public static Table indirectEffects(HookedModel model, NDManager manager, HeadMeans means, int[][] corrupted,
                                        int position, int[] answers) {
        Objects.requireNonNull(means, "means");
        ProbeRun.checkTokens(corrupted, "corrupted prompts");
        checkAnswers(model, corrupted, answers);
        checkMeans(model, means);
        int p = resolve(position, corrupted[0].length);
        LogitMetric probability = LogitMetric.probability(p, answers);
        Table t = ProbeTable.heads("indirect effect of each head");
        ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            double base = probability.of(model.forward(ps, ProbeRun.tokens(sub, corrupted), false, Hooks.none()));
            for (int l = 0; l < model.layers(); l++) {
                if (!model.kindAt(l).hasPattern()) {
                    continue;
                }
                for (int h = 0; h < model.heads(); h++) {
                    double patched;
                    try (NDManager step = sub.newSubManager()) {
                        Hooks hooks = Hooks.create().add(HookName.z(l), patchHead(step, h, p, means.of(l, h)));
                        patched = probability.of(model.forward(ps, ProbeRun.tokens(step, corrupted), false, hooks));
                    }
                    ProbeTable.addHead(t, l, h, INDIRECT_EFFECT, patched - base);
                    ProbeTable.addHead(t, l, h, PATCHED_PROBABILITY, patched);
                }
            }
            return null;
        });
        return t;
    }

    /** A z hook {@code [B,H,L,D]} that sets head {@code head} at position {@code position} to {@code mean}. */
    private static java.util.function.UnaryOperator<NDArray> patchHead(NDManager step, int head, int position,
                                                                        float[] mean) {
        return z -> {
            Shape s = z.getShape();
            int heads = (int) s.get(1);
            int len = (int) s.get(2);
            int d = (int) s.get(3);
            if (d != mean.length || head >= heads) {
                throw new IllegalArgumentException("a mean of length " + mean.length + " for head " + head
                        + " cannot patch z of shape " + s);
            }
            float[] keep = new float[heads * len];
            java.util.Arrays.fill(keep, 1f);
            keep[head * len + position] = 0f;
            float[] put = new float[heads * len * d];
            System.arraycopy(mean, 0, put, (head * len + position) * d, d);
            NDArray k = step.create(keep, new Shape(1, heads, len, 1)).toType(z.getDataType(), false);
            NDArray v = step.create(put, new Shape(1, heads, len, d)).toType(z.getDataType(), false);
            return z.mul(k).add(v);
        };
    }

    /**
     * The {@code n} heads of highest {@value #INDIRECT_EFFECT} in an {@link #indirectEffects} table (or any
     * {@code layer, head, metric, value} table holding that metric, e.g. means over tasks), best first; ties go to
     * the lower layer, then the lower head.
     */
    public static List<Head> topHeads(Table effects, int n) {
        Table t = ProbeTable.only(effects, INDIRECT_EFFECT);
        if (n < 1 || n > t.rowCount()) {
            throw new IllegalArgumentException("top heads: n must be in 1.." + t.rowCount() + " (the heads in '"
                    + effects.name() + "'), got " + n);
        }
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < t.rowCount(); r++) {
            rows.add(r);
        }
        rows.sort(Comparator.<Integer>comparingDouble(r -> -t.doubleColumn(ProbeTable.VALUE).getDouble(r))
                .thenComparingInt(r -> t.intColumn(ProbeTable.LAYER).getInt(r))
                .thenComparingInt(r -> t.intColumn(ProbeTable.HEAD).getInt(r)));
        List<Head> out = new ArrayList<>();
        for (int r : rows.subList(0, n)) {
            out.add(new Head(t.intColumn(ProbeTable.LAYER).getInt(r), t.intColumn(ProbeTable.HEAD).getInt(r)));
        }
        return out;
    }

    /** Every head of every layer that has heads, layer by layer. */
    public static List<Head> allHeads(HookedModel model) {
        List<Head> out = new ArrayList<>();
        for (int l = 0; l < model.layers(); l++) {
            if (model.kindAt(l).hasPattern()) {
                for (int h = 0; h < model.heads(); h++) {
                    out.add(new Head(l, h));
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- 3. the function vector

    /**
     * {@code FV = sum_{(l,h) in heads} means.of(l,h) . W_O^l[h*D:(h+1)*D, :]}: the heads' mean outputs as they are
     * written into the residual stream, summed ({@code [dModel]}).
     */
    public static float[] functionVector(HookedModel model, NDManager manager, HeadMeans means, List<Head> heads) {
        Objects.requireNonNull(means, "means");
        if (heads == null || heads.isEmpty()) {
            throw new IllegalArgumentException("a function vector needs at least one head, e.g. topHeads(effects, 10)");
        }
        checkMeans(model, means);
        return ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            NDArray fv = sub.zeros(new Shape(model.dModel()));
            for (int l = 0; l < model.layers(); l++) {
                final int layer = l;
                int[] here = heads.stream().filter(x -> x.layer() == layer).mapToInt(Head::head).toArray();
                if (here.length == 0) {
                    continue;
                }
                NDArray wo = model.outputProjection(ps, l);
                if (wo == null || !means.hasHeads(l)) {
                    throw new IllegalArgumentException("layer " + l + " (" + model.kindAt(l).label()
                            + ") has no heads; choose heads of layers with attention");
                }
                float[][] m = means.layer(l);
                float[] flat = new float[m.length * means.headDim()];
                for (int h = 0; h < m.length; h++) {
                    System.arraycopy(m[h], 0, flat, h * means.headDim(), means.headDim());
                }
                NDArray meanZ = sub.create(flat, new Shape(m.length, means.headDim()));
                fv = fv.add(headsIntoResidual(meanZ, wo.toType(DataType.FLOAT32, false), here));
            }
            return fv.toFloatArray();
        });
    }

    /**
     * One layer's part of a function vector: {@code sum_{h in heads} meanZ[h] . wo[h*D:(h+1)*D, :]} for head
     * means {@code meanZ [H, D]} and the layer's output projection {@code wo [H*D, dModel]} ({@code [dModel]}).
     * A head listed twice counts twice.
     */
    public static NDArray headsIntoResidual(NDArray meanZ, NDArray wo, int... heads) {
        Shape m = meanZ.getShape();
        Shape w = wo.getShape();
        if (m.dimension() != 2 || w.dimension() != 2 || m.get(0) * m.get(1) != w.get(0)) {
            throw new IllegalArgumentException("head means must be [H, D] and W_O [H*D, dModel]; got " + m + " and "
                    + w);
        }
        int h = (int) m.get(0);
        if (heads.length == 0) {
            throw new IllegalArgumentException("name at least one head (0.." + (h - 1) + ")");
        }
        float[] count = new float[h];
        for (int x : heads) {
            if (x < 0 || x >= h) {
                throw new IllegalArgumentException("head " + x + " is outside 0.." + (h - 1));
            }
            count[x] += 1;
        }
        NDArray weights = meanZ.getManager().create(count, new Shape(h, 1)).toType(meanZ.getDataType(), false);
        NDArray picked = meanZ.mul(weights).reshape(1, m.get(0) * m.get(1));        // (1, H*D)
        return picked.matMul(wo).reshape(w.get(1));                                  // (dModel)
    }

    // ---------------------------------------------------------------- 4. adding a vector to the residual stream

    /**
     * Hooks that add {@code vector} to the residual stream entering layer {@code layer} ({@code blocks.l.resid_pre})
     * at {@code position} only (negative: from the end); the other positions are untouched.
     */
    public static Hooks addToResidual(HookedModel model, int layer, int position, float[] vector) {
        if (layer < 0 || layer >= model.layers()) {
            throw new IllegalArgumentException("layer " + layer + " is outside 0.." + (model.layers() - 1));
        }
        if (vector == null || vector.length != model.dModel()) {
            throw new IllegalArgumentException("the vector has " + (vector == null ? "no" : vector.length)
                    + " entries; the residual stream has dModel = " + model.dModel());
        }
        float[] v = vector.clone();
        return Hooks.create().add(HookName.of(layer, HookName.RESID_PRE), x -> {
            int len = (int) x.getShape().get(1);
            int d = (int) x.getShape().get(2);
            int p = resolve(position, len);
            float[] add = new float[len * d];
            System.arraycopy(v, 0, add, p * d, d);
            return x.add(x.getManager().create(add, new Shape(1, len, d)).toType(x.getDataType(), false));
        });
    }

    /**
     * Accuracy (the argmax over the vocabulary is {@code answers[b]}) and the mean probability of the answer at
     * {@code position} of {@code prompts}, run with {@code hooks} ({@link Hooks#none()} for the plain model).
     */
    public static Score score(HookedModel model, NDManager manager, int[][] prompts, int position, int[] answers,
                              Hooks hooks) {
        ProbeRun.checkTokens(prompts, "prompts");
        checkAnswers(model, prompts, answers);
        int p = resolve(position, prompts[0].length);
        LogitMetric probability = LogitMetric.probability(p, answers);
        LogitMetric accuracy = LogitMetric.accuracyAt(p, answers);
        return ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            NDArray logits = model.forward(ps, ProbeRun.tokens(sub, prompts), false,
                    hooks == null ? Hooks.none() : hooks);
            return new Score(accuracy.of(logits), probability.of(logits));
        });
    }

    // ---------------------------------------------------------------- checks

    private static int resolve(int position, int len) {
        int p = position < 0 ? len + position : position;
        if (p < 0 || p >= len) {
            throw new IllegalArgumentException("position " + position + " is outside prompts of length " + len);
        }
        return p;
    }

    private static void checkAnswers(HookedModel model, int[][] prompts, int[] answers) {
        if (answers == null || answers.length != prompts.length) {
            throw new IllegalArgumentException("need one answer per prompt: " + prompts.length + " prompts, "
                    + (answers == null ? "no" : String.valueOf(answers.length)) + " answers");
        }
        for (int a : answers) {
            if (a < 0 || a >= model.vocabSize()) {
                throw new IllegalArgumentException("answer id " + a + " is outside the vocabulary 0.."
                        + (model.vocabSize() - 1));
            }
        }
    }

    private static void checkMeans(HookedModel model, HeadMeans means) {
        if (means.layers() != model.layers() || means.heads() != model.heads()
                || means.headDim() * model.heads() != model.dModel()) {
            throw new IllegalArgumentException("head means of " + means.layers() + " layers x " + means.heads()
                    + " heads x D " + means.headDim() + " do not fit a model of " + model.layers() + " layers x "
                    + model.heads() + " heads, dModel " + model.dModel());
        }
    }
}
