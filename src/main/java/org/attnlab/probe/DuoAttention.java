package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.attnlab.attention.Hooks;
import org.attnlab.data.Batch;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;

import java.util.Collection;
import java.util.Objects;

/**
 * DuoAttention (Xiao et al. 2024, arXiv 2410.10819), plainly: <b>retrieval heads</b> keep full attention, every
 * other head is a <b>streaming head</b> that sees only the first {@code sink} tokens and the {@code window} most
 * recent ones (the query included), so its key/value cache stays {@code sink + window} entries long however long the
 * input grows. Applied to any {@link HookedModel} through its {@code blocks.N.attn.pattern} hooks: in a layer with
 * streaming heads, a streaming head's weights are restricted to its view and renormalised,
 * <pre>
 *   w'[i][j] = w[i][j] m[i][j] / sum_k w[i][k] m[i][k],   m[i][j] = 1 if j &lt; sink or i - window &lt; j &lt;= i, else 0
 * </pre>
 * which is exactly the softmax over the logits of the keys in view ({@code softmax(s + log m)}), since the common
 * normaliser of the full softmax cancels. A full head's weights pass unchanged (bit for bit), and with no streaming
 * head nothing is hooked at all.
 *
 * <p>The <b>cache memory</b> ({@link #cacheBytes}) is counted from the entries each head keeps, not measured from an
 * allocated cache (the model computes the full pattern and masks it): per sequence of length L,
 * {@code sum over heads of 2 (K and V) x kept x headDim x bytesPerValue}, with {@code kept = L} for a full head and
 * {@code min(L, sink + window)} for a streaming head.
 *
 * <pre>{@code
 * DuoAttention duo = DuoAttention.of(model, 2, 8, List.of(Ablation.head(1, 3)));   // L1.H3 full, the rest streaming
 * double acc = duo.accuracy(manager, batch);
 * long bytes = duo.cacheBytes(1024, 4);
 * }</pre>
 */
public final class DuoAttention {

    private final HookedModel model;
    private final int sink;
    private final int window;
    private final boolean[][] full;          // [layer][head]

    private DuoAttention(HookedModel model, int sink, int window, boolean[][] full) {
        this.model = model;
        this.sink = sink;
        this.window = window;
        this.full = full;
    }

    /** {@code fullHeads} keep full attention; every other head of a layer with heads streams. */
    public static DuoAttention of(HookedModel model, int sink, int window, Collection<Ablation.Target> fullHeads) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(fullHeads, "fullHeads");
        if (sink < 0 || window < 1) {
            throw new IllegalArgumentException("a streaming head needs sink >= 0 tokens and window >= 1 (the query "
                    + "itself); got sink " + sink + ", window " + window);
        }
        boolean[][] full = new boolean[model.layers()][model.heads()];
        for (Ablation.Target t : fullHeads) {
            if (t.isMlp() || t.layer() >= model.layers() || t.head() >= model.heads()
                    || !model.kindAt(t.layer()).hasPattern()) {
                throw new IllegalArgumentException(t.label() + " is not a head of this model (layers 0.."
                        + (model.layers() - 1) + ", heads 0.." + (model.heads() - 1) + ", layers with attention only)");
            }
            full[t.layer()][t.head()] = true;
        }
        return new DuoAttention(model, sink, window, full);
    }

    /** Every head full: the ordinary model. */
    public static DuoAttention allFull(HookedModel model) {
        DuoAttention d = of(model, 0, 1, java.util.List.of());
        for (boolean[] row : d.full) {
            java.util.Arrays.fill(row, true);
        }
        return d;
    }

    public int sink() {
        return sink;
    }

    public int window() {
        return window;
    }

    /** True when head {@code head} of layer {@code layer} keeps full attention. */
    public boolean isFull(int layer, int head) {
        return full[layer][head];
    }

    /** How many heads stream (in layers with attention). */
    public int streamingHeads() {
        int n = 0;
        for (int l = 0; l < model.layers(); l++) {
            if (model.kindAt(l).hasPattern()) {
                for (boolean f : full[l]) {
                    n += f ? 0 : 1;
                }
            }
        }
        return n;
    }

    /** The keys query i of a streaming head sees: {@code j <= i} and ({@code j < sink} or {@code i - j < window}). */
    public static boolean inView(int i, int j, int sink, int window) {
        return j <= i && (j < sink || i - j < window);
    }

    /** Hooks that restrict the streaming heads of every layer to their view (none when every head is full). */
    public Hooks hooks() {
        Hooks hooks = Hooks.create();
        for (int l = 0; l < model.layers(); l++) {
            if (!model.kindAt(l).hasPattern()) {
                continue;
            }
            boolean[] fullHere = full[l].clone();
            boolean anyStreaming = false;
            for (boolean f : fullHere) {
                anyStreaming |= !f;
            }
            if (anyStreaming) {
                hooks.add(HookName.pattern(l), w -> restrict(w, fullHere));
            }
        }
        return hooks.isEmpty() ? Hooks.none() : hooks;
    }

    /** {@code w [B, H, L, L]} with the streaming heads' rows restricted to their view and renormalised. */
    private NDArray restrict(NDArray w, boolean[] fullHere) {
        Shape s = w.getShape();
        int heads = (int) s.get(1);
        int len = (int) s.get(2);
        float[] keep = new float[heads * len * len];
        float[] streaming = new float[heads];
        for (int h = 0; h < heads; h++) {
            streaming[h] = fullHere[h] ? 0f : 1f;
            for (int i = 0; i < len; i++) {
                for (int j = 0; j < len; j++) {
                    keep[(h * len + i) * len + j] = fullHere[h] || inView(i, j, sink, window) ? 1f : 0f;
                }
            }
        }
        NDManager m = w.getManager();
        NDArray k = m.create(keep, new Shape(1, heads, len, len)).toType(w.getDataType(), false);
        NDArray st = m.create(streaming, new Shape(1, heads, 1, 1)).toType(w.getDataType(), false);
        NDArray kept = w.mul(k);                                                   // (B,H,L,L)
        // a streaming row is divided by its kept mass; a full row by exactly 1 (sum * 0 + 1)
        NDArray denom = kept.sum(new int[] {3}, true).mul(st).add(st.neg().add(1));  // (B,H,L,1)
        return kept.div(denom);
    }

    /** Logits {@code [B, L, V]} of the model under these hooks (inference). */
    public NDArray logits(ai.djl.training.ParameterStore ps, NDArray tokens) {
        return model.forward(ps, tokens, false, hooks());
    }

    /** The masked next-token accuracy of {@code batch} ({@link LogitMetric#accuracy}) under these hooks. */
    public double accuracy(NDManager manager, Batch batch) {
        LogitMetric acc = LogitMetric.accuracy(batch);
        return ProbeRun.inSubManager(model, manager, (sub, ps) ->
                acc.of(logits(ps, ProbeRun.tokens(sub, batch.inputs()))));
    }

    /** The K/V entries (positions) head {@code head} of layer {@code layer} holds after reading {@code length} tokens. */
    public int keptEntries(int layer, int head, int length) {
        if (length < 1) {
            throw new IllegalArgumentException("length must be >= 1, got " + length);
        }
        if (!model.kindAt(layer).hasPattern()) {
            return 0;
        }
        return full[layer][head] ? length : Math.min(length, sink + window);
    }

    /**
     * Bytes of K and V one sequence of {@code length} tokens holds, counted from the entries each head keeps:
     * {@code sum_{layers, heads} 2 x kept x headDim x bytesPerValue} (4 for float32).
     */
    public long cacheBytes(int length, int bytesPerValue) {
        if (bytesPerValue < 1) {
            throw new IllegalArgumentException("bytesPerValue must be >= 1 (4 for float32), got " + bytesPerValue);
        }
        long entries = 0;
        for (int l = 0; l < model.layers(); l++) {
            for (int h = 0; h < model.heads(); h++) {
                entries += keptEntries(l, h, length);
            }
        }
        return 2L * entries * model.config().headDim() * bytesPerValue;
    }
}
