package org.attnlab.bench;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Two builds of this code timed in one process, in turn, block by block: the parity-cot training step of
 * {@link ParitySteps.Runner} from build A's classes and from build B's (each in its own class loader, child first for
 * {@code org.attnlab}; DJL and libtorch are shared), so both see the same load, the same JIT-compiled DJL and the
 * same allocator. Thread CPU ms per step, the median of each block, then the median of those per build, and each
 * build's last loss and gradient norm (the same numbers in both, if the builds compute the same).
 *
 * <pre>
 * java -cp "$CP" org.attnlab.bench.ParityAB --a /tmp/main/test-classes:/tmp/main/classes \
 *      --b target/test-classes:target/classes --batch 1 --warmup 800 --rounds 10 --block 200
 * </pre>
 * (build A's test classes need this {@code ParitySteps}: copy its class files there.) {@code --device gpu} runs both
 * on the GPU and times wall ms (each step ends with the loss and norm reads, which wait for the device).
 */
public final class ParityAB {

    private ParityAB() {
    }

    /** Loads {@code org.attnlab} classes from {@code dirs} first, everything else from the parent. */
    static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("org.attnlab.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = ModelBench.options(args);
        int batch = Integer.parseInt(o.getOrDefault("batch", "1"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "800"));
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "10"));
        int block = Integer.parseInt(o.getOrDefault("block", "200"));
        String[] names = {"A", "B"};
        Object[] runners = new Object[2];
        Method[] steps = new Method[2];
        Method[] last = new Method[2];
        for (int i = 0; i < 2; i++) {
            String cp = o.get(names[i].toLowerCase(Locale.ROOT));
            if (cp == null) {
                throw new IllegalArgumentException("give --a DIRS and --b DIRS (class directories, ':'-separated)");
            }
            List<URL> urls = new ArrayList<>();
            for (String d : cp.split(":")) {
                urls.add(new File(d).toURI().toURL());
            }
            ClassLoader loader = new ChildFirst(urls.toArray(new URL[0]), ParityAB.class.getClassLoader());
            Class<?> runner = loader.loadClass("org.attnlab.bench.ParitySteps$Runner");
            runners[i] = runner.getConstructor(int.class, long.class, String.class).newInstance(batch, 42L,
                    o.getOrDefault("device", "cpu"));
            steps[i] = runner.getMethod("steps", int.class);
            last[i] = runner.getMethod("last");
        }
        for (int i = 0; i < 2; i++) {
            steps[i].invoke(runners[i], warmup);
        }
        double[][] medians = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = (r % 2 == 0) ? k : 1 - k;                    // A first in even rounds, B first in odd ones
                medians[i][r] = median((double[]) steps[i].invoke(runners[i], block));
            }
            System.out.printf(Locale.ROOT, "round %d: A %.3f ms, B %.3f ms%n", r + 1, medians[0][r], medians[1][r]);
        }
        for (int i = 0; i < 2; i++) {
            double[] m = medians[i];
            System.out.printf(Locale.ROOT, "%s: median of %d block medians (%d steps each, after %d, batch %d): %.3f ms "
                            + "(%.3f..%.3f); %s%n", names[i], rounds, block, warmup, batch, median(m),
                    Arrays.stream(m).min().orElse(0), Arrays.stream(m).max().orElse(0), last[i].invoke(runners[i]));
            ((AutoCloseable) runners[i]).close();
        }
        System.out.printf(Locale.ROOT, "B / A: %.3f%n", median(medians[1]) / median(medians[0]));
    }

    private static double median(double[] x) {
        double[] y = x.clone();
        Arrays.sort(y);
        return y[y.length / 2];
    }
}
