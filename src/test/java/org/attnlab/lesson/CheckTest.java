package org.attnlab.lesson;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.attnlab.attention.AttentionOps;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void randomInputCheckPassesAnImplementationAndFailsTheConstantReadOffOneOutput() {
        try (NDManager m = NDManager.newBaseManager()) {
            float scale = 0.5f;
            Check.RandomInputs inputs = Check.onRandomInputs(m, 7).normal("q", 1, 2, 5, 4).normal("k", 1, 2, 5, 4);
            // a right implementation: mask, softmax, written out by hand
            Check right = inputs.compare("e", in -> {
                NDArray qk = in.get(0).matMul(in.get(1).transpose(0, 1, 3, 2));
                NDArray s = qk.mul(qk.getManager().create(scale));
                return s.add(AttentionOps.causalBias(s.getManager(), 5, s.getDataType())).softmax(-1);
            }, in -> AttentionOps.softmaxWeights(in.get(0), in.get(1), scale), 1e-5);
            assertTrue(right.passed(), right.toString());
            // the constant a student could copy from the first draw's output: right once, wrong on the next draw
            NDArray[] first = new NDArray[1];
            Check.onRandomInputs(m, 7).normal("q", 1, 2, 5, 4).normal("k", 1, 2, 5, 4).compare("probe", in -> {
                NDArray out = AttentionOps.softmaxWeights(in.get(0), in.get(1), scale);
                if (first[0] == null) {
                    first[0] = m.create(out.toFloatArray(), out.getShape());
                }
                return out;
            }, in -> AttentionOps.softmaxWeights(in.get(0), in.get(1), scale), 1e-5);
            Check constant = inputs.compare("e", in -> first[0], in -> AttentionOps.softmaxWeights(in.get(0), in.get(1), scale), 1e-5);
            assertFalse(constant.passed());
            assertTrue(constant.toString().contains("random draw 2 of 3"), constant.toString());
            // the usual slip: no mask
            Check noMask = inputs.compare("e", in -> in.get(0).matMul(in.get(1).transpose(0, 1, 3, 2)).mul(scale).softmax(-1),
                    in -> AttentionOps.softmaxWeights(in.get(0), in.get(1), scale), 1e-5);
            assertFalse(noMask.passed());
        }
    }

    @Test
    void randomInputCheckAcceptsAFloat64Answer() {
        try (NDManager m = NDManager.newBaseManager()) {
            Check c = Check.onRandomInputs(m, 3).normal("x", 2, 3).compare("e",
                    in -> in.get(0).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).exp(),
                    in -> in.get(0).exp(), 1e-5);
            assertTrue(c.passed(), c.toString());
            Check wrong = Check.onRandomInputs(m, 3).normal("x", 2, 3).compare("e",
                    in -> in.get(0).toType(ai.djl.ndarray.types.DataType.FLOAT64, false),
                    in -> in.get(0).exp(), 1e-5);
            assertFalse(wrong.passed(), wrong.toString());
        }
    }

    @Test
    void randomInputCheckNeverThrowsOnAStudentsMistake() {
        try (NDManager m = NDManager.newBaseManager()) {
            Check.RandomInputs inputs = Check.onRandomInputs(m, 1).normal("x", 3, 4);
            Check unanswered = inputs.compare("e", in -> null, in -> in.get(0).exp(), 1e-6);
            assertTrue(unanswered.toString().contains("still returns null"), unanswered.toString());
            Check threw = inputs.compare("e", in -> { throw new IllegalArgumentException("bad axis 5"); }, in -> in.get(0).exp(), 1e-6);
            assertTrue(threw.toString().contains("IllegalArgumentException: bad axis 5"), threw.toString());
            Check shape = inputs.compare("e", in -> in.get(0).sum(new int[] {1}), in -> in.get(0).exp(), 1e-6);
            assertTrue(shape.toString().contains("shape (3)") && shape.toString().contains("x (3, 4)"), shape.toString());
        }
    }

    @Test
    void randomInputsHonourTheirLawsAndRefuseAReferenceThatIgnoresThem() {
        try (NDManager m = NDManager.newBaseManager()) {
            Check.RandomInputs unit = Check.onRandomInputs(m, 3).unitVectors("w", 2, 6, 5).uniform("beta", 0f, 2f, 2, 6);
            // unit vectors: |w| = 1 exactly where the answer assumes it (beta added so the reference varies)
            Check norms = unit.compare("norms", in -> in.get(1).add(1f),
                    in -> in.get(0).norm(new int[] {2}).add(in.get(1)), 1e-5);
            assertTrue(norms.passed(), norms.toString());
            Check inRange = unit.compare("beta range", in -> in.get(1).clip(0f, 2f), in -> in.get(1), 0);
            assertTrue(inRange.passed(), inRange.toString());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> unit.compare("bad", in -> null, in -> in.get(0).norm(new int[] {2}), 1e-5));
            assertTrue(e.getMessage().contains("a constant answer could pass"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Check.onRandomInputs(m, 1).uniform("b", 2f, 1f, 3));
            assertThrows(IllegalArgumentException.class, () -> Check.onRandomInputs(m, 1).trials(1));
        }
    }

    @Test
    void equalAsksForAnAnswerWhenItIsEmptyOrNull() {
        assertTrue(Check.equal("Exercise 1", "", "x").toString().contains("fill in your answer (it is still empty)"));
        assertTrue(Check.equal("Exercise 1", null, 3).toString().contains("fill in your answer (it is still null)"));
        assertTrue(Check.equal("Exercise 1", 2, 3).toString().contains("your answer is 2; look again"));
        assertFalse(Check.equal("Exercise 1", " ", "x").toString().contains("your answer is"));
    }

    @Test
    void choiceGradesTheLetterAndExplains() {
        Check right = Check.choice("Predict 1", " (B) ", "b", "think about the mask", "the mask ties keys to positions");
        assertTrue(right.passed());
        assertTrue(right.toString().contains("the mask ties keys to positions"), right.toString());
        Check wrong = Check.choice("Predict 1", "a", "b", "think about the mask", "why");
        assertFalse(wrong.passed());
        assertTrue(wrong.toString().contains("think about the mask") && !wrong.toString().contains("why"), wrong.toString());
        assertTrue(Check.choice("Predict 1", "", "b", "h", "w").toString().contains("write your prediction first"));
    }

    @Test
    void findingsHasTheFourColumns() {
        Findings f = Findings.create("t").row("PaTH", "0.0001%", "0.3%", "1 layer");
        assertEquals(4, f.table().columnCount());
        assertEquals("0.3%", f.table().stringColumn("here").get(0));
    }
}
