package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnlab.attention.AttentionBlock;
import org.attnlab.attention.AttentionConfig;
import org.attnlab.attention.AttentionInput;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.attnlab.attention.GeluMlp;
import org.attnlab.attention.Mlp;
import org.attnlab.attention.SwiGLU;

/**
 * One pre-norm layer, as in LLaMA/Qwen:
 * <pre>
 *   x = x + attn(norm1(x))      // attn reads Q,K from norm1(qkResidual) for the kinds that take them elsewhere
 *   x = x + mlp(norm2(x))
 * </pre>
 * Hook points (local names; the model prefixes {@code blocks.N.}): {@code resid_pre}, {@code attn.X} for X in
 * {@link AttentionKind#hookNames()}, {@code attn_out}, {@code resid_mid}, {@code mlp_out}, {@code resid_post}, all
 * {@code [B,L,dModel]} except the attention ones (see {@link AttentionBlock}).
 * Options ({@link ModelConfig}): a GELU MLP, LayerNorm, and the iteration-heads paper's form that normalises the
 * stream itself ({@code x = norm1(x)} before {@code x = x + attn(x)}); with that form {@code resid_mid} is
 * {@code norm1(resid_pre) + attn_out}, not {@code resid_pre + attn_out}.
 */
public final class TransformerBlock extends AbstractBlock {

    private final RMSNorm attentionNorm;
    private final AttentionBlock attention;
    private final RMSNorm mlpNorm;
    private final boolean normalizedResidual;
    private final Mlp mlp;

    public TransformerBlock(AttentionKind kind, AttentionConfig config, int mlpWidth, float normEps) {
        this(kind, config, mlpWidth, normEps, false, false, false);
    }

    /**
     * With {@code geluMlp}, the MLP is GPT-2's ({@link GeluMlp}) instead of SwiGLU; with {@code layerNorm} both norms
     * are LayerNorm without a bias; with {@code normalizedResidual} the layer normalises the residual stream itself
     * before attention: {@code x = norm1(x); x = x + attn(x); x = x + mlp(norm2(x))} (the iteration-heads paper's
     * code), so {@code resid_pre} is the stream before that norm.
     */
    public TransformerBlock(AttentionKind kind, AttentionConfig config, int mlpWidth, float normEps,
                            boolean geluMlp, boolean layerNorm, boolean normalizedResidual) {
        this.normalizedResidual = normalizedResidual;
        attentionNorm = addChildBlock("attn_norm", new RMSNorm(config.dModel(), normEps, layerNorm));
        attention = addChildBlock("attn", kind.newBlock(config));
        mlpNorm = addChildBlock("mlp_norm", new RMSNorm(config.dModel(), normEps, layerNorm));
        mlp = addChildBlock("mlp", geluMlp ? new GeluMlp(config.dModel(), mlpWidth)
                : new SwiGLU(config.dModel(), mlpWidth));
    }

    /**
     * One layer.
     *
     * @param x          residual stream {@code [B, L, dModel]}
     * @param qkResidual for kinds that take Q,K elsewhere, the residual stream to take them from
     *                   ({@code [B or 1, L, dModel]}, normalised here by this layer's attention norm); null for the
     *                   others. Passing {@code x} itself makes the layer act as standard attention.
     * @param hooks      scoped to this layer ({@code blocks.N})
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray qkResidual, boolean training, Hooks hooks) {
        if (hooks.active()) {
            return layer(ps, x, qkResidual, training, hooks);
        }
        // Without hooks, the layer's intermediates live in a sub-manager closed as soon as its output is handed on,
        // so memory is reused op after op (autograd keeps its own references to what backward needs).
        NDManager outer = x.getManager();
        try (NDManager scope = outer.newSubManager()) {
            x.tempAttach(scope);
            if (qkResidual != null && qkResidual != x && qkResidual.getManager() == outer) {
                qkResidual.tempAttach(scope);
            }
            NDArray out = layer(ps, x, qkResidual, training, hooks);
            out.attach(outer);
            return out;
        }
    }

    private NDArray layer(ParameterStore ps, NDArray x, NDArray qkResidual, boolean training, Hooks hooks) {
        x = hooks.apply(HookName.RESID_PRE, x);
        NDArray h = attentionNorm.forward(ps, x, training);
        NDArray qk = qkResidual == null ? null
                : qkResidual == x ? h : attentionNorm.forward(ps, qkResidual, training);
        NDArray a = attention.forward(ps, new AttentionInput(h, qk), training, hooks.scope(HookName.ATTN));
        if (normalizedResidual) {
            x = h;
        }
        x = x.add(hooks.apply(HookName.ATTN_OUT, a));
        x = hooks.apply(HookName.RESID_MID, x);
        NDArray m = mlp.forward(ps, mlpNorm.forward(ps, x, training), training);
        x = x.add(hooks.apply(HookName.MLP_OUT, m));
        return hooks.apply(HookName.RESID_POST, x);
    }

    public AttentionKind kind() {
        return attention.kind();
    }

    public AttentionBlock attention() {
        return attention;
    }

    public RMSNorm attentionNorm() {
        return attentionNorm;
    }

    public RMSNorm mlpNorm() {
        return mlpNorm;
    }

    public Mlp mlp() {
        return mlp;
    }

    /** DJL entry {@code NDList(x) -> NDList(x')}, for kinds with Q,K from the hidden state. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), null, training, Hooks.none()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[]{inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        attentionNorm.initialize(manager, dataType, inputShapes);
        attention.initialize(manager, dataType, inputShapes);
        mlpNorm.initialize(manager, dataType, inputShapes);
        mlp.initialize(manager, dataType, inputShapes);
    }
}
