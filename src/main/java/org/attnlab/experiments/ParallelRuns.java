package org.attnlab.experiments;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.attnlab.train.ThreadGradients;
import org.attnlab.train.TrainingInterrupted;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Independent runs of an experiment (variants x seeds x sizes) trained at once, in threads of this JVM:
 * <pre>{@code
 * List<Row> rows = ParallelRuns.map(settings.parallelRuns(), specs, spec -> {
 *     try (TaskModelRun run = TaskModelRun.train(spec, ...)) {   // its own NDManager, its own seed
 *         return new Row(...);                                   // plain numbers, no NDArrays
 *     }
 * });
 * }</pre>
 * Results come back in the order of the list whatever order the runs finish in, so tables built from them are the
 * same as one after another; a run's numbers do not depend on what runs beside it (its weights, batches and
 * evaluations come from its own seed, {@code WeightInit}, {@code Seeds}), so they are equal bit for bit on the same
 * device and thread count. {@code parallel = 1} runs them one after another in the calling thread, as a plain loop.
 *
 * <p>Work for one item must be self-contained: its own manager, model and metrics log (merge logs afterwards in list
 * order), and a progress listener that keeps its state per run ({@code TerminalProgress} and
 * {@code NotebookProgress} do; wrap others with {@code ProgressListener.synchronizedListener}).
 *
 * <p>Failures: when one run throws (a bug, a bad size, {@link TrainingInterrupted}), the others are interrupted (a
 * trainer stops before its next step), this waits until every one has ended, so their managers are closed, and
 * throws that first failure. When the calling thread is interrupted (Jupyter's stop button), the runs are
 * interrupted the same way and the first run's {@link TrainingInterrupted} is thrown (or a
 * {@link CancellationException} when none of them was training at that moment).
 */
public final class ParallelRuns {

    private static final AtomicInteger POOLS = new AtomicInteger();

    private ParallelRuns() {
    }

    /**
     * Calls a matrix inverse once on every GPU from this thread. libtorch loads its CUDA linear-algebra library
     * lazily on the first such call, and two threads making that first call at once fail with "lazy wrapper should be
     * called at most once" (seen on an H200 with PaTH's inverse in five runs at once). On a CPU it does nothing.
     */
    static void warmUpLinearAlgebra() {
        int gpus = Engine.getInstance().getGpuCount();
        for (int g = 0; g < gpus; g++) {
            try (NDManager m = NDManager.newBaseManager(Device.gpu(g))) {
                m.eye(2).inverse().toFloatArray();
            }
        }
    }

    /**
     * {@code work} applied to every item, at most {@code parallel} at once; the results in the order of
     * {@code items}.
     *
     * @throws IllegalArgumentException when {@code parallel} is below 1
     */
    public static <T, R> List<R> map(int parallel, List<T> items, Function<? super T, ? extends R> work) {
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(work, "work");
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel runs " + parallel + " must be at least 1 (1: one after "
                    + "another)");
        }
        int n = items.size();
        List<R> out = new ArrayList<>(n);
        if (parallel == 1 || n <= 1) {
            for (T item : items) {
                out.add(work.apply(item));
            }
            return out;
        }
        Engine.getInstance(); // start the engine here, not racing in the workers
        warmUpLinearAlgebra();
        int pool = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(Math.min(parallel, n), r -> {
            Thread t = new Thread(r, "attnlab-runs-" + pool + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        CompletionService<Integer> done = new ExecutorCompletionService<>(executor);
        Object[] results = new Object[n];
        Throwable[] thrown = new Throwable[n];
        List<Future<Integer>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            futures.add(done.submit(() -> {
                // PyTorch starts a new thread recording gradients; a run records only inside its training steps
                try (ThreadGradients inference = ThreadGradients.off()) {
                    results[index] = work.apply(items.get(index));
                } catch (RuntimeException | Error e) {
                    thrown[index] = e;
                    throw e;
                }
                return index;
            }));
        }
        Throwable failure = null;
        boolean interrupted = false;
        try {
            for (int finished = 0; finished < n && failure == null; finished++) {
                Future<Integer> f = done.take();
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failure = e.getCause();
                }
            }
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (failure != null || interrupted) {
                for (Future<Integer> f : futures) {
                    f.cancel(true);
                }
            }
            executor.shutdown();
            awaitEnd(executor);
        }
        if (interrupted) {
            for (Throwable t : thrown) {
                if (t instanceof TrainingInterrupted ti) {
                    throw ti;
                }
            }
            throw new CancellationException("interrupted: " + countDone(futures, thrown) + " of " + n
                    + " runs had finished; the others were stopped");
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("a run failed: " + failure, failure);
        }
        for (int i = 0; i < n; i++) {
            @SuppressWarnings("unchecked")
            R r = (R) results[i];
            out.add(r);
        }
        return out;
    }

    /** Waits until every worker has ended (their runs close their managers), even if interrupted again. */
    private static void awaitEnd(ExecutorService executor) {
        boolean again = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.DAYS)) {
                    break;
                }
            } catch (InterruptedException e) {
                again = true;
                executor.shutdownNow();
            }
        }
        if (again) {
            Thread.interrupted(); // as TrainingInterrupted: the stop is reported by the exception, the flag cleared
        }
    }

    private static int countDone(List<Future<Integer>> futures, Throwable[] thrown) {
        int k = 0;
        for (int i = 0; i < futures.size(); i++) {
            Future<Integer> f = futures.get(i);
            if (f.isDone() && !f.isCancelled() && thrown[i] == null) {
                k++;
            }
        }
        return k;
    }
}
