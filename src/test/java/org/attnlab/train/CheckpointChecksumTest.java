package org.attnlab.train;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint carries a SHA-256 of its contents: every damaged copy is refused by name and leaves the model and
 * the optimiser as they were (the probe: 60 random 1-8 byte corruptions, none rejected before).
 */
@org.junit.jupiter.api.extension.ExtendWith(OneThread.class)
class CheckpointChecksumTest {

    private static final int V = 8;

    private static List<byte[]> state(TinyLM model, Trainer t) {
        List<byte[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getParameters()) {
            out.add(p.getValue().getArray().toByteArray());
        }
        for (String name : t.optimizer().parameterNames()) {
            out.add(t.optimizer().firstMoment(name).toByteArray());
            out.add(t.optimizer().secondMoment(name).toByteArray());
        }
        return out;
    }

    @Test
    void everyRandomCorruptionIsRefusedByNameAndChangesNothing(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("run.ckpt");
        try (NDManager m = NDManager.newBaseManager()) {
            TinyLM model = Fixtures.model(m, 5, V, 16, 0f, 8, 8);
            try (Trainer t = Trainer.builder().model(model).config(Fixtures.config(5).steps(10).build())
                    .trainData(Fixtures.affineTask(V)).build()) {
                for (int i = 0; i < 3; i++) {
                    t.step();
                }
                t.saveCheckpoint(good);
                t.step(); // the live state now differs from the file
                List<byte[]> before = state(model, t);
                byte[] bytes = Files.readAllBytes(good);
                Random rnd = new Random(13);
                Path bad = dir.resolve("damaged.ckpt");
                for (int trial = 0; trial < 60; trial++) {
                    byte[] copy = bytes.clone();
                    int n = 1 + rnd.nextInt(8);
                    for (int i = 0; i < n; i++) {
                        copy[rnd.nextInt(copy.length)] ^= (byte) (1 + rnd.nextInt(255)); // never a no-op
                    }
                    if (Arrays.equals(copy, bytes)) {
                        continue; // two flips of one byte cancelled out
                    }
                    Files.write(bad, copy);
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> t.loadCheckpoint(bad), "trial " + trial);
                    assertTrue(e.getMessage().contains(bad.getFileName().toString()) && (e.getMessage().contains(
                            "is damaged") || e.getMessage().contains("not an Attention Lab checkpoint")
                            || e.getMessage().contains("format version")), e.getMessage());
                    List<byte[]> after = state(model, t);
                    for (int i = 0; i < before.size(); i++) {
                        assertArrayEquals(before.get(i), after.get(i), "trial " + trial + ": array " + i + " unchanged");
                    }
                    assertEquals(4, t.stepsDone());
                }
                // a truncated copy too
                Files.write(bad, Arrays.copyOf(bytes, bytes.length - 5));
                String m2 = assertThrows(IllegalArgumentException.class, () -> t.loadCheckpoint(bad)).getMessage();
                assertTrue(m2.startsWith("checkpoint " + bad.toAbsolutePath() + " is damaged: its SHA-256 ("), m2);
                assertTrue(m2.endsWith("It was not loaded; delete it and train from the start or from another "
                        + "checkpoint."), m2);
                t.loadCheckpoint(good); // the intact file still loads
                assertEquals(3, t.stepsDone());
            }
        }
    }
}
