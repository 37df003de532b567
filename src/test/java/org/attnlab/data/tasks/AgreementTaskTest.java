package org.attnlab.data.tasks;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgreementTaskTest {

    final AgreementTask task = new AgreementTask();
    final Vocabulary v = task.vocabulary();

    /** Every annotated determiner agrees with its noun and every verb with its subject. */
    void assertGrammatical(Example e) {
        int[] in = e.inputs();
        int[] d = e.positions(AgreementTask.DETERMINERS);
        int[] dn = e.positions(AgreementTask.DETERMINER_NOUNS);
        assertEquals(d.length, dn.length);
        for (int i = 0; i < d.length; i++) {
            assertTrue(v.token(in[d[i]]).matches("this|these|that|those|a|some|every|many"), v.render(in));
            assertEquals(task.number(in[d[i]]), task.number(in[dn[i]]), v.render(in));
            assertEquals(d[i] + 1, dn[i], "determiner directly precedes its noun");
        }
        int[] vb = e.positions(AgreementTask.VERBS);
        int[] vs = e.positions(AgreementTask.VERB_SUBJECTS);
        assertTrue(vb.length >= 1);
        for (int i = 0; i < vb.length; i++) {
            assertEquals(task.number(in[vs[i]]), task.number(in[vb[i]]), v.render(in));
            assertTrue(vs[i] < vb[i]);
        }
        int[] ob = e.positions(AgreementTask.OBJECTS);
        int[] ov = e.positions(AgreementTask.OBJECT_VERBS);
        assertEquals(ob.length, ov.length);
    }

    @Test
    void everyTemplateIsGrammaticalAndAnnotated() {
        SplittableRandom rng = new SplittableRandom(3);
        for (AgreementTask.Template t : AgreementTask.Template.values()) {
            for (int k = 0; k < 20; k++) {
                Example e = task.sentence(t, rng).toExample();
                assertTrue(e.length() + 1 <= AgreementTask.MAX_SENTENCE_TOKENS, t + ": " + v.render(e.inputs()));
                assertGrammatical(e);
            }
        }
    }

    @Test
    void handWorkedPrepositionalAnnotations() {
        // <s> this dog near those cats runs .
        SplittableRandom rng = new SplittableRandom(0);
        AgreementTask.Sentence s = null;
        for (int k = 0; k < 500; k++) {
            AgreementTask.Sentence c = task.sentence(AgreementTask.Template.PREPOSITIONAL, rng);
            if (task.number(c.tokens()[2]) != task.number(c.tokens()[5])) {
                s = c; // an attractor of the other number
                break;
            }
        }
        Example e = s.toExample();
        assertArrayEquals(new int[] {1, 4}, e.positions(AgreementTask.DETERMINERS));
        assertArrayEquals(new int[] {2, 5}, e.positions(AgreementTask.DETERMINER_NOUNS));
        assertArrayEquals(new int[] {6}, e.positions(AgreementTask.VERBS));
        assertArrayEquals(new int[] {2}, e.positions(AgreementTask.VERB_SUBJECTS));
        assertEquals(task.number(e.inputs()[2]), task.number(e.inputs()[6]), "verb agrees with the subject, not the attractor");
        assertEquals(".", v.token(e.targets()[6]));
    }

    @Test
    void minimalPairsDifferExactlyAtTheAgreeingToken() {
        for (AgreementTask.Phenomenon ph : AgreementTask.Phenomenon.values()) {
            List<AgreementTask.MinimalPair> pairs = task.minimalPairs(50, ph, Split.TEST, 8L);
            assertEquals(50, pairs.size());
            for (AgreementTask.MinimalPair p : pairs) {
                Example good = p.grammatical();
                Example bad = p.ungrammatical();
                assertGrammatical(good);
                assertEquals(good.length(), bad.length());
                for (int t = 0; t < good.length(); t++) {
                    if (t == p.position()) {
                        assertNotEquals(good.inputs()[t], bad.inputs()[t]);
                        assertEquals(task.flipNumber(good.inputs()[t]), bad.inputs()[t]);
                    } else {
                        assertEquals(good.inputs()[t], bad.inputs()[t]);
                    }
                    assertEquals(t == p.position() - 1, good.targets()[t] != bad.targets()[t]);
                }
                int[] in = good.inputs();
                if (ph == AgreementTask.Phenomenon.SUBJECT_VERB) {
                    int[] verbs = good.positions(AgreementTask.VERBS);
                    assertEquals(verbs[verbs.length - 1], p.position(), "the main verb is flipped");
                    int subject = good.positions(AgreementTask.VERB_SUBJECTS)[verbs.length - 1];
                    assertNotEquals(task.number(in[subject]), task.number(bad.inputs()[p.position()]));
                } else {
                    assertEquals(1, p.position(), "the first determiner is flipped");
                    assertNotEquals(task.number(in[2]), task.number(bad.inputs()[1]));
                }
            }
        }
    }

    @Test
    void batchesArePaddedToTheRequestedLength() {
        TaskBatch b = task.sample(16, 10, Split.TRAIN, 1L);
        assertEquals(10, b.length());
        for (int r = 0; r < 16; r++) {
            int real = b.example(r).gradedPositions().length;
            for (int t = real; t < 10; t++) {
                assertEquals(AgreementTask.PAD, b.inputs()[r][t]);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> task.sample(2, 5, Split.TRAIN, 1L));
        assertTrue(e.getMessage().contains(">= 8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> task.flipNumber(v.id("who")));
    }
}
