package org.attnlab.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.attnlab.WeightInit;

/**
 * PaTH attention (and PaTH-FoX): logit {@code q_i^T H_i H_{i-1} .. H_{j+1} k_j / sqrt(D)} with
 * {@code H_t = I - beta_t w_t w_t^T}, no RoPE. Per token and head, following the paper (and fla's layer):
 * <ul>
 *   <li>{@code w_t = L2norm_head(SiLU(conv3(x W_down W_up)))}: a rank-{@code pathRank} linear map, a causal
 *       depthwise convolution of width 3 over time ({@code c_t = W0 u_{t-2} + W1 u_{t-1} + W2 u_t} per
 *       channel), SiLU, then unit norm per head;</li>
 *   <li>{@code beta_t = 2 sigmoid(x_t . u_beta + b_beta)} in (0, 2) (negative eigenvalues allowed);</li>
 *   <li>PaTH-FoX adds FoX's gate {@code log f_t = logsigmoid(x_t . u_f + b_f)}.</li>
 * </ul>
 * w, beta and the gate (and, under half precision, the whole attention) are computed in at least fp32.
 * Up to {@link AttentionConfig#pathChunkSize()} tokens the dense {@link AttentionOps#path} runs, beyond it the
 * blockwise {@link AttentionOps#pathChunked}.
 * Parameters {@code wq, wk, wv, wo [dModel, dModel]}, {@code w_down [dModel, r]}, {@code w_up [r, dModel]},
 * {@code w_conv [dModel, 3]}, {@code beta_proj [dModel, H]}, {@code beta_bias [H]}, and for PaTH-FoX
 * {@code forget_proj [dModel, H]}, {@code forget_bias [H]}.
 */
public final class PathAttention extends AttentionBlock {

    /** Width of the causal convolution on w. */
    public static final int CONV_WIDTH = 3;

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;
    private final Parameter wDown;
    private final Parameter wUp;
    private final Parameter wConv;
    private final Parameter betaProj;
    private final Parameter betaBias;
    private final Parameter forgetProj;
    private final Parameter forgetBias;

    public PathAttention(AttentionKind kind, AttentionConfig config) {
        super(kind, config);
        if (kind != AttentionKind.PATH && kind != AttentionKind.PATH_FOX) {
            throw new IllegalArgumentException("PathAttention is PATH or PATH_FOX; got " + kind);
        }
        int d = config.dModel();
        int h = config.heads();
        wq = weight("wq", d, d);
        wk = weight("wk", d, d);
        wv = weight("wv", d, d);
        wo = weight("wo", d, d);
        wDown = weight("w_down", d, config.pathRank());
        wUp = weight("w_up", config.pathRank(), d);
        // PyTorch's Conv1d default for fan-in 3: U(-1/sqrt(3), 1/sqrt(3))
        wConv = param("w_conv", Parameter.Type.WEIGHT, new Shape(d, CONV_WIDTH),
                WeightInit.uniform((float) (1.0 / Math.sqrt(CONV_WIDTH))));
        betaProj = weight("beta_proj", d, h);
        betaBias = zeros("beta_bias", h);
        if (kind == AttentionKind.PATH_FOX) {
            forgetProj = weight("forget_proj", d, h);
            forgetBias = zeros("forget_bias", h);
        } else {
            forgetProj = null;
            forgetBias = null;
        }
    }

    @Override
    protected NDArray forwardAttention(ParameterStore ps, AttentionInput input, boolean training, Hooks hooks) {
        NDArray x0 = input.hidden();
        DataType ct = atLeastFloat32(x0.getDataType());
        NDArray x = x0.toType(ct, false);
        long len = x.getShape().get(1);
        NDArray q = hooks.apply("q", project(ps, x, wq, training)); // (B,H,L,D)
        NDArray k = hooks.apply("k", project(ps, x, wk, training));
        NDArray v = hooks.apply("v", project(ps, x, wv, training));

        NDArray u = x.matMul(p(ps, wDown, x, training)).matMul(p(ps, wUp, x, training)); // (B,L,dModel)
        NDArray w = splitHeads(silu(causalConv(u, p(ps, wConv, x, training))));
        NDArray wUnit = hooks.apply("w", w.div(w.mul(w).sum(new int[]{-1}, true).add(1e-6).sqrt())); // unit norm per head

        NDArray beta = hooks.apply("beta", AttentionOps.times(Activation.sigmoid(x.matMul(p(ps, betaProj, x, training))
                .add(p(ps, betaBias, x, training))), 2).transpose(0, 2, 1));     // (B,H,L) in (0,2)
        NDArray logForget = forgetProj == null ? null
                : hooks.apply("log_forget", logSigmoid(x.matMul(p(ps, forgetProj, x, training))
                .add(p(ps, forgetBias, x, training))).transpose(0, 2, 1));         // (B,H,L)

        float scale = config.scale();
        int chunk = config.pathChunkSize();
        NDArray z = mix(hooks, () -> AttentionOps.pathWeights(q, k, wUnit, beta, logForget, scale),
                () -> len <= chunk
                        ? AttentionOps.path(q, k, v, wUnit, beta, logForget, scale)
                        : AttentionOps.pathChunked(q, k, v, wUnit, beta, logForget, scale, chunk), v);
        NDArray out = output(hooks, z, p(ps, wo, x, training));
        return out.toType(x0.getDataType(), false);
    }

    private static NDArray p(ParameterStore ps, Parameter param, NDArray x, boolean training) {
        return value(ps, param, x, training, x.getDataType());
    }

    /**
     * Causal depthwise convolution over time: {@code c_t = sum_{m=0..2} W[:, m] * u_{t-2+m}} (zeros before t=0).
     *
     * @param u      {@code [B, L, C]}
     * @param kernel {@code [C, 3]}
     */
    static NDArray causalConv(NDArray u, NDArray kernel) {
        Shape s = u.getShape();
        long len = s.get(1);
        int width = (int) kernel.getShape().get(1);
        NDArray padded = u.getManager().zeros(new Shape(s.get(0), width - 1, s.get(2)), u.getDataType())
                .concat(u, 1);                                                    // (B, L+2, C)
        NDArray taps = ownedBy(kernel.transpose(1, 0), u);                       // (3, C): row m is tap m
        NDArray out = null;
        for (int m = 0; m < width; m++) {
            // no trailing ":" and a row of taps: every index position is one more op
            NDArray term = padded.get(new NDIndex(":, {}:{}", m, m + len)).mul(taps.get(m)); // (B,L,C) * (C)
            out = out == null ? term : out.add(term);
        }
        return out;
    }
}
