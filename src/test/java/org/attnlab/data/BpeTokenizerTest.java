package org.attnlab.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTokenizerTest {

    /**
     * "aaab aaab": pre-tokens "aaab" and " aaab". Counts: (a,a)=4, (a,b)=2, (' ',a)=1 -> merge a+a=256.
     * Words become [256,a,b] and [' ',256,a,b]: (256,a)=2, (a,b)=2 tie -> smaller pair (a,b)=257.
     * Then (256,257)=2 -> 258 = "aaab"; only (' ',258)=1 remains, below the minimum count of 2: stop.
     */
    @Test
    void learnsTheHandWorkedMerges() {
        BpeTokenizer t = BpeTokenizer.train("aaab aaab", 1000);
        assertEquals(3, t.merges().size());
        assertArrayEquals(new int[] {'a', 'a'}, t.merges().get(0));
        assertArrayEquals(new int[] {'a', 'b'}, t.merges().get(1));
        assertArrayEquals(new int[] {256, 257}, t.merges().get(2));
        assertEquals(259, t.vocabSize());
        assertEquals("aa", t.token(256));
        assertEquals("aaab", t.token(258));
        assertArrayEquals(new int[] {258, ' ', 258}, t.encode("aaab aaab"));
        // "aab": merge 0 applies first (a+a), then (256, b) is not a merge.
        assertArrayEquals(new int[] {256, 'b'}, t.encode("aab"));
        // "abaa": (a,a) has the best rank -> a b 256, then (a,b) -> 257 256.
        assertArrayEquals(new int[] {257, 256}, t.encode("abaa"));
    }

    @Test
    void stopsAtTheRequestedVocabularySize() {
        BpeTokenizer t = BpeTokenizer.train("aaab aaab", 257);
        assertEquals(257, t.vocabSize());
        assertArrayEquals(new int[] {'a', 'a'}, t.merges().get(0));
    }

    @Test
    void roundTripsAnyText() {
        BpeTokenizer t = BpeTokenizer.train(CorpusTest.TEXT.repeat(20), 400);
        for (String s : new String[] {CorpusTest.TEXT, "unseen: Zürich \uD83D\uDC33 \t\t  x\n\n", "", "don't we'll"}) {
            assertEquals(s, t.decode(t.encode(s)));
        }
        assertTrue(t.encode(CorpusTest.TEXT).length < CorpusTest.TEXT.length() / 2, "merges compress the training text");
    }

    @Test
    void partialCharacterTokensShowTheirBytes() {
        BpeTokenizer t = BpeTokenizer.train("xyz", 256);
        assertEquals("<0xC3>", t.token(0xC3));
        assertEquals("a", t.token('a'));
    }

    @Test
    void badArgumentsFail() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpeTokenizer.train("abc", 100));
        assertTrue(e.getMessage().contains("256") && e.getMessage().contains("100"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BpeTokenizer.train("", 300));
        BpeTokenizer t = BpeTokenizer.train("abab", 300);
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {t.vocabSize()}));
    }

    @Test
    void saveAndLoadGiveTheSameTokenizer(@TempDir Path dir) throws Exception {
        BpeTokenizer t = BpeTokenizer.train(CorpusTest.TEXT.repeat(5), 320);
        Path f = dir.resolve("bpe.tok");
        t.save(f);
        Tokenizer back = Tokenizer.load(f);
        assertEquals(t, back);
        assertArrayEquals(t.encode(CorpusTest.TEXT), back.encode(CorpusTest.TEXT));
        Files.writeString(f, "something else\n1 2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(f));
        assertTrue(e.getMessage().contains("something else"), e.getMessage());
    }

    /**
     * The incremental trainer learns exactly the merges of the obvious one (recount every pair after every
     * merge, pick the largest count, ties to the smaller (left, right)).
     */
    @Test
    void matchesANaiveReferenceTrainer() {
        String text = CorpusTest.TEXT.repeat(3) + " aaaa aaaaa abab baba xxxxxxx the then there theme";
        BpeTokenizer fast = BpeTokenizer.train(text, 340);
        List<int[]> slow = naiveMerges(text, 340);
        assertTrue(slow.size() > 50, "the reference text gives many merges: " + slow.size());
        assertEquals(slow.size(), fast.merges().size());
        for (int k = 0; k < slow.size(); k++) {
            assertArrayEquals(slow.get(k), fast.merges().get(k), "merge " + k);
        }
    }

    static List<int[]> naiveMerges(String text, int vocabSize) {
        List<List<Integer>> words = new ArrayList<>();
        Matcher m = BpeTokenizer.PRE_TOKENIZER.matcher(text);
        while (m.find()) {
            List<Integer> w = new ArrayList<>();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                w.add(b & 0xff);
            }
            words.add(w);
        }
        List<int[]> merges = new ArrayList<>();
        while (256 + merges.size() < vocabSize) {
            Map<List<Integer>, Integer> counts = new HashMap<>();
            for (List<Integer> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    counts.merge(List.of(w.get(i), w.get(i + 1)), 1, Integer::sum);
                }
            }
            List<Integer> best = null;
            int bestCount = 0;
            for (Map.Entry<List<Integer>, Integer> e : counts.entrySet()) {
                List<Integer> p = e.getKey();
                int c = e.getValue();
                if (c > bestCount || (c == bestCount && (p.get(0) < best.get(0)
                        || (p.get(0).equals(best.get(0)) && p.get(1) < best.get(1))))) {
                    best = p;
                    bestCount = c;
                }
            }
            if (bestCount < BpeTokenizer.MIN_PAIR_COUNT) {
                break;
            }
            int id = 256 + merges.size();
            merges.add(new int[] {best.get(0), best.get(1)});
            for (List<Integer> w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    if (w.get(i).equals(best.get(0)) && w.get(i + 1).equals(best.get(1))) {
                        w.set(i, id);
                        w.remove(i + 1);
                    }
                }
            }
        }
        return merges;
    }

    /** 400 KB of word-like text (Zipf-ish over 20k words) trains to 2048 tokens in seconds (Moby Dick: see the report). */
    @Test
    void trainsOnHundredsOfKilobytesQuickly() {
        SplittableRandom rng = new SplittableRandom(1);
        String[] words = new String[20000];
        for (int i = 0; i < words.length; i++) {
            int len = 2 + rng.nextInt(8);
            StringBuilder w = new StringBuilder();
            for (int k = 0; k < len; k++) {
                w.append((char) ('a' + rng.nextInt(26)));
            }
            words[i] = w.toString();
        }
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 400_000) {
            double u = rng.nextDouble();
            sb.append(words[(int) (words.length * u * u * u)]).append(rng.nextInt(12) == 0 ? ".\n" : " ");
        }
        String text = sb.toString();
        long t0 = System.nanoTime();
        BpeTokenizer t = BpeTokenizer.train(text, 2048);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        int[] ids = t.encode(text);
        double encodeSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2048, t.vocabSize());
        assertEquals(text, t.decode(ids));
        assertTrue(trainSeconds < 20, "training took " + trainSeconds + " s");
        assertTrue(encodeSeconds < 10, "encoding took " + encodeSeconds + " s");
    }
}
