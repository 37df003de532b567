package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import org.attnlab.attention.AttentionOps;
import org.attnlab.attention.Hooks;
import org.attnlab.model.HookName;
import org.attnlab.model.HookedModel;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores text token by token through a bounded key/value cache, as StreamingLLM does (Xiao et al. ICLR 2024,
 * arXiv 2309.17453): the cache keeps the keys and values of the first {@code sinks} tokens and of the most recent
 * ones, at most {@code sinks + window} in all (the current token included); older tokens are evicted. Keys are
 * kept un-rotated and each is rotated (RoPE) by its place <b>in the cache</b>, not in the text, so positions never
 * pass the cache size. {@code sinks = 0} is plain "window attention", which the paper shows fails as soon as the
 * first token is evicted; {@code sinks = 4} is StreamingLLM.
 *
 * <p>How, plainly: to read token t the model runs on the ids of the cached tokens followed by t, with a hook on every
 * layer's {@code k} and {@code v} that puts the cached (stored) keys and values in front of t's own, so the last
 * position computes exactly what a cached decoding step computes; what the model computed at the earlier positions
 * is thrown away. Costs one forward pass of the cache's length per token (a real cache costs one position); it
 * works for any {@link HookedModel} whose attention fires {@code k} and {@code v} hooks.
 *
 * <pre>{@code
 * double[][] nll = StreamingScorer.nll(model, manager, tokens, StreamingScorer.Cache.of(4, 60));   // [B][L-1]
 * }</pre>
 */
public final class StreamingScorer {

    /**
     * Which tokens the cache keeps.
     *
     * @param sinks  the first tokens, never evicted (0 for window attention)
     * @param window the most recent tokens, the current one included (at least 1)
     */
    public record Cache(int sinks, int window) {
        public Cache {
            if (sinks < 0) {
                throw new IllegalArgumentException("sinks must be >= 0 (0 keeps no first token); got sinks=" + sinks);
            }
            if (window < 1) {
                throw new IllegalArgumentException("window must be >= 1 (it holds the current token); got window="
                        + window);
            }
        }

        public static Cache of(int sinks, int window) {
            return new Cache(sinks, window);
        }

        /** The most tokens one query sees: {@code sinks + window}. */
        public int capacity() {
            return sinks + window;
        }

        /**
         * The text positions the query at position {@code t} sees through this cache, in cache order: the first
         * {@code sinks} and the last {@code window} up to t itself, {@code {j <= t : j < sinks or j > t - window}}.
         */
        public int[] sees(int t) {
            if (t < 0) {
                throw new IllegalArgumentException("t must be a position >= 0; got t=" + t);
            }
            return java.util.stream.IntStream.rangeClosed(0, t).filter(j -> j < sinks || j > t - window).toArray();
        }

        /** {@code "4 + 60"}. */
        public String label() {
            return sinks + " + " + window;
        }
    }

    private StreamingScorer() {
    }

    /**
     * The next-token loss (nats) at every input position through the cache: {@code nll[b][t] = -ln p(tokens[b][t+1] |
     * what the cache holds after reading tokens[b][0..t])}, {@code [B][L-1]}. A cache at least as long as the text
     * evicts nothing and gives the ordinary full-context loss.
     */
    public static double[][] nll(HookedModel model, NDManager manager, int[][] tokens, Cache cache) {
        ProbeRun.checkTokens(tokens, "tokens");
        if (cache == null) {
            throw new IllegalArgumentException("cache is null; e.g. StreamingScorer.Cache.of(4, 60)");
        }
        int b = tokens.length;
        int len = tokens[0].length;
        if (len < 2) {
            throw new IllegalArgumentException("tokens need at least 2 positions to score one; got " + len);
        }
        if (cache.capacity() < 2) {
            throw new IllegalArgumentException("the cache must hold at least 2 tokens (sinks + window >= 2); got "
                    + cache.label());
        }
        if (model.registers() > 0) {
            throw new IllegalArgumentException("the model has " + model.registers() + " register tokens, whose keys and "
                    + "values come first in every layer; this scorer caches token keys only (a model with registers=0)");
        }
        for (int l = 0; l < model.layers(); l++) {
            List<String> names = model.kindAt(l).hookNames();
            if (!names.contains(HookName.K) || !names.contains(HookName.V)) {
                throw new IllegalArgumentException("layer " + l + " (" + model.kindAt(l).label() + ") fires no k and v "
                        + "hooks, so its keys and values cannot be cached here; its hooks: " + names);
            }
        }
        return ProbeRun.inSubManager(model, manager, (sub, ps) -> {
            double[][] out = new double[b][len - 1];
            int layers = model.layers();
            NDArray[] keys = new NDArray[layers];          // un-rotated keys of the cached tokens, [B, H, n, D]
            NDArray[] values = new NDArray[layers];        // [B, H, n, D]
            List<Integer> kept = new ArrayList<>();        // text positions of the cached tokens, in cache order
            float base = model.config().ropeBase();
            for (int t = 0; t + 1 < len; t++) {
                int n = kept.size();
                int[][] ids = new int[b][n + 1];
                for (int r = 0; r < b; r++) {
                    for (int i = 0; i < n; i++) {
                        ids[r][i] = tokens[r][kept.get(i)];
                    }
                    ids[r][n] = tokens[r][t];
                }
                NDArray[] newKeys = new NDArray[layers];
                NDArray[] newValues = new NDArray[layers];
                try (NDManager step = sub.newSubManager()) {
                    Hooks hooks = Hooks.create();
                    for (int l = 0; l < layers; l++) {
                        final int layer = l;
                        boolean rope = model.kindAt(l).usesRope();
                        hooks.add(HookName.attn(l, HookName.K), k -> {
                            NDArray own = k.get(new NDIndex("..., {}:, :", n));              // [B,H,1,D], at position n
                            newKeys[layer] = rope ? AttentionOps.rope(own, base, -n) : own;  // rotated back to 0
                            if (n == 0) {
                                return k;
                            }
                            NDArray stored = rope ? AttentionOps.rope(keys[layer], base, 0) : keys[layer];
                            return stored.toType(k.getDataType(), false).concat(own, 2);
                        });
                        hooks.add(HookName.attn(l, HookName.V), v -> {
                            NDArray own = v.get(new NDIndex("..., {}:, :", n));
                            newValues[layer] = own;
                            return n == 0 ? v : values[layer].toType(v.getDataType(), false).concat(own, 2);
                        });
                    }
                    NDArray input = ProbeRun.tokens(step, ids);
                    NDArray logits = model.forward(ps, input, false, hooks);                // [B, n+1, V]
                    NDArray last = logits.get(new NDIndex(":, {}, :", n)).logSoftmax(-1);    // [B, V]
                    int[] next = new int[b];
                    for (int r = 0; r < b; r++) {
                        next[r] = tokens[r][t + 1];
                    }
                    NDArray target = step.create(next).toType(DataType.INT64, false).reshape(b, 1);
                    float[] lp = last.toType(DataType.FLOAT32, false).gather(target, 1).toFloatArray();
                    for (int r = 0; r < b; r++) {
                        out[r][t] = -lp[r];
                    }
                    // the cache after reading t: append t, then evict the oldest non-sink token when over capacity
                    boolean evict = n + 1 > cache.capacity() - 1;
                    for (int l = 0; l < layers; l++) {
                        NDArray k = n == 0 ? newKeys[l] : keys[l].concat(newKeys[l], 2);
                        NDArray v = n == 0 ? newValues[l] : values[l].concat(newValues[l], 2);
                        if (evict) {
                            k = dropAt(k, cache.sinks());
                            v = dropAt(v, cache.sinks());
                        }
                        k.attach(sub);
                        v.attach(sub);
                        if (keys[l] != null) {
                            keys[l].close();
                            values[l].close();
                        }
                        keys[l] = k;
                        values[l] = v;
                    }
                }
                kept.add(t);
                if (kept.size() > cache.capacity() - 1) {
                    kept.remove(cache.sinks());
                }
            }
            return out;
        });
    }

    /** Mean of {@link #nll} over the rows, per position: {@code [L-1]}. */
    public static double[] meanNll(HookedModel model, NDManager manager, int[][] tokens, Cache cache) {
        double[][] nll = nll(model, manager, tokens, cache);
        double[] mean = new double[nll[0].length];
        for (double[] row : nll) {
            for (int t = 0; t < row.length; t++) {
                mean[t] += row[t] / nll.length;
            }
        }
        return mean;
    }

    /** {@code x} without index {@code i} of axis 2. */
    private static NDArray dropAt(NDArray x, int i) {
        long n = x.getShape().get(2);
        NDList parts = new NDList();
        if (i > 0) {
            parts.add(x.get(new NDIndex("..., :{}, :", i)));
        }
        if (i + 1 < n) {
            parts.add(x.get(new NDIndex("..., {}:, :", i + 1)));
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 2);
    }
}
