package org.attnlab.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlotsNdArrayTest {

    @Test
    void matrixKeepsRowMajorOrderAndDropsUnitAxes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.arange(0f, 6f).reshape(1, 1, 2, 3);
            float[][] got = Plots.matrix(a);
            assertArrayEquals(new float[] {0, 1, 2}, got[0]);
            assertArrayEquals(new float[] {3, 4, 5}, got[1]);
            assertThrows(IllegalArgumentException.class, () -> Plots.matrix(m.zeros(new Shape(2, 2, 2))));
        }
    }

    @Test
    void heatmapsFromAnArrayHaveOnePanelPerLeadingEntryWithItsValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.arange(0f, 8f).reshape(2, 2, 2);
            HeatmapFigure f = Plots.heatmaps(w, List.of("a", "b"), List.of("x", "y"), 2);
            assertEquals(2, f.panels().size());
            assertEquals(7.0, f.panels().get(1).z()[1][1]);
            assertEquals(2.0, f.panels().get(0).z()[1][0]);
            HeatmapFigure one = Plots.heatmap(w.get(1), List.of("x", "y"));
            assertEquals(5.0, one.panels().get(0).z()[0][1]);
        }
    }
}
