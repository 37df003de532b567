package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;
import tech.tablesaw.api.Table;

import java.util.Map;
import java.util.function.Predicate;

/**
 * Direct logit attribution: how much each component writes the correct token's logit straight into the residual
 * stream. The stream the final norm reads is a sum of parts,
 * <pre>
 *   x = embed + sum_l ( sum_h z_{l,h} W_O[l,h] + mlp_l )          (W_O[l,h] = rows h*D..(h+1)*D of W_O, no bias)
 * </pre>
 * and the logit of token t is {@code (x * g * s) . W_U[t]} with the final norm's gain g and scale {@code s =
 * 1/rms(x)}. <b>Freezing s at this run's value</b> (the usual approximation: the norm is then linear) splits the
 * logit into one term per part:
 * <pre>
 *   attribution(part) = mean_b (part_b[p] * g * s_b[p]) . u_b
 *   u_b = W_U[correct_b]            (or W_U[correct_b] - W_U[wrong_b] for a logit difference)
 * </pre>
 * at position p. The terms sum to the model's logit (difference) exactly, up to float rounding, because s is the
 * one the run used (read back from the recorded {@code ln_final}). What the approximation leaves out is the
 * indirect effect: a head whose output changes the norm's scale, or what later layers read from it.
 *
 * <p>The embedding term is what enters layer 0 ({@code blocks.0.resid_pre}, so learned positions added there are
 * part of it). A layer whose kind has no heads (MLP in place of attention) contributes one term for its whole
 * attention slot ({@code attn_out}). The table ({@link ProbeTable#components}) has a row per part with metric
 * {@value #ATTRIBUTION}, in residual order (embed, then per layer its heads and its MLP), and one row
 * {@code component = logit} with metric {@value #MODEL_LOGIT}: the model's own (mean) logit, which the
 * attributions sum to.
 *
 * <pre>{@code
 * Table dla = DirectLogitAttribution.measure(model, manager, tokens, -1, answers);   // at the last position
 * }</pre>
 */
public final class DirectLogitAttribution {

    public static final String ATTRIBUTION = "logit_attribution";
    public static final String MODEL_LOGIT = "model_logit";
    public static final String EMBED = "embed";
    public static final String LOGIT = "logit";

    /** If the parts miss more than this fraction of the residual stream's norm, the model adds something unhooked. */
    static final double MAX_UNEXPLAINED = 1e-3;

    private DirectLogitAttribution() {
    }

    /** Attribution of {@code logit[b, position, correct_b]} (negative positions count from the end). */
    public static Table measure(HookedModel model, NDManager manager, int[][] tokens, int position, int[] correct) {
        return run(model, manager, tokens, position, correct, null);
    }

    /** Attribution of the logit difference {@code logit[b, p, correct_b] - logit[b, p, wrong_b]}. */
    public static Table measureDifference(HookedModel model, NDManager manager, int[][] tokens, int position,
                                          int[] correct, int[] wrong) {
        if (wrong == null || correct == null || wrong.length != correct.length) {
            throw new IllegalArgumentException("one wrong token per sequence: got " + (wrong == null ? "null"
                    : wrong.length) + " for " + (correct == null ? "null" : correct.length) + " correct ones");
        }
        return run(model, manager, tokens, position, correct, wrong);
    }

    private static Table run(HookedModel model, NDManager manager, int[][] tokens, int position, int[] correct,
                             int[] wrong) {
        ProbeRun.checkTokens(tokens, "tokens");
        int len = tokens[0].length;
        int p = position < 0 ? len + position : position;
        if (p < 0 || p >= len) {
            throw new IllegalArgumentException("position " + position + " is outside a sequence of length " + len);
        }
        if (correct == null || correct.length != tokens.length) {
            throw new IllegalArgumentException("one correct token per sequence: got " + (correct == null ? "null"
                    : correct.length) + " for " + tokens.length + " sequences");
        }
        checkIds(correct, model.vocabSize());
        if (wrong != null) {
            checkIds(wrong, model.vocabSize());
        }
        String first = model.layers() == 0 ? HookName.EMBED : HookName.of(0, HookName.RESID_PRE);
        String last = LogitReadout.finalResidualName(model);
        Predicate<String> wanted = n -> n.equals(first) || n.equals(last) || n.equals(HookName.LN_FINAL)
                || HookName.parse(n).map(q -> q.component().equals(HookName.MLP_OUT)
                || q.component().equals(HookName.ATTN_OUT) || q.component().equals(HookName.ATTN + "." + HookName.Z))
                .orElse(false);
        return ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            Map<String, NDArray> cache = model.runWithCache(ps, ProbeRun.tokens(sub, tokens), wanted);
            LogitReadout readout = LogitReadout.of(model, ps, cache);
            NDArray wu = model.unembedding(ps);                                        // (V,d)
            NDArray u = rows(sub, wu, correct);                                          // (B,d)
            if (wrong != null) {
                u = u.sub(rows(sub, wu, wrong));
            }
            NDArray uScaled = u.mul(readout.factorAt(p)).toType(DataType.FLOAT64, false);   // (B,d): u * g * s

            Table t = ProbeTable.components("direct logit attribution");
            NDArray explained = atPosition(cache.get(first), p);                         // (B,1,d)
            add(t, EMBED, ProbeTable.NONE, ProbeTable.NONE, attribution(explained.squeeze(1), uScaled));
            for (int l = 0; l < model.layers(); l++) {
                NDArray z = cache.get(HookName.z(l));
                NDArray wo = model.outputProjection(ps, l);
                if (z != null && wo != null) {
                    int heads = (int) z.getShape().get(1);
                    int hd = (int) z.getShape().get(3);
                    NDArray zp = z.get(new NDIndex(":, :, {}, :", p)).transpose(1, 0, 2);  // (H,B,D)
                    NDArray out = zp.matMul(wo.reshape(heads, hd, model.dModel())
                            .toType(zp.getDataType(), false));                          // (H,B,D)x(H,D,d) -> (H,B,d)
                    for (int h = 0; h < heads; h++) {
                        add(t, ProbeTable.headName(l, h), l, h, attribution(out.get(h), uScaled));
                    }
                    explained = explained.add(out.sum(new int[]{0}).expandDims(1));
                } else {
                    NDArray a = cache.get(HookName.of(l, HookName.ATTN_OUT));
                    if (a != null) {
                        NDArray ap = atPosition(a, p);
                        add(t, "L" + l + ".attn", l, ProbeTable.NONE, attribution(ap.squeeze(1), uScaled));
                        explained = explained.add(ap);
                    }
                }
                NDArray m = cache.get(HookName.of(l, HookName.MLP_OUT));
                if (m == null) {
                    throw new IllegalStateException("the model fired no " + HookName.of(l, HookName.MLP_OUT)
                            + "; its hook names: " + model.hookNames());
                }
                NDArray mp = atPosition(m, p);
                add(t, "L" + l + ".mlp", l, ProbeTable.NONE, attribution(mp.squeeze(1), uScaled));
                explained = explained.add(mp);
            }
            NDArray x = atPosition(cache.get(last), p);
            double missing = ProbeRun.scalar(x.sub(explained).norm()) / Math.max(1e-12, ProbeRun.scalar(x.norm()));
            if (missing > MAX_UNEXPLAINED) {
                throw new IllegalStateException("the hooked parts (embed, heads, MLPs) miss " + missing + " of the "
                        + "residual stream's norm at position " + p + ": this model adds something outside its hooks");
            }
            NDArray logits = cache.get("logits");
            double logit = (wrong == null ? LogitMetric.logit(position, correct)
                    : LogitMetric.logitDifference(position, correct, wrong)).of(logits);
            ProbeTable.addComponent(t, LOGIT, ProbeTable.NONE, ProbeTable.NONE, MODEL_LOGIT, logit);
            return t;
        });
    }

    /** {@code mean_b part_b . uScaled_b} for {@code part [B, d]}. */
    private static double attribution(NDArray part, NDArray uScaled) {
        return ProbeRun.scalar(part.toType(DataType.FLOAT64, false).mul(uScaled).sum(new int[]{1}).mean());
    }

    private static void add(Table t, String component, int layer, int head, double value) {
        ProbeTable.addComponent(t, component, layer, head, ATTRIBUTION, value);
    }

    /** {@code a[:, p:p+1, :]}: {@code [B, 1, d]}. */
    private static NDArray atPosition(NDArray a, int p) {
        return a.get(new NDIndex(":, {}:{}, :", p, p + 1));
    }

    /** {@code W_U[ids[b]]}: {@code [B, d]}. */
    private static NDArray rows(NDManager manager, NDArray wu, int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return Embedding.embedding(manager.create(l), wu, SparseFormat.DENSE).singletonOrThrow();
    }

    private static void checkIds(int[] ids, int vocab) {
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (vocab - 1));
            }
        }
    }
}
