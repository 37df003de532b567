package org.attnlab.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * DJL and the PyTorch reference ({@code bench/pytorch/attnlab_ref.py}) train the same tiny model from the same
 * weights on the same batches for 20 updates (AdamW, clipping, warmup + cosine) and their losses agree within
 * 1e-4 at every update (observed: below 1e-6), for standard attention, PaTH (dense) and PaTH (blockwise, a length
 * that is not a multiple of the chunk). Needs the benchmark's virtualenv ({@code bench/run.sh} makes it); skipped
 * without it. About 20 s.
 */
class CrossCheckTest {

    private static final Path PYTHON = Path.of("bench", ".venv", "bin", "python");

    @Test
    void djlAndPyTorchTrainTheSame(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON + " (bench/run.sh creates it): cross-check skipped");
        assumeTrue(run(List.of(PYTHON.toString(), "-c", "import torch"), 60).exitCode == 0,
                "torch does not import in " + PYTHON + ": cross-check skipped");
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), "bench/pytorch/crosscheck.py", "--tol", "1e-4"));
        Object[][] cases = {{"standard", "standard", 32, 64}, {"path-dense", "path", 32, 64},
                {"path-chunked", "path", 40, 16}};
        for (Object[] c : cases) {
            Path d = dir.resolve((String) c[0]);
            double[] losses = ModelBench.export(Map.of("dir", d.toString(), "kind", (String) c[1], "vocab", "48",
                    "d_model", "16", "heads", "2", "layers", "2", "batch", "3", "length", String.valueOf(c[2]),
                    "chunk", String.valueOf(c[3]), "steps", "20"));
            assertEquals(20, losses.length);
            assertTrue(losses[19] < losses[0], c[0] + ": DJL loss did not fall: " + losses[0] + " -> " + losses[19]);
            cmd.add(d.toString());
        }
        Result r = run(cmd, 120);
        assertEquals(0, r.exitCode, "cross-check failed:\n" + r.output);
        assertTrue(r.output.contains("PASS"), r.output);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out after " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
