package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import org.attnlab.WeightInit;

import java.util.function.Supplier;

/**
 * A token-mixing layer: reads {@code [B, L, dModel]}, returns {@code [B, L, dModel]}, causally (output i depends
 * on inputs 0..i only). Subclasses hold parameters and call {@link AttentionOps}. Letters: B batch, L length,
 * H heads, D headDim, dModel = H*D.
 *
 * <p>Hook points (local names; the model prefixes {@code blocks.N.attn.}), listed per kind by
 * {@link AttentionKind#hookNames()}; each may return a replacement:
 * <ul>
 *   <li>{@code q, k, v} {@code [B, H, L, D]} (q, k after RoPE; batch 1 when a shared Q,K source is used);
 *       PaTH's {@code w, beta}, FoX's {@code log_forget}; Sink-KV's {@code sink_weight} {@code [B, H, L]} (the weight
 *       of its sink slot);</li>
 *   <li>{@code pattern} {@code [B, H, L, L]}: the attention weights over the real tokens, for every kind with
 *       {@link AttentionKind#hasPattern()}; rows sum to what {@link AttentionKind#rowSum()} says. A hook may return a
 *       replacement: the block then computes {@code z = pattern . v} (Sink-KV adds {@code sink_weight v*}).</li>
 *   <li>{@code z} {@code [B, H, L, D]}: per-head outputs before the output projection (zero a head to ablate it).</li>
 * </ul>
 * Projections have no biases; weights are {@code [in, out]} so {@code y = x.matMul(W)}.
 */
public abstract class AttentionBlock extends AbstractBlock {

    /** Initial standard deviation of projection weights. */
    public static final float INIT_STD = 0.02f;

    protected final AttentionKind kind;
    protected final AttentionConfig config;

    protected AttentionBlock(AttentionKind kind, AttentionConfig config) {
        this.kind = kind;
        this.config = config;
        if (kind.usesRope() || (kind == AttentionKind.FOX && config.foxRope())) {
            config.requireEvenHeadDim(kind);
        }
    }

    public AttentionKind kind() {
        return kind;
    }

    public AttentionConfig config() {
        return config;
    }

    /**
     * Mixes tokens.
     *
     * @param input  the hidden state {@code [B, L, dModel]} and, for kinds that need one, the Q,K source
     * @param hooks  hook points scoped to this block (use {@link Hooks#none()} for none)
     * @return {@code [B, L, dModel]}
     */
    public final NDArray forward(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        if (input.hidden().getShape().get(2) != config.dModel()) {
            throw new IllegalArgumentException(kind.label() + " attention expects dModel=" + config.dModel()
                    + " features; got hidden " + input.hidden().getShape());
        }
        if (kind.needsQkSource() && input.qkSource() == null) {
            throw new IllegalArgumentException(kind.label() + " takes queries and keys from " + kind.qkSource()
                    + ": pass AttentionInput.of(hidden, qkSource)");
        }
        return forwardAttention(ps, input, training, hooks);
    }

    protected abstract NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training,
                                                Hooks hooks);

    /** DJL entry: {@code NDList(hidden)} -> {@code NDList(out)}; kinds that need a Q,K source use {@link #forward}. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (inputs.size() != 1 || kind.needsQkSource()) {
            throw new IllegalArgumentException(kind.label() + " attention: the NDList entry takes exactly one array "
                    + "(hidden) and only for kinds with Q,K from the hidden state; got " + inputs.size()
                    + " arrays. Use forward(ps, AttentionInput, training, hooks).");
        }
        return new NDList(forward(ps, AttentionInput.of(inputs.singletonOrThrow()), training, Hooks.none()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[]{inputShapes[0]};
    }

    /** Parameter count of standard multi-head attention of this width: {@code 4 dModel^2} (Q, K, V, O, no biases). */
    public static long standardParameterCount(int dModel) {
        return 4L * dModel * dModel;
    }

    // ---- helpers for subclasses -----------------------------------------------------------------------------

    protected final Parameter weight(String name, long rows, long cols) {
        return param(name, Parameter.Type.WEIGHT, new Shape(rows, cols), WeightInit.normal(INIT_STD));
    }

    protected final Parameter param(String name, Parameter.Type type, Shape shape, Initializer init) {
        return addParameter(Parameter.builder().setName(name).setType(type).optShape(shape)
                .optInitializer(init).build());
    }

    protected final Parameter zeros(String name, long n) {
        return param(name, Parameter.Type.BIAS, new Shape(n), new ConstantInitializer(0f));
    }

    protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return ps.getValue(p, like.getDevice(), training);
    }

    /**
     * A parameter's value in {@code type}. A converted copy is attached to {@code like}'s manager, so it is freed
     * with the step's arrays instead of piling up in the model's manager.
     */
    protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training, DataType type) {
        NDArray a = ps.getValue(p, like.getDevice(), training);
        if (a.getDataType() == type) {
            return a;
        }
        return ownedBy(a.toType(type, false), like);
    }

    /** Attaches {@code derived} (made from a parameter, so owned by the model's manager) to {@code like}'s manager. */
    protected static NDArray ownedBy(NDArray derived, NDArray like) {
        derived.attach(like.getManager());
        return derived;
    }

    /**
     * One projection into heads: {@code source W -> [B, H, L, D]} (source {@code [B|1, L, d]}: the residual stream, or
     * the Q,K source of the fixed-input variants). The weight is used in the source's dtype.
     */
    protected final NDArray project(ParameterStore ps, NDArray source, Parameter w, boolean training) {
        return splitHeads(source.matMul(value(ps, w, source, training, source.getDataType())));
    }

    /**
     * {@code [B, L, H*D] -> [B, H, L, D]}. With one head the axis swap moves no element (it swaps an axis of size
     * 1), so a reshape alone gives the same array: one op (and one autograd node) fewer.
     */
    protected final NDArray splitHeads(NDArray x) {
        Shape s = x.getShape();
        if (config.heads() == 1) {
            return x.reshape(s.get(0), 1, s.get(1), config.headDim());
        }
        return x.reshape(s.get(0), s.get(1), config.heads(), config.headDim()).transpose(0, 2, 1, 3);
    }

    /** {@code [B, H, L, D] -> [B, L, H*D]} (one head: a reshape, as in {@link #splitHeads}). */
    protected static NDArray mergeHeads(NDArray z) {
        Shape s = z.getShape();
        if (s.get(1) == 1) {
            return z.reshape(s.get(0), s.get(2), s.get(3));
        }
        return z.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /** Queries, keys and values {@code [B|1, H, L, D]} as a kind mixes them: each has passed its hook point. */
    protected record Qkv(NDArray q, NDArray k, NDArray v) {
    }

    /**
     * The opening shared by the softmax-like kinds, from the projections: q and k rotated by RoPE when {@code rope},
     * then q, k and v through their hook points, in that order.
     */
    protected final Qkv hooked(Hooks hooks, NDArray q, NDArray k, NDArray v, boolean rope) {
        NDArray qr = rope ? AttentionOps.rope(q, config.ropeBase()) : q;
        NDArray kr = rope ? AttentionOps.rope(k, config.ropeBase()) : k;
        return new Qkv(hooks.apply("q", qr), hooks.apply("k", kr), hooks.apply("v", v));
    }

    /**
     * The mixing step shared by every kind with weights: when a hook wants {@code pattern}, form the weights
     * ({@code [B or 1, H, L, L]}), broadcast them to v's batch, pass them through the hook and return
     * {@code pattern . v}; otherwise call the op ({@code fast}), which need not form them.
     */
    protected static NDArray mix(Hooks hooks, Supplier<NDArray> pattern, Supplier<NDArray> fast, NDArray v) {
        if (!hooks.wants("pattern")) {
            return fast.get();
        }
        NDArray a = pattern.get();
        Shape as = a.getShape();
        if (as.get(0) != v.getShape().get(0)) {
            a = a.broadcast(v.getShape().get(0), as.get(1), as.get(2), as.get(3));
        }
        NDArray used = hooks.apply("pattern", a);
        return used.toType(v.getDataType(), false).matMul(v);                    // (B,H,L,L) x (B,H,L,Dv)
    }

    /** {@code z} hook, heads merged, output projection: {@code [B,H,L,D] -> [B,L,dModel]}. */
    protected static NDArray output(Hooks hooks, NDArray z, NDArray wo) {
        return mergeHeads(hooks.apply("z", z)).matMul(wo);
    }

    /** SiLU: {@code x * sigmoid(x)}. */
    protected static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** {@code log sigmoid(x) = -softplus(-x)}, stable for large |x|. */
    protected static NDArray logSigmoid(NDArray x) {
        return Activation.softPlus(x.neg()).neg();
    }

    /** Half precisions widen to float32; float32 and float64 stay (PaTH keeps w, beta and gates in at least fp32). */
    protected static DataType atLeastFloat32(DataType t) {
        return t == DataType.FLOAT16 || t == DataType.BFLOAT16 ? DataType.FLOAT32 : t;
    }
}
