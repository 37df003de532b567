package org.attnlab.experiments;

import ai.djl.Device;
import org.attnlab.Preset;
import org.attnlab.Settings;
import org.attnlab.probe.AttentionDiagnostics;
import org.attnlab.train.ProgressListener;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The smoke preset runs and returns the tables and figures the notebook reads (structure, not findings). */
class DesignPrinciplesExperimentTest {

    @Test
    void smokePresetProducesEveryTable() {
        ExperimentResult r = new DesignPrinciplesExperiment()
                .run(new Settings(Device.cpu(), Preset.SMOKE, 7), new ProgressListener() { });
        assertEquals(Set.of("table1", "placement", "results", "diagnostics_per_layer", "diagnostics", "runs"),
                r.tables().keySet());

        Table t1 = r.table("table1");
        assertEquals(1 + DesignPrinciplesExperiment.VARIANTS.size(), t1.rowCount());
        assertEquals(List.of("variant", "uniform ppl", "hybrid ppl", "hybrid-skip ppl", "uniform / standard",
                "hybrid / standard", "paper uniform ppl", "paper hybrid ppl", "paper uniform / standard",
                "paper hybrid / standard"), t1.columnNames());
        assertEquals("993.5", t1.stringColumn("paper uniform ppl").get(1));
        assertEquals("9E+4", t1.stringColumn("paper uniform ppl").get(3));
        for (String c : List.of("uniform ppl", "hybrid ppl")) {
            DoubleColumn col = t1.doubleColumn(c);
            for (int i = 0; i < col.size(); i++) {
                assertTrue(Double.isFinite(col.get(i)) && col.get(i) > 1, c + " row " + i + " = " + col.get(i));
            }
        }
        for (int i = 1; i < t1.rowCount(); i++) {
            assertTrue(t1.doubleColumn("hybrid-skip ppl").get(i) > 1, "skip ppl row " + i);
        }

        Table runs = r.table("runs");
        // + first; at 2 layers "last" keeps layer 2 = the hybrid, trained once
        assertEquals(1 + 2 * DesignPrinciplesExperiment.VARIANTS.size() + 1, runs.rowCount());
        assertTrue(runs.stringColumn("status").allMatch("ok"::equals), runs.printAll());

        Table place = r.table("placement");
        assertEquals(2 + 2, place.rowCount()); // none, first, last, all
        for (double v : place.doubleColumn("perplexity").asDoubleArray()) {
            assertTrue(Double.isFinite(v) && v > 1, place.printAll());
        }
        Table diag = r.table("diagnostics");
        assertEquals(List.of("run", "layer", "head", "metric", "value"), diag.columnNames());
        assertTrue(diag.stringColumn("metric").asSet().containsAll(AttentionDiagnostics.PATTERN_METRICS));
        assertTrue(diag.stringColumn("metric").asSet().contains(AttentionDiagnostics.MAX_LOGIT));
        assertFalse(diag.stringColumn("run").asSet().contains("mlp/uniform"), "uniform MLP has no patterns");
        for (double v : diag.doubleColumn("value").asDoubleArray()) {
            assertTrue(Double.isFinite(v));
        }
        assertEquals(List.of(DesignPrinciplesExperiment.PERPLEXITY_BARS, DesignPrinciplesExperiment.SKIP_BARS,
                DesignPrinciplesExperiment.TRAINING_CURVES, DesignPrinciplesExperiment.PLACEMENT_BARS,
                DesignPrinciplesExperiment.diagnosticFigure(AttentionDiagnostics.NORMALISED_ENTROPY),
                DesignPrinciplesExperiment.diagnosticFigure(AttentionDiagnostics.SINK_MASS),
                DesignPrinciplesExperiment.diagnosticFigure(AttentionDiagnostics.LOCAL_FOCUS)),
                List.copyOf(r.namedFigures().keySet()));
        Table perLayer = r.table(DesignPrinciplesExperiment.DIAGNOSTICS_PER_LAYER);
        assertEquals(List.of("run", "layer", "metric", "value"), perLayer.columnNames());
        assertEquals("layer 1", perLayer.stringColumn("layer").get(0));
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("Time: wall")));
    }

    @Test
    void registered() {
        assertSame(DesignPrinciplesExperiment.class, Experiments.named("design-principles").getClass());
    }
}
