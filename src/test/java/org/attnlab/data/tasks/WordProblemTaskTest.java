package org.attnlab.data.tasks;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WordProblemTaskTest {

    @Test
    void groupsHaveTheRightOrderAndIdentityFirst() {
        assertEquals(60, PermutationGroup.a5().order());
        assertEquals(120, PermutationGroup.s5().order());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, PermutationGroup.a5().element(0));
        assertEquals("e", PermutationGroup.s5().names().get(0));
        assertEquals("(123)", PermutationGroup.cycleNotation(PermutationGroup.cycle(1, 2, 3)));
        assertEquals("(12)(345)", PermutationGroup.cycleNotation(new int[] {1, 0, 3, 4, 2}));
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> PermutationGroup.a5().indexOf(PermutationGroup.cycle(1, 2)));
        assertTrue(odd.getMessage().contains("A5"), odd.getMessage());
    }

    @Test
    void handWorkedA5Product() {
        WordProblemTask task = WordProblemTask.a5();
        Vocabulary v = task.vocabulary();
        Example e = task.fromInputs(v.encode("(123) (123) (124)"));
        // (123)(123) = (132); (132)(124): 1->2->1, 2->4->4, 4->1->3, 3->3->2 = (243)
        assertEquals("<bos> (123) (123) (124)", v.render(e.inputs()));
        assertEquals(v.token(0) + " (123) (132) (243)", v.render(e.targets()), "s_0 = e at <bos>, then the products");
        assertArrayEquals(new int[] {1, 2, 3}, e.gradedPositions());
        assertEquals(4, task.inputLength(3));
        assertThrows(IllegalArgumentException.class, () -> task.fromInputs(new int[] {task.bos()}));
    }

    @Test
    void targetsAreRunningProductsOfThePermutations() {
        for (WordProblemTask task : new WordProblemTask[] {WordProblemTask.a5(), WordProblemTask.s5(),
                WordProblemTask.of(PermutationGroup.a5(), WordProblemTask.Sampling.UNIFORM)}) {
            PermutationGroup g = task.group();
            TaskBatch b = task.sample(8, 20, Split.TRAIN, 9L);
            for (int r = 0; r < 8; r++) {
                int[] state = {0, 1, 2, 3, 4};
                for (int t = 0; t < 20; t++) {
                    int[] x = g.element(b.inputs()[r][t + 1]);
                    int[] next = new int[5];
                    for (int i = 0; i < 5; i++) {
                        next[i] = state[x[i]]; // s_t = s_{t-1} o g_t: apply g_t, then s_{t-1}
                    }
                    state = next;
                    assertArrayEquals(state, g.element(b.targets()[r][t + 1]), task.name() + " row " + r + " t " + t);
                }
            }
        }
    }

    @Test
    void generatorSamplingUsesOnlyTheSixA5Generators() {
        WordProblemTask task = WordProblemTask.a5();
        Set<String> seen = new HashSet<>();
        for (int[] row : task.sample(16, 32, Split.TRAIN, 1L).inputs()) {
            assertEquals(task.bos(), row[0], "every sequence starts with <bos>");
            for (int t = 1; t < row.length; t++) {
                seen.add(task.vocabulary().token(row[t]));
            }
        }
        assertEquals(Set.of("(123)", "(132)", "(124)", "(142)", "(125)", "(152)"), seen);
        Set<Integer> uniform = new HashSet<>();
        for (int[] row : WordProblemTask.s5().sample(64, 64, Split.TEST, 1L).inputs()) {
            for (int t = 1; t < row.length; t++) {
                uniform.add(row[t]);
            }
        }
        assertEquals(120, uniform.size(), "uniform sampling reaches every element");
    }

    @Test
    void badLengthFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WordProblemTask.a5().sample(2, 0, Split.TRAIN, 1L));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
    }
}
