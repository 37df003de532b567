package org.attnlab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Single libtorch kernels of the mid-size train step, called from DJL, one at a time in a loop: the thread CPU time
 * and the minor page faults of one call (medians over blocks), in two modes: {@code free} (each result closed at
 * once, so the allocator can hand the same memory to the next call) and {@code keep} (the last {@code --keep}
 * results alive, as a training step holds its intermediates, so each call writes to memory the allocator had to
 * find anew). The counterpart is {@code bench/pytorch/kernel_bench.py}; both print the same lines
 * ({@code op mode us_per_call faults_per_call}), so the two outputs compare line by line.
 *
 * <p>{@code KernelBench [--reps 200] [--keep 64] [--only NAME,...]}.
 */
public final class KernelBench {

    private KernelBench() {
    }

    static Map<String, Function<NDArray[], NDArray>> ops() {
        Map<String, Function<NDArray[], NDArray>> m = new LinkedHashMap<>();
        m.put("mm_1024x256_256x688", a -> a[0].matMul(a[1]));
        m.put("mm_1024x688_688x256", a -> a[2].matMul(a[3]));
        m.put("mm_1024x256_256x256", a -> a[0].matMul(a[4]));
        m.put("mul_8x128x688", a -> a[5].mul(a[6]));
        m.put("sigmoid_8x128x688", a -> Activation.sigmoid(a[5]));
        m.put("logsoftmax_8x128x1024", a -> a[7].logSoftmax(-1));
        m.put("softmax_8x4x128x128", a -> a[8].softmax(-1));
        m.put("div_967168", a -> a[9].div(a[10]));
        m.put("sqrt_967168", a -> a[9].sqrt());
        m.put("cat_39x24800", a -> NDArrays.concat(new ai.djl.ndarray.NDList(Arrays.copyOfRange(a, 11, 50))));
        return m;
    }

    static long minorFaults() {
        try {
            String s = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]);                                       // field 10: minflt
        } catch (IOException e) {
            return -1;
        }
    }

    public static void main(String[] args) {
        Map<String, String> o = ModelBench.options(args);
        int reps = Integer.parseInt(o.getOrDefault("reps", "200"));
        int keep = Integer.parseInt(o.getOrDefault("keep", "64"));
        List<String> only = o.containsKey("only") ? List.of(o.get("only").split(",")) : null;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(1);
            NDArray[] in = new NDArray[50];
            in[0] = m.randomNormal(new Shape(1024, 256));
            in[1] = m.randomNormal(new Shape(256, 688));
            in[2] = m.randomNormal(new Shape(1024, 688));
            in[3] = m.randomNormal(new Shape(688, 256));
            in[4] = m.randomNormal(new Shape(256, 256));
            in[5] = m.randomNormal(new Shape(8, 128, 688));
            in[6] = m.randomNormal(new Shape(8, 128, 688));
            in[7] = m.randomNormal(new Shape(8, 128, 1024));
            in[8] = m.randomNormal(new Shape(8, 4, 128, 128));
            in[9] = m.randomUniform(1, 2, new Shape(967168));
            in[10] = m.randomUniform(1, 2, new Shape(967168));
            for (int i = 11; i < 50; i++) {
                in[i] = m.randomNormal(new Shape(24800));
            }
            for (var e : ops().entrySet()) {
                if (only != null && !only.contains(e.getKey())) {
                    continue;
                }
                for (String mode : new String[] {"free", "keep"}) {
                    List<NDArray> alive = new ArrayList<>();
                    double[] us = new double[reps];
                    double[] faults = new double[reps];
                    for (int r = -reps / 5; r < reps; r++) {                      // a fifth untimed
                        long f0 = minorFaults();
                        long c0 = mx.getCurrentThreadCpuTime();
                        NDArray y = e.getValue().apply(in);
                        long c1 = mx.getCurrentThreadCpuTime();
                        long f1 = minorFaults();
                        if (mode.equals("free")) {
                            y.close();
                        } else {
                            alive.add(y);
                            if (alive.size() > keep) {
                                alive.remove(0).close();
                            }
                        }
                        if (r >= 0) {
                            us[r] = (c1 - c0) / 1e3;
                            faults[r] = f1 - f0;
                        }
                    }
                    alive.forEach(NDArray::close);
                    Arrays.sort(us);
                    Arrays.sort(faults);
                    System.out.printf(Locale.ROOT, "%-24s %-5s %10.1f us %8.0f faults (min %.1f us)%n", e.getKey(), mode,
                            us[reps / 2], faults[reps / 2], us[0]);
                }
            }
        }
    }
}
