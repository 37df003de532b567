package org.attnlab.data.tasks;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FunctionTaskTest {

    final Vocabulary v = FunctionTask.all().vocabulary();

    @Test
    void functionsOnHandPickedWords() {
        int c7 = 2 * 8 + 7;
        int c5 = 2 * 8 + 5;
        assertEquals("d0", v.token(FunctionTask.apply(FunctionTask.Function.SUCCESSOR, c7)));
        assertEquals("a0", v.token(FunctionTask.apply(FunctionTask.Function.SUCCESSOR, 63)));
        assertEquals("C", v.token(FunctionTask.apply(FunctionTask.Function.FIRST_LETTER, c5)));
        assertEquals("c5", v.token(FunctionTask.apply(FunctionTask.Function.COPY, c5)));
        for (int w = 0; w < 64; w++) {
            int partner = FunctionTask.apply(FunctionTask.Function.ANTONYM, w) - FunctionTask.wordId(0);
            assertNotEquals(w, partner, "no word is its own antonym");
            assertEquals(FunctionTask.wordId(w), FunctionTask.apply(FunctionTask.Function.ANTONYM, partner), "antonym is an involution");
        }
    }

    @Test
    void promptsHaveDemonstrationsThenAQuery() {
        FunctionTask task = FunctionTask.of(FunctionTask.Function.SUCCESSOR);
        TaskBatch b = task.sample(8, 3, Split.TRAIN, 4L);
        assertEquals(15, b.length());
        for (int r = 0; r < 8; r++) {
            Example e = b.example(r);
            String[] tok = v.render(e.inputs()).split(" ");
            assertEquals("<s>", tok[0]);
            Set<Integer> xs = new HashSet<>();
            for (int d = 0; d <= 3; d++) {
                int arrow = 2 + 4 * d;
                assertEquals("->", tok[arrow]);
                int x = e.inputs()[arrow - 1] - FunctionTask.wordId(0);
                xs.add(x);
                assertEquals(FunctionTask.apply(FunctionTask.Function.SUCCESSOR, x), e.targets()[arrow]);
                if (d < 3) {
                    assertEquals(",", tok[arrow + 2]);
                }
            }
            assertEquals(4, xs.size(), "the x's of a prompt are distinct");
            assertArrayEquals(new int[] {2, 6, 10, 14}, e.gradedPositions());
            assertArrayEquals(new int[] {14}, e.positions(FunctionTask.QUERY));
            assertArrayEquals(new int[] {FunctionTask.Function.SUCCESSOR.ordinal()}, e.positions(FunctionTask.FUNCTION));
        }
    }

    @Test
    void zeroShotAndFixedFunctionSampling() {
        FunctionTask task = FunctionTask.all();
        TaskBatch zero = task.sample(4, 0, FunctionTask.Function.FIRST_LETTER, Split.TEST, 1L);
        assertEquals(3, zero.length());
        for (int r = 0; r < 4; r++) {
            int x = zero.inputs()[r][1] - FunctionTask.wordId(0);
            assertEquals(FunctionTask.letterId(x / 8), zero.targets()[r][2]);
        }
        Set<Integer> seen = new HashSet<>();
        for (Example e : task.sample(64, 2, Split.TRAIN, 1L).examples()) {
            seen.add(e.positions(FunctionTask.FUNCTION)[0]);
        }
        assertEquals(4, seen.size(), "the mixture draws every function");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> task.sample(1, 64, Split.TRAIN, 1L));
        assertTrue(e.getMessage().contains("64"), e.getMessage());
        assertThrows(IllegalArgumentException.class, FunctionTask::of);
    }

    @Test
    void shuffledLabelsPermuteTheDemonstrationAnswersOnly() {
        FunctionTask task = FunctionTask.all();
        TaskBatch batch = task.sample(16, 6, FunctionTask.Function.SUCCESSOR, Split.TEST, 3);
        int[][] before = new int[16][];
        for (int b = 0; b < 16; b++) {
            before[b] = batch.inputs()[b].clone();
        }
        int[][] shuffled = FunctionTask.shuffledLabels(batch, 9);
        int changedRows = 0;
        for (int b = 0; b < 16; b++) {
            assertArrayEquals(before[b], batch.inputs()[b], "the batch itself is untouched");
            int[] arrows = batch.example(b).positions(FunctionTask.ARROWS);
            java.util.List<Integer> was = new java.util.ArrayList<>();
            java.util.List<Integer> now = new java.util.ArrayList<>();
            java.util.Set<Integer> labelPositions = new java.util.HashSet<>();
            for (int d = 0; d < arrows.length - 1; d++) {
                labelPositions.add(arrows[d] + 1);
                was.add(before[b][arrows[d] + 1]);
                now.add(shuffled[b][arrows[d] + 1]);
            }
            for (int t = 0; t < before[b].length; t++) {
                if (!labelPositions.contains(t)) {
                    assertEquals(before[b][t], shuffled[b][t], "row " + b + " position " + t + " is not a label");
                }
            }
            java.util.List<Integer> sortedWas = new java.util.ArrayList<>(was);
            java.util.List<Integer> sortedNow = new java.util.ArrayList<>(now);
            java.util.Collections.sort(sortedWas);
            java.util.Collections.sort(sortedNow);
            assertEquals(sortedWas, sortedNow, "the same labels, reordered");
            changedRows += was.equals(now) ? 0 : 1;
        }
        assertTrue(changedRows >= 14, "6 labels are almost never left in order: " + changedRows + " of 16 changed");
        int[] answers = FunctionTask.queryAnswers(batch);
        for (int b = 0; b < 16; b++) {
            int query = batch.example(b).positions(FunctionTask.QUERY)[0];
            int x = batch.inputs()[b][query - 1] - 3;
            assertEquals(FunctionTask.apply(FunctionTask.Function.SUCCESSOR, x), answers[b]);
        }
    }

    @Test
    void mixedLabelsDrawEachDemonstrationsFunctionAnew() {
        FunctionTask task = FunctionTask.of(FunctionTask.Function.ANTONYM, FunctionTask.Function.FIRST_LETTER);
        TaskBatch batch = task.sample(32, 8, FunctionTask.Function.FIRST_LETTER, Split.TEST, 4);
        int[][] mixed = task.mixedLabels(batch, 5);
        int antonyms = 0;
        int letters = 0;
        for (int b = 0; b < 32; b++) {
            int[] arrows = batch.example(b).positions(FunctionTask.ARROWS);
            for (int t = 0; t < mixed[b].length; t++) {
                boolean label = false;
                for (int d = 0; d < arrows.length - 1; d++) {
                    label |= t == arrows[d] + 1;
                }
                if (!label) {
                    assertEquals(batch.inputs()[b][t], mixed[b][t], "only labels change");
                }
            }
            for (int d = 0; d < arrows.length - 1; d++) {
                int x = mixed[b][arrows[d] - 1] - FunctionTask.wordId(0);
                int y = mixed[b][arrows[d] + 1];
                boolean isAntonym = y == FunctionTask.apply(FunctionTask.Function.ANTONYM, x);
                boolean isLetter = y == FunctionTask.apply(FunctionTask.Function.FIRST_LETTER, x);
                assertTrue(isAntonym || isLetter, "label " + y + " is f(x) for one of the task's functions");
                antonyms += isAntonym ? 1 : 0;
                letters += isLetter ? 1 : 0;
            }
        }
        // 256 labels, each function with probability 1/2
        assertTrue(antonyms > 90 && letters > 90, antonyms + " antonym and " + letters + " letter labels");
    }
}
