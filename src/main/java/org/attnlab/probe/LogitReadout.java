package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;

import java.util.Map;

/**
 * The map from a residual-stream direction to the logits with the final norm's scale frozen at one run's value,
 * the usual approximation of direct logit attribution. The final norm computes {@code ln = x * g / rms(x)}; with
 * {@code s = 1/rms(x)} recorded per (sequence, position) the map {@code y -> y * g * s} is linear, so the
 * residual stream's parts (embedding, heads, MLPs) map to parts of {@code ln} that sum to it exactly.
 *
 * <p>{@code s} is read back from the run itself: since {@code ln = s (x * g)} exactly,
 * {@code s = <ln, x*g> / <x*g, x*g>} (no need to know the norm's epsilon).
 */
final class LogitReadout {

    private final NDArray gain;   // (d)
    private final NDArray scale;  // (B,L,1)

    private LogitReadout(NDArray gain, NDArray scale) {
        this.gain = gain;
        this.scale = scale;
    }

    /** The hook name of the residual stream the final norm reads: the last layer's resid_post (or embed). */
    static String finalResidualName(HookedModel model) {
        return model.layers() == 0 ? HookName.EMBED : HookName.of(model.layers() - 1, HookName.RESID_POST);
    }

    /** From a cache holding {@link #finalResidualName} and {@code ln_final}. */
    static LogitReadout of(HookedModel model, ParameterStore ps, Map<String, NDArray> cache) {
        NDArray x = require(cache, finalResidualName(model));
        NDArray ln = require(cache, HookName.LN_FINAL);
        Parameter g = model.finalNorm().getParameters().get("gain");
        if (g == null) {
            throw new IllegalStateException("the final norm has no 'gain' parameter; parameters: "
                    + model.finalNorm().getParameters().keys());
        }
        NDArray gain = ps.getValue(g, x.getDevice(), false).toType(x.getDataType(), false);
        NDArray xg = x.mul(gain);                                                   // (B,L,d)
        NDArray scale = ln.mul(xg).sum(new int[]{-1}, true).div(xg.mul(xg).sum(new int[]{-1}, true)); // (B,L,1)
        return new LogitReadout(gain, scale);
    }

    /** {@code s}, the frozen {@code 1/rms}: {@code [B, L, 1]}. */
    NDArray scale() {
        return scale;
    }

    /** {@code g * s[:, p]}: what the norm multiplies the stream by at position p, {@code [B, d]}. */
    NDArray factorAt(int p) {
        NDArray s = scale.get(new NDIndex(":, {}, :", p));                      // (B,1)
        return s.mul(gain);                                                      // (B,1)*(d) -> (B,d)
    }

    /** {@code y * g * s} for a residual-stream part {@code y [..., B, L, d]}. */
    NDArray throughNorm(NDArray y) {
        return y.mul(gain).mul(scale);
    }

    private static NDArray require(Map<String, NDArray> cache, String name) {
        NDArray a = cache.get(name);
        if (a == null) {
            throw new IllegalStateException("the run recorded no '" + name + "'; recorded: " + cache.keySet());
        }
        return a;
    }
}
