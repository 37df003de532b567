package org.attnlab.lesson;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckTest {

    @Test
    void closeRequiresAnAnswerWithinTolerance() {
        assertTrue(Check.close("e", 0.5001, 0.5, 1e-3).passed());
        assertFalse(Check.close("e", 0.6, 0.5, 1e-3).passed());
        Check unanswered = Check.close("e", Double.NaN, 0.5, 1e-3);
        assertFalse(unanswered.passed());
        assertTrue(unanswered.toString().contains("still NaN"), unanswered.toString());
    }

    @Test
    void htmlCarriesTheVerdictForTheSolutionsRun() {
        assertTrue(Check.equal("e", 3, 3).mimeBundle().get("text/html").contains("data-attnlab-check=\"pass\""));
        String fail = Check.equal("Exercise <1>", 2, 3).mimeBundle().get("text/html");
        assertTrue(fail.contains("data-attnlab-check=\"fail\"") && fail.contains("Exercise &lt;1&gt;"), fail);
    }

    @Test
    void allCloseComparesShapesThenValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            var a = m.create(new float[] {1, 2, 3});
            assertTrue(Check.allClose("e", a, m.create(new float[] {1, 2, 3.00001f}), 1e-4).passed());
            Check shape = Check.allClose("e", a.reshape(1, 3), a, 1e-4);
            assertFalse(shape.passed());
            assertTrue(shape.toString().contains("(1, 3)"), shape.toString());
            assertFalse(Check.allClose("e", null, a, 1e-4).passed());
        }
    }

    @Test
    void findingsHasTheFourColumns() {
        Findings f = Findings.create("t").row("PaTH", "0.0001%", "0.3%", "1 layer");
        assertEquals(4, f.table().columnCount());
        assertEquals("0.3%", f.table().stringColumn("here").get(0));
    }
}
