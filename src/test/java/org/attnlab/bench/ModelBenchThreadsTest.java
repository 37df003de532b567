package org.attnlab.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The bench mains' PyTorch threads ({@code ModelBench.options}): one unless told, a bad {@code --threads} named, and a
 * {@code --threads} that disagrees with {@code -Dai.djl.pytorch.num_threads} refused rather than silently ignored.
 */
class ModelBenchThreadsTest {

    private static final String KEY = "ai.djl.pytorch.num_threads";

    @Test
    void aBadThreadCountNamesTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelBench.options(new String[] {"--threads", "0"}));
        assertEquals("--threads must be a whole number >= 1; got '0'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelBench.options(new String[] {"--threads", "two"}));
        assertEquals("--threads must be a whole number >= 1; got 'two'", e.getMessage());
    }

    @Test
    void aThreadCountThatDisagreesWithThePropertyIsRefusedAndAnAgreeingOneKept() {
        String saved = System.getProperty(KEY);
        try {
            System.setProperty(KEY, "3");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelBench.options(new String[] {"--threads", "2"}));
            assertEquals("--threads 2 disagrees with -Dai.djl.pytorch.num_threads=3; give one of them", e.getMessage());
            Map<String, String> o = ModelBench.options(new String[] {"--threads", "3", "--size", "mid"});
            assertEquals("mid", o.get("size"));
            assertEquals("3", System.getProperty(KEY));
            ModelBench.options(new String[] {"--size", "mid"});   // no --threads: the property stands
            assertEquals("3", System.getProperty(KEY));
        } finally {
            restore(KEY, saved);
        }
    }

    @Test
    void withoutEitherTheMainsAskForOneThread() {
        String saved = System.getProperty(KEY);
        String interop = System.getProperty(KEY.replace("num_threads", "num_interop_threads"));
        try {
            System.clearProperty(KEY);
            ModelBench.options(new String[] {"--reps", "3"});
            assertEquals("1", System.getProperty(KEY));
        } finally {
            restore(KEY, saved);
            restore(KEY.replace("num_threads", "num_interop_threads"), interop);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
