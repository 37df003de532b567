package org.attnlab.experiments;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentCliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ExperimentCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownExperimentListsTheKnownOnes() {
        assertEquals(2, run("no-such-thing"));
        assertTrue(err().contains("Unknown experiment 'no-such-thing'"), err());
        assertTrue(err().contains("known: " + Experiments.names()), err());
        assertTrue(err().contains("Usage: ./lab experiment"), err());
    }

    @Test
    void unknownOptionNamesTheOptions() {
        assertEquals(2, run("x", "--speed", "fast"));
        assertTrue(err().contains("Unknown option '--speed'") && err().contains("--preset"), err());
    }

    @Test
    void badPresetAndMissingValuesAreUsageErrors() {
        assertEquals(2, run("x", "--preset", "huge"));
        assertTrue(err().contains("'huge'") && err().contains("smoke|quick|full"), err());
        err.reset();
        assertEquals(2, run("x", "--seed"));
        assertTrue(err().contains("--seed needs a value"), err());
        err.reset();
        assertEquals(2, run());
        assertTrue(err().contains("Name an experiment"), err());
    }

    @Test
    void parallelRunsOptionIsCheckedBeforeAnythingRuns() {
        assertEquals(2, run("flip-flop", "--parallel-runs", "0"));
        assertTrue(err().contains("--parallel-runs 0 is out of range") && err().contains("e.g. --parallel-runs 2"),
                err());
        assertEquals(3, ExperimentCli.settings("smoke", "cpu", "7", "3").parallelRuns());
        assertEquals(1, ExperimentCli.settings("smoke", "cpu", "7", "1").parallelRuns());
    }

    @Test
    void listPrintsEveryExperiment() {
        assertEquals(0, run("--list"));
        String listed = out.toString(StandardCharsets.UTF_8);
        for (Experiment e : Experiments.all()) {
            assertTrue(listed.contains(e.name()) && listed.contains(e.title()), listed);
        }
    }

    @Test
    void namesAreUniqueAndCommandLineFriendly() {
        var names = Experiments.all().stream().map(Experiment::name).toList();
        assertEquals(names.size(), names.stream().distinct().count(), names.toString());
        names.forEach(n -> assertTrue(n.matches("[a-z0-9]+(-[a-z0-9]+)*"), n));
        assertThrows(IllegalArgumentException.class, () -> Experiments.named("nope"));
    }
}
