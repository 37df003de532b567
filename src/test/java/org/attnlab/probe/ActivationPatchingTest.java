package org.attnlab.probe;

import ai.djl.ndarray.NDManager;
import org.attnlab.model.DecoderLM;
import org.attnlab.viz.HeatmapFigure;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActivationPatchingTest {

    private static final int LEN = 6;
    private static final int CHANGED = 2;                       // the one position where corrupted differs

    private static int[][] clean() {
        return new int[][] {{1, 4, 2, 7, 3, 5}, {6, 0, 9, 2, 8, 1}};
    }

    private static int[][] corrupted() {
        int[][] c = clean();
        c[0][CHANGED] = 10;
        c[1][CHANGED] = 3;
        return c;
    }

    private static final LogitMetric DIFF = LogitMetric.logitDifference(-1, new int[] {2, 9}, new int[] {10, 3});

    @Test
    void patchingEveryPositionOfALayersResidualStreamRecoversTheCleanMetric() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 31);
            for (int layer = 0; layer < 2; layer++) {
                double r = ActivationPatching.recovered(lm, m, clean(), corrupted(), DIFF,
                        ActivationPatching.residual(layer));
                assertEquals(1.0, r, 1e-6, "layer " + layer);
            }
            // patching the clean run's activations into a run of the clean input recovers 100% of nothing: refused
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ActivationPatching.recovered(lm, m, clean(), clean(), DIFF, ActivationPatching.residual(0)));
            assertTrue(e.getMessage().contains("nothing to recover"), e.getMessage());
        }
    }

    @Test
    void theResidualSweepFindsTheChangedPositionAndNothingBeforeIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 32);
            Table t = ActivationPatching.residual(lm, m, clean(), corrupted(), DIFF);
            assertEquals(2 * LEN * 2, t.rowCount());
            Table rec = ProbeTable.only(t, ActivationPatching.RECOVERED);
            for (int r = 0; r < rec.rowCount(); r++) {
                int layer = rec.intColumn(ProbeTable.LAYER).getInt(r);
                int p = rec.intColumn(ProbeTable.POSITION).getInt(r);
                double v = rec.doubleColumn(ProbeTable.VALUE).getDouble(r);
                if (layer == 0) {
                    // entering layer 0 the two runs differ at CHANGED only: patching it is patching everything
                    assertEquals(p == CHANGED ? 1.0 : 0.0, v, 1e-6, "layer 0 position " + p);
                } else if (p < CHANGED) {
                    assertEquals(0.0, v, 1e-6, "causal: position " + p + " never saw the change");
                }
            }
            HeatmapFigure f = ActivationPatching.residualFigure(t, List.of("a", "b", "c", "d", "e", "f"));
            String svg = f.svg();
            assertTrue(svg.contains(ActivationPatching.RECOVERED_LABEL) && svg.contains(">layer<")
                    && svg.contains(">position<") && svg.contains("2 c"), "named axes, colour bar, labels");
            assertEquals(1, f.panels().size());
            assertEquals(2, f.panels().get(0).z().length);
            assertEquals(LEN, f.panels().get(0).z()[0].length);
        }
    }

    @Test
    void theHeadSweepGivesASilentHeadNothingAndAFigureOfLayerByHead() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 33);
            ProbeFixtures.silenceHead(lm, m, 1, 0);
            Table t = ActivationPatching.heads(lm, m, clean(), corrupted(), DIFF);
            assertEquals(0.0, ProbeTable.value(t, 1, 0, ActivationPatching.RECOVERED), 1e-6);
            assertTrue(Math.abs(ProbeTable.value(t, 1, 1, ActivationPatching.RECOVERED)) > 1e-4);
            double patched = ProbeTable.value(t, 0, 1, ActivationPatching.PATCHED_METRIC);
            assertEquals(ActivationPatching.recovered(lm, m, clean(), corrupted(), DIFF, ActivationPatching.head(0, 1)),
                    ProbeTable.value(t, 0, 1, ActivationPatching.RECOVERED), 1e-9);
            assertTrue(Double.isFinite(patched));
            String svg = ActivationPatching.headFigure(t).svg();
            assertTrue(svg.contains(ActivationPatching.RECOVERED_LABEL) && svg.contains(">head<"),
                    "axes and colour bar");
        }
    }

    @Test
    void inputsOfDifferentShapesFailNamingBoth() {
        try (NDManager m = NDManager.newBaseManager()) {
            DecoderLM lm = ProbeFixtures.model(m, 34);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ActivationPatching.residual(
                    lm, m, clean(), new int[][] {{1, 2, 3}}, DIFF));
            assertTrue(e.getMessage().contains("[2, 6]") && e.getMessage().contains("[1, 3]"), e.getMessage());
        }
    }
}
