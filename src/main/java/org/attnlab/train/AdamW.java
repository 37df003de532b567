package org.attnlab.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), updating the parameters' arrays in place. For each
 * parameter {@code p} with gradient {@code g}, at update {@code t = 1, 2, ...} with rate {@code lr}:
 * <pre>
 *   m = b1 m + (1 - b1) g
 *   v = b2 v + (1 - b2) g^2
 *   p = p - lr * wd * p                                   (only where the {@link DecayRule} says so)
 *   p = p - (lr / (1 - b1^t)) * m / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 * then the gradient is dropped ({@link ThreadGradients#setToNone}, as PyTorch's default
 * {@code zero_grad(set_to_none=True)}): libtorch accumulates gradients, and the next backward pass hands each
 * parameter its new one as it is, with no zeros to write and no addition into them.
 * The moments {@code m, v} and the count {@code t} are this object's own NDArrays and number, so a checkpoint
 * ({@link Checkpoint}) stores and restores them bit for bit.
 *
 * <p>The moments of all parameters of one data type and device live in one flat buffer each, so the moment math
 * of an update costs a fixed number of ops (see {@link #update(double, float)}); {@link #firstMoment} and
 * {@link #secondMoment} are views into them. For float32 on the CPU the whole update runs instead as one Java loop
 * over the arrays' memory ({@link #hostUpdate}): the same float arithmetic in the same order, in one pass over each
 * array where libtorch's ops (DJL exposes no fused {@code lerp_}, {@code addcmul_} or {@code addcdiv_}) make about
 * fifteen. Its square root is correctly rounded, where ATen's CPU {@code sqrt} (MKL's VML) is off by one unit in the
 * last place for some inputs, so m and v are bit for bit the libtorch path's and a parameter can differ in its last
 * bits.
 *
 * <p>Memory: every temporary of an update lives in a sub-manager closed before {@link #update} returns.
 */
public final class AdamW implements AutoCloseable {

    /** Which parameters get weight decay, from the parameter's name and shape. */
    @FunctionalInterface
    public interface DecayRule {
        boolean decays(String name, Shape shape);

        /** Decay everything. */
        DecayRule ALL = (name, shape) -> true;

        /** Decay nothing (plain Adam). */
        DecayRule NONE = (name, shape) -> false;

        /**
         * The default (as in nanoGPT and most LLM recipes): decay weight matrices; no decay on anything with
         * fewer than two dimensions (biases, norm gains) nor on names that contain {@code norm} or
         * {@code embed}, or end in {@code bias}, {@code gamma}, {@code beta} (case-insensitive).
         */
        DecayRule MATRICES_ONLY = (name, shape) -> {
            if (shape.dimension() < 2) {
                return false;
            }
            String n = name.toLowerCase(Locale.ROOT);
            return !(n.contains("norm") || n.contains("embed") || n.endsWith("bias") || n.endsWith("gamma")
                    || n.endsWith("beta"));
        };
    }

    /**
     * Elements per flat group: 2^18 (1 MB of float32), so that the flat arrays an update has in flight (the
     * gathered gradient, m, v, a temporary or two) fit together in a core's L2 cache (2 MB on the machine this was
     * measured on). Whole training steps, the group sizes in turn in one process ({@code AdamWBench --full-step
     * true}), 2^18 against 2^20: small 52.2 against 58.0 ms, mid 284.6-285.5 against 287.0-291.5 ms (three runs), large the
     * same within its spread (1662 against 1685 ms); the update alone at mid 25.4 against 32.6-35.1 ms. The update
     * is element-wise, so the group size changes no number. A model of 3.7M parameters gets about 15 groups, 12M
     * about 50 (12 ops each). On a GPU there is no such cache to fit and every op costs host time the device waits
     * for, so there a group holds every parameter of its data type ({@link #groupLimit}). (Those measurements are of
     * the libtorch path; float32 on the CPU is now updated by the Java loop, {@link #hostUpdate}, which works in
     * blocks of its own: there the groups only hold m and v, and their size changes nothing.)
     */
    static final long DEFAULT_GROUP_ELEMENTS = 1L << 18;

    /**
     * Elements per flat group on a device, unless the builder set a size: {@link #DEFAULT_GROUP_ELEMENTS} on the
     * CPU (the cache), no limit on a GPU (one group per data type: fewest ops; on one H200 the mid and large models'
     * CPU-sized groups cost 1155 and 2038 ops per step against PyTorch's 905 and 1311).
     */
    static long groupLimit(ai.djl.Device device) {
        return device.isGpu() ? Long.MAX_VALUE : DEFAULT_GROUP_ELEMENTS;
    }

    private static final NDIndex ALL = new NDIndex(":");

    /**
     * Elements per block of {@link #hostUpdate}: each block of the gradient, the moments and the parameter is copied
     * into four Java arrays (64 KB in all, in a core's L2 cache), updated there by a loop the JIT vectorises, and
     * copied back. A loop over the arrays' memory in place is not vectorised (JDK 17 vectorises loops over Java
     * arrays only): in a throwaway program over 3.7M synthetic elements (mid's parameter count) a pass took 8.3 ms
     * that way against about 6 ms in blocks (about 2.3 ms with the data in Java arrays alone; the lab's CPU,
     * 2026-12-02).
     */
    static final int HOST_BLOCK = 4096;

    private float[] hostGradient;
    private float[] hostFirst;
    private float[] hostSecond;
    private float[] hostParameter;

    private final NDManager manager;
    private final List<String> names = new ArrayList<>();
    private final List<Parameter> parameters = new ArrayList<>();
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();
    private final List<Boolean> decay = new ArrayList<>();
    private final List<Group> groups = new ArrayList<>();
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private long step;

    /**
     * Parameters of one data type and device, at most {@link #groupLimit} elements together (or one larger
     * array), whose moments live in one flat buffer each: the moment math of an update is a dozen ops per
     * group whatever the number of arrays in it (PyTorch's multi-tensor idea).
     * {@code firstMoments}/{@code secondMoments} hold views into {@code m}/{@code v}, one per parameter, and the
     * update is written into {@code update} whose per-parameter views {@code updateViews} the parameters subtract.
     */
    private static final class Group {
        final List<Integer> members = new ArrayList<>();
        long[] splits;           // flat offsets where each member after the first starts
        NDArray m;
        NDArray v;
        NDArray update;
        final List<NDArray> updateViews = new ArrayList<>();
        // float32 on the CPU: the update is hostUpdate over these views of m and v (the libtorch path's
        // update buffer and 0-d constants are not made)
        boolean host;
        java.nio.FloatBuffer mHost;
        java.nio.FloatBuffer vHost;
        // 0-d float32 constants on the group's device, made once: what NDArray.mul(Number) would create (and
        // free) on every call
        NDArray beta1;
        NDArray oneMinusBeta1;
        NDArray beta2;
        NDArray oneMinusBeta2;
        NDArray eps;
    }

    private AdamW(Builder b, PairList<String, Parameter> params, NDManager parent) {
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.weightDecay = b.weightDecay;
        this.manager = parent.newSubManager();
        this.manager.setName("AdamW");
        Set<NDArray> seen = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Set<String> seenNames = new HashSet<>();
        for (Pair<String, Parameter> pair : params) {
            Parameter p = pair.getValue();
            if (!p.requiresGradient()) {
                continue;
            }
            if (!p.isInitialized()) {
                throw new IllegalArgumentException("parameter '" + pair.getKey() + "' is not initialized; "
                        + "initialize the model first (block.initialize(manager, DataType.FLOAT32, inputShape))");
            }
            NDArray a = p.getArray();
            if (!seen.add(a)) {
                continue; // a tied parameter is updated once
            }
            if (!seenNames.add(pair.getKey())) {
                throw new IllegalArgumentException("two parameters share the name '" + pair.getKey() + "'");
            }
            names.add(pair.getKey());
            parameters.add(p);
            decay.add(b.decayRule.decays(pair.getKey(), a.getShape()));
        }
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("no trainable parameters among " + params.keys());
        }
        // groups of one data type and device, in first-seen order, each of at most groupElements elements (or one
        // larger array): flat arrays that stay in cache, yet few groups
        Map<String, Group> open = new LinkedHashMap<>();
        Map<Group, Long> sizes = new java.util.IdentityHashMap<>();
        List<Group> all = new ArrayList<>();
        for (int i = 0; i < parameters.size(); i++) {
            NDArray a = parameters.get(i).getArray();
            String key = a.getDataType() + "@" + a.getDevice();
            Group g = open.get(key);
            long limit = b.groupElements > 0 ? b.groupElements : groupLimit(a.getDevice());
            if (g == null || sizes.get(g) + a.size() > limit) {
                g = new Group();
                open.put(key, g);
                sizes.put(g, 0L);
                all.add(g);
            }
            g.members.add(i);
            sizes.put(g, sizes.get(g) + a.size());
        }
        NDArray[] mViews = new NDArray[parameters.size()];
        NDArray[] vViews = new NDArray[parameters.size()];
        for (Group g : all) {
            NDArray first = parameters.get(g.members.get(0)).getArray();
            long total = 0;
            g.splits = new long[g.members.size() - 1];
            for (int j = 0; j < g.members.size(); j++) {
                if (j > 0) {
                    g.splits[j - 1] = total;
                }
                total += parameters.get(g.members.get(j)).getArray().size();
            }
            Shape flat = new Shape(total);
            g.m = manager.zeros(flat, first.getDataType(), first.getDevice());
            g.v = manager.zeros(flat, first.getDataType(), first.getDevice());
            List<NDArray> ms = views(g.m, g);
            List<NDArray> vs = views(g.v, g);
            // (a direct buffer covers at most 2^31 - 1 bytes)
            g.host = b.hostLoop && Device.Type.CPU.equals(first.getDevice().getDeviceType())
                    && first.getDataType() == DataType.FLOAT32 && total <= Integer.MAX_VALUE / 4;
            if (g.host) {
                // direct buffers over m's and v's memory (libtorch CPU tensors, contiguous, never reallocated: a
                // checkpoint copies into them)
                g.mHost = g.m.toByteBuffer(true).asFloatBuffer();
                g.vHost = g.v.toByteBuffer(true).asFloatBuffer();
                if (hostGradient == null) {
                    hostGradient = new float[HOST_BLOCK];
                    hostFirst = new float[HOST_BLOCK];
                    hostSecond = new float[HOST_BLOCK];
                    hostParameter = new float[HOST_BLOCK];
                }
            } else {
                g.update = manager.zeros(flat, first.getDataType(), first.getDevice());
                g.updateViews.addAll(views(g.update, g));
                g.beta1 = scalar(manager, beta1, first.getDevice());
                g.oneMinusBeta1 = scalar(manager, 1 - beta1, first.getDevice());
                g.beta2 = scalar(manager, beta2, first.getDevice());
                g.oneMinusBeta2 = scalar(manager, 1 - beta2, first.getDevice());
                g.eps = scalar(manager, eps, first.getDevice());
            }
            for (int j = 0; j < g.members.size(); j++) {
                mViews[g.members.get(j)] = ms.get(j);
                vViews[g.members.get(j)] = vs.get(j);
            }
            groups.add(g);
        }
        firstMoments.addAll(Arrays.asList(mViews));
        secondMoments.addAll(Arrays.asList(vViews));
    }

    /**
     * {@code (float) x} as a 0-d float32 array in {@code m} on {@code device}: what {@code NDArray.mul(Number)}
     * makes from a float (and frees) on every call, made here once (a copy from the host, no operator).
     */
    private static NDArray scalar(NDManager m, double x, Device device) {
        NDArray a = m.create((float) x);
        if (a.getDevice().equals(device)) {
            return a;
        }
        NDArray moved = a.toDevice(device, false);
        a.close();
        return moved;
    }

    /** Views of a flat buffer, one per member of {@code g}, shaped like the member's parameter. */
    private List<NDArray> views(NDArray flat, Group g) {
        NDList pieces = g.members.size() == 1 ? new NDList(flat) : flat.split(g.splits, 0);
        List<NDArray> out = new ArrayList<>();
        for (int j = 0; j < g.members.size(); j++) {
            NDArray view = pieces.get(j).reshape(parameters.get(g.members.get(j)).getArray().getShape());
            view.attach(manager);
            out.add(view);
        }
        return out;
    }

    /** A builder with PyTorch's AdamW defaults except the decay rule: b = (0.9, 0.999), eps 1e-8, wd 0.01. */
    public static Builder builder() {
        return new Builder();
    }

    /** Applies one update with learning rate {@code lr} from the parameters' current gradients, then drops them. */
    public void update(double lr) {
        update(lr, 1f);
    }

    /**
     * Applies one update with learning rate {@code lr} from the parameters' current gradients times
     * {@code gradScale} (the factor of global-norm clipping, {@link GradientClip#scale}; 1 for none), then drops
     * the gradients ({@link ThreadGradients#setToNone}). Scaling here equals scaling every gradient in place first, bit for bit, in one op.
     *
     * <p>Float32 on the CPU: {@link #hostUpdate}, one Java loop. Otherwise, per group of parameters (one data type
     * and device): the gradients are gathered into one flat array
     * (a view of each, one concatenation), the moments and the step are computed on the flat buffers in a
     * dozen ops, then each parameter is decayed (where the rule says so) and has its view of the step subtracted,
     * and its gradient is dropped: three or four cheap ops per array against fourteen (with four full-size
     * temporaries) in {@link #updatePerArray}, the plain reference it is tested against. The element-wise
     * arithmetic is the same, in the same order, so the results are identical.
     */
    public void update(double lr, float gradScale) {
        try (Gradients gathered = gatherGradients(false)) {
            update(lr, gradScale, gathered);
        }
    }

    /**
     * The parameters' current gradients, gathered for one update (one flat array per group; for float32 on the CPU
     * the gradients as they are) with their global norm
     * {@code sqrt(sum_p ||g_p||^2)}. For libtorch's groups (GPUs, other types) it equals {@link GradientClip#globalNorm}
     * over {@link #parameters()} bit for bit: each array's sum of squares is the sum of its piece of the group's
     * squared flat gradient (one square and one split per group, then one sum per array, where the plain form
     * squares and sums every array: two ops per array), summed over the arrays in the same order. For float32 on the
     * CPU the squares are summed in Java in double ({@link #sumOfSquares(java.nio.FloatBuffer, int, float[])}): the
     * exact sum to within double rounding, where the plain form's float sums are off by float rounding (a few parts
     * in 10^8 in {@code AdamWTest}); the clip factor and the logged norm can differ from it in their last float
     * bits. Pass
     * it to {@link #update(double, float, Gradients)} before the next backward pass; close it (the update does) to
     * free the flat arrays.
     */
    public Gradients gatherGradients() {
        return gatherGradients(true);
    }

    private Gradients gatherGradients(boolean withNorm) {
        Gradients out = new Gradients(manager.newSubManager());
        try {
            NDArray[] sums = withNorm ? new NDArray[parameters.size()] : null;
            double hostSquares = 0; // the Java loop's groups: their sum of squares, in double
            boolean anyHost = false;
            boolean anyTorch = false;
            for (Group grp : groups) {
                if (grp.host) {
                    // nothing to gather: hostUpdate reads each gradient where it is, and the squares are summed
                    // here in Java, in double, reading each gradient once (libtorch's square and sum per array
                    // cost two ops and a full-size temporary each)
                    for (int i : grp.members) {
                        NDArray grad = parameters.get(i).getArray().getGradient();
                        grad.attach(out.scratch); // the wrapper (not the .grad storage) is closed with scratch
                        out.gradients.put(i, grad);
                        if (withNorm) {
                            hostSquares += sumOfSquares(grad.toByteBuffer(true).asFloatBuffer(),
                                    Math.toIntExact(grad.size()), hostGradient);
                        }
                    }
                    out.flat.add(null);
                    anyHost = true;
                    continue;
                }
                anyTorch = true;
                NDList flatGrads = new NDList(grp.members.size());
                for (int i : grp.members) {
                    NDArray grad = parameters.get(i).getArray().getGradient();
                    grad.attach(out.scratch); // the wrapper (not the .grad storage) is closed with scratch
                    // a 1-d gradient is flat already: no reshape op
                    flatGrads.add(grad.getShape().dimension() == 1 ? grad : grad.reshape(-1));
                }
                NDArray g = flatGrads.size() == 1 ? flatGrads.get(0) : NDArrays.concat(flatGrads, 0);
                out.flat.add(g);
                if (withNorm) {
                    // the squares of all arrays at once; each array's sum over its piece: the same elements in the
                    // same order as the plain square().sum() of the array (GradientClip.globalNorm)
                    NDArray squares = g.square();
                    NDList pieces = grp.members.size() == 1 ? new NDList(squares) : squares.split(grp.splits, 0);
                    for (int j = 0; j < grp.members.size(); j++) {
                        sums[grp.members.get(j)] = pieces.get(j).sum();
                    }
                    squares.close(); // the pieces are views; autograd is off, nothing else reads it
                }
            }
            if (withNorm && !anyTorch) {
                out.norm = Math.sqrt(hostSquares);
            } else if (withNorm) {
                NDList torchSums = new NDList();
                for (NDArray x : sums) {
                    if (x != null) {
                        torchSums.add(x);
                    }
                }
                NDArray sum = NDArrays.stack(torchSums).sum();
                // float to double is exact: the number GradientClip reads through toType(FLOAT64), one op fewer
                out.norm = anyHost ? Math.sqrt(hostSquares + sum.getFloat()) : sum.sqrt().getFloat();
            }
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * {@link #update(double, float)} from gradients gathered by {@link #gatherGradients()} since the last backward
     * pass (the Trainer reads their norm for the clip factor, then updates), which it closes: the same results.
     */
    public void update(double lr, float gradScale, Gradients gathered) {
        checkRate(lr);
        if (!(gradScale > 0) || !Float.isFinite(gradScale)) {
            throw new IllegalArgumentException("gradScale " + gradScale + " must be a finite number > 0");
        }
        if (gathered.used) {
            throw new IllegalStateException("these gradients were used by an update already; gather them again");
        }
        gathered.used = true;
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        try (NDManager scratch = gathered.scratch) {
            for (int gi = 0; gi < groups.size(); gi++) {
                Group grp = groups.get(gi);
                if (grp.host) {
                    hostUpdate(grp, gathered, lr, gradScale, bc1, bc2);
                    continue;
                }
                NDArray g = gathered.flat.get(gi);
                // the step's 0-d factors, made once per group (mul(Number) would make one per call, the decay
                // factor one per matrix); each is the float32 0-d array mul(Number) makes: the same arithmetic
                Device device = grp.m.getDevice();
                if (gradScale != 1f) { // (a view of the gradient when alone: it is dropped below anyway)
                    g.muli(scalar(scratch, gradScale, device));
                }
                grp.m.tempAttach(scratch); // so that arrays computed from m and v land in scratch
                grp.v.tempAttach(scratch);
                // each flat temporary is closed as soon as it is dead: at most two full-size arrays at a time
                NDArray t = g.mul(grp.oneMinusBeta1);
                grp.m.muli(grp.beta1).addi(t);
                t.close();
                t = g.square();
                g.close();
                grp.v.muli(grp.beta2).addi(t.muli(grp.oneMinusBeta2));
                t.close();
                t = grp.v.div(scalar(scratch, bc2, device));
                NDArray denom = t.sqrt();
                t.close();
                t = grp.m.div(denom.addi(grp.eps));
                denom.close();
                grp.update.set(ALL, t.muli(scalar(scratch, lr / bc1, device)));
                t.close();
                NDArray keep = weightDecay > 0 ? scalar(scratch, 1 - lr * weightDecay, device) : null;
                for (int j = 0; j < grp.members.size(); j++) {
                    int i = grp.members.get(j);
                    NDArray p = parameters.get(i).getArray();
                    if (decay.get(i) && weightDecay > 0) {
                        p.muli(keep);
                    }
                    p.subi(grp.updateViews.get(j));
                    ThreadGradients.setToNone(p);
                }
            }
        }
    }

    /**
     * The update of a float32 CPU group as one Java loop over the memory of each parameter, its gradient and its
     * pieces of m and v, block by block ({@link #HOST_BLOCK}): per element, with the float32 constants the libtorch
     * path makes ({@code (float)} of the same doubles) and every operation rounded to float as there (Java neither
     * fuses nor widens float arithmetic; {@code (float) Math.sqrt(double)} of a float is its correctly rounded
     * float square root):
     * <pre>
     *   g = g * scale;  m = m * b1 + g * (1 - b1);  v = v * b2 + (g * g) * (1 - b2)
     *   p = p * keep - (m / (sqrt(v / bc2) + eps)) * (lr / bc1)
     * </pre>
     * ({@code keep = 1 - lr wd} where the parameter decays, else 1, and {@code x * 1 = x} exactly); then the gradient is
     * dropped, as on the libtorch path. The one difference from the libtorch path: ATen's CPU {@code sqrt} calls
     * MKL's VML, which is off by one unit in the last place for some inputs (25 of 4096 in one test), where this
     * square root is correctly rounded. {@code AdamWTest} checks m and v against {@link #updatePerArray} bit for bit
     * and the parameters to within that.
     */
    private void hostUpdate(Group grp, Gradients gathered, double lr, float gradScale, double bc1, double bc2) {
        final float b1 = (float) beta1;
        final float omb1 = (float) (1 - beta1);
        final float b2 = (float) beta2;
        final float omb2 = (float) (1 - beta2);
        final float epsF = (float) eps;
        final float bc2F = (float) bc2;
        final float stepF = (float) (lr / bc1);
        final float decayKeep = (float) (1 - lr * weightDecay);
        final float[] hg = hostGradient;
        final float[] hm = hostFirst;
        final float[] hv = hostSecond;
        final float[] hp = hostParameter;
        for (int j = 0; j < grp.members.size(); j++) {
            int i = grp.members.get(j);
            NDArray p = parameters.get(i).getArray();
            NDArray grad = gathered.gradients.get(i);
            final float keep = decay.get(i) && weightDecay > 0 ? decayKeep : 1f;
            // direct buffers over the tensors' memory (a parameter and its gradient are contiguous: DJL makes each
            // parameter a tensor of its own, and libtorch gives a gradient the layout of its parameter)
            java.nio.FloatBuffer pb = p.toByteBuffer(true).asFloatBuffer();
            java.nio.FloatBuffer gb = grad.toByteBuffer(true).asFloatBuffer();
            int n = Math.toIntExact(p.size());
            int offset = j == 0 ? 0 : Math.toIntExact(grp.splits[j - 1]);
            for (int start = 0; start < n; start += HOST_BLOCK) {
                int k = Math.min(HOST_BLOCK, n - start);
                gb.get(start, hg, 0, k);
                grp.mHost.get(offset + start, hm, 0, k);
                grp.vHost.get(offset + start, hv, 0, k);
                pb.get(start, hp, 0, k);
                for (int e = 0; e < k; e++) {
                    float g = hg[e] * gradScale;
                    float m = hm[e] * b1 + g * omb1;
                    float v = hv[e] * b2 + (g * g) * omb2;
                    hm[e] = m;
                    hv[e] = v;
                    hp[e] = hp[e] * keep - m / ((float) Math.sqrt(v / bc2F) + epsF) * stepF;
                }
                grp.mHost.put(offset + start, hm, 0, k);
                grp.vHost.put(offset + start, hv, 0, k);
                pb.put(start, hp, 0, k);
            }
            ThreadGradients.setToNone(p);
        }
    }

    /**
     * {@code sum g^2} over the first {@code n} floats of {@code g}, in double: each square is exact (a float's
     * square fits a double's mantissa), summed in eight running sums over blocks copied into {@code block}
     * (independent sums the CPU overlaps; a float reduction in one running sum, as {@code square().sum()} in
     * float, would be both slower here and less exact). Over a gradient of 3.7M floats it takes about 1.7 ms
     * (a throwaway program on the lab's CPU, 2026-12-02), against about 4.5 ms for libtorch's square and sum per
     * array in {@code StepProfile}'s clip phase at mid.
     */
    static double sumOfSquares(java.nio.FloatBuffer g, int n, float[] block) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        for (int start = 0; start < n; start += block.length) {
            int k = Math.min(block.length, n - start);
            g.get(start, block, 0, k);
            int e = 0;
            for (; e + 7 < k; e += 8) {
                double a0 = block[e];
                double a1 = block[e + 1];
                double a2 = block[e + 2];
                double a3 = block[e + 3];
                double a4 = block[e + 4];
                double a5 = block[e + 5];
                double a6 = block[e + 6];
                double a7 = block[e + 7];
                s0 += a0 * a0;
                s1 += a1 * a1;
                s2 += a2 * a2;
                s3 += a3 * a3;
                s4 += a4 * a4;
                s5 += a5 * a5;
                s6 += a6 * a6;
                s7 += a7 * a7;
            }
            for (; e < k; e++) {
                double a = block[e];
                s0 += a * a;
            }
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /**
     * Gradients gathered for one update by {@link #gatherGradients()}: one flat array per group (the gradients
     * themselves for the Java loop's groups) and their global norm. Closing frees the flat arrays (an update closes
     * them).
     */
    public static final class Gradients implements AutoCloseable {
        private final NDManager scratch;
        private final List<NDArray> flat = new ArrayList<>();
        private final Map<Integer, NDArray> gradients = new java.util.HashMap<>(); // host groups: by parameter
        private double norm = Double.NaN;
        private boolean used;

        private Gradients(NDManager scratch) {
            this.scratch = scratch;
        }

        /** {@code sqrt(sum_p ||g_p||^2)} over the optimiser's parameters, as {@link GradientClip#globalNorm}. */
        public double norm() {
            return norm;
        }

        @Override
        public void close() {
            scratch.close();
        }
    }

    /**
     * The plain reference of {@link #update(double, float)}: the formula array by array (fourteen ops and four
     * full-size temporaries per parameter array). Same state, same results; kept for the tests.
     */
    void updatePerArray(double lr, float gradScale) {
        checkRate(lr);
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        for (int i = 0; i < parameters.size(); i++) {
            try (NDManager scratch = manager.newSubManager()) {
                NDArray p = parameters.get(i).getArray();
                NDArray g = p.getGradient();
                g.attach(scratch);   // the wrapper (not the .grad storage) is closed with scratch
                if (gradScale != 1f) {
                    g.muli(gradScale);
                }
                NDArray m = firstMoments.get(i);
                NDArray v = secondMoments.get(i);
                m.tempAttach(scratch); // so that arrays computed from m and v land in scratch
                v.tempAttach(scratch);
                m.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
                v.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
                if (decay.get(i) && weightDecay > 0) {
                    p.muli((float) (1 - lr * weightDecay));
                }
                NDArray denom = v.div((float) bc2).sqrt().addi((float) eps);
                p.subi(m.div(denom).muli((float) (lr / bc1)));
                g.subi(g); // zero the accumulated gradient
            }
        }
    }

    private static void checkRate(double lr) {
        if (!(lr >= 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate " + lr + " must be a finite number >= 0");
        }
    }

    /** Number of updates applied so far (t of the last update). */
    public long stepCount() {
        return step;
    }

    /** The names of the parameters this optimiser updates, in update order. */
    public List<String> parameterNames() {
        return Collections.unmodifiableList(names);
    }

    /** The parameters this optimiser updates, in the order of {@link #parameterNames()}. */
    public List<Parameter> parameters() {
        return Collections.unmodifiableList(parameters);
    }

    /** Whether parameter {@code name} gets weight decay. */
    public boolean decays(String name) {
        int i = indexOf(name);
        return decay.get(i);
    }

    /** The first moment m of {@code name} (owned by this optimiser; do not close). */
    public NDArray firstMoment(String name) {
        return firstMoments.get(indexOf(name));
    }

    /** The second moment v of {@code name} (owned by this optimiser; do not close). */
    public NDArray secondMoment(String name) {
        return secondMoments.get(indexOf(name));
    }

    /** Restores the update count; moments are restored by copying into {@link #firstMoment}/{@link #secondMoment}. */
    void setStepCount(long t) {
        if (t < 0) {
            throw new IllegalArgumentException("step count " + t + " must be >= 0");
        }
        this.step = t;
    }

    private int indexOf(String name) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no trainable parameter named '" + name + "'; have " + names);
        }
        return i;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Builder; {@link #build} takes the parameters (e.g. {@code block.getParameters()}) and a parent manager. */
    public static final class Builder {
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double weightDecay = 0.01;
        private DecayRule decayRule = DecayRule.MATRICES_ONLY;
        private long groupElements;  // 0: groupLimit(device)
        private boolean hostLoop = true;

        private Builder() {
        }

        public Builder betas(double b1, double b2) {
            if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) {
                throw new IllegalArgumentException("betas (" + b1 + ", " + b2 + ") must each be in [0, 1)");
            }
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        public Builder eps(double e) {
            if (!(e > 0) || !Double.isFinite(e)) {
                throw new IllegalArgumentException("eps=" + e + " must be a finite number > 0");
            }
            eps = e;
            return this;
        }

        public Builder weightDecay(double wd) {
            if (!(wd >= 0) || !Double.isFinite(wd)) {
                throw new IllegalArgumentException("weightDecay=" + wd + " must be a finite number >= 0");
            }
            weightDecay = wd;
            return this;
        }

        /** Elements per flat group (tests use small groups to exercise several). */
        Builder groupElements(long n) {
            if (n < 1) {
                throw new IllegalArgumentException("groupElements=" + n + " must be >= 1");
            }
            groupElements = n;
            return this;
        }

        /**
         * Whether float32 CPU parameters are updated by the Java loop ({@link #hostUpdate}, the default) or by
         * libtorch's ops on the flat groups, as on a GPU (tests compare the two).
         */
        Builder hostLoop(boolean on) {
            hostLoop = on;
            return this;
        }

        public Builder decayRule(DecayRule rule) {
            decayRule = Objects.requireNonNull(rule, "decayRule");
            return this;
        }

        /** The values of a {@link TrainConfig}: betas, eps and weight decay. */
        public Builder from(TrainConfig c) {
            return betas(c.beta1(), c.beta2()).eps(c.eps()).weightDecay(c.weightDecay());
        }

        /** An optimiser for the trainable parameters in {@code params}; its state lives under {@code parent}. */
        public AdamW build(PairList<String, Parameter> params, NDManager parent) {
            return new AdamW(this, params, parent);
        }
    }
}
