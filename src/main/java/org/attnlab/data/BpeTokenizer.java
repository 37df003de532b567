package org.attnlab.data;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level byte-pair encoding (the GPT-2 scheme), trained on a corpus.
 *
 * <p>Ids 0..255 are the bytes of UTF-8; merge k creates id {@code 256 + k} standing for the bytes of its left
 * token followed by those of its right token. Text is first cut into pre-tokens by {@link #PRE_TOKENIZER}
 * (a word with its leading space, a number, a run of punctuation, whitespace), and merges never cross a
 * pre-token. Every string encodes (no unknown tokens) and {@code decode(encode(s)).equals(s)}.
 *
 * <p><b>Training</b> ({@link #train}): count pre-tokens; repeatedly merge the most frequent adjacent pair
 * (weighted by pre-token frequency; ties go to the smaller {@code (left, right)} ids) until
 * {@code vocabSize} tokens exist or no pair occurs at least twice. Pair counts are updated incrementally:
 * a merge touches only the pre-tokens that contain the pair, so Moby Dick (1.2 MB) trains to 4096 tokens
 * in a few seconds.
 *
 * <p><b>Encoding</b>: within each pre-token, repeatedly apply the earliest-learned merge present.
 *
 * <p>Example: on {@code "aaab aaab"} the pre-tokens are {@code "aaab"} and {@code " aaab"}; pair
 * {@code (a,a)} occurs 4 times, so merge 0 is {@code a+a -> 256 "aa"}; then {@code (aa,a)} and
 * {@code (a,b)} occur twice... (see the tests for the full hand-worked run).
 */
public final class BpeTokenizer implements Tokenizer {

    static final String HEADER = "attnlab-bpe-tokenizer v1";

    /** GPT-2's pre-tokenizer: contractions, words with one leading space, numbers, punctuation runs, whitespace. */
    public static final Pattern PRE_TOKENIZER = Pattern.compile(
            "'(?:s|t|re|ve|m|ll|d)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    /** Largest supported vocabulary: ids fit in 20 bits. */
    public static final int MAX_VOCAB = 1 << 20;
    private static final int ID_BITS = 20;

    /** Pairs seen fewer times than this are never merged. */
    public static final int MIN_PAIR_COUNT = 2;

    private final int[][] merges;             // merges[k] = {left, right}; creates id 256 + k
    private final byte[][] tokenBytes;        // id -> the bytes it stands for
    private final Map<Long, Integer> rank;    // pair key -> k
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private BpeTokenizer(int[][] merges) {
        this.merges = merges;
        this.tokenBytes = new byte[256 + merges.length][];
        for (int b = 0; b < 256; b++) {
            tokenBytes[b] = new byte[] {(byte) b};
        }
        this.rank = new HashMap<>(merges.length * 2);
        for (int k = 0; k < merges.length; k++) {
            int l = merges[k][0];
            int r = merges[k][1];
            if (l < 0 || r < 0 || l >= 256 + k || r >= 256 + k || 256 + k >= MAX_VOCAB) {
                throw new IllegalArgumentException("Merge " + k + " = (" + l + ", " + r + ") uses an id not yet defined "
                        + "(allowed: 0.." + (256 + k - 1) + ")");
            }
            byte[] a = tokenBytes[l];
            byte[] b = tokenBytes[r];
            byte[] ab = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, ab, a.length, b.length);
            tokenBytes[256 + k] = ab;
            rank.put(key(l, r), k);
        }
    }

    /**
     * Learns merges on {@code text} until the vocabulary has {@code vocabSize} tokens (256 bytes + merges), or
     * stops earlier when no adjacent pair occurs {@link #MIN_PAIR_COUNT} times ({@link #vocabSize()} then
     * reports the size reached).
     *
     * @param vocabSize at least 256
     */
    public static BpeTokenizer train(String text, int vocabSize) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("BpeTokenizer.train needs non-empty text");
        }
        if (vocabSize < 256 || vocabSize > MAX_VOCAB) {
            throw new IllegalArgumentException("vocabSize must be in [256, " + MAX_VOCAB + "] (256 = the byte alphabet), got "
                    + vocabSize);
        }
        // Distinct pre-tokens in sorted order, so training does not depend on hash order.
        TreeMap<String, Long> counts = new TreeMap<>();
        Matcher m = PRE_TOKENIZER.matcher(text);
        while (m.find()) {
            counts.merge(m.group(), 1L, Long::sum);
        }
        int n = counts.size();
        int[][] sym = new int[n][];
        int[] len = new int[n];
        long[] freq = new long[n];
        int w = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            sym[w] = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                sym[w][i] = bytes[i] & 0xff;
            }
            len[w] = bytes.length;
            freq[w] = e.getValue();
            w++;
        }

        Map<Long, PairStat> pairs = new HashMap<>();
        for (w = 0; w < n; w++) {
            for (int i = 0; i + 1 < len[w]; i++) {
                pairs.computeIfAbsent(key(sym[w][i], sym[w][i + 1]), PairStat::new).add(w, freq[w]);
            }
        }
        // Max-heap by count, ties to the smaller key; entries whose count is out of date are skipped when popped.
        PriorityQueue<long[]> heap = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0])
                : Long.compare(a[1], b[1]));
        pairs.values().forEach(p -> heap.add(new long[] {p.count, p.key}));

        List<int[]> learned = new ArrayList<>();
        List<PairStat> touched = new ArrayList<>();
        int[] wordStamp = new int[n];
        Arrays.fill(wordStamp, -1);
        while (256 + learned.size() < vocabSize && !heap.isEmpty()) {
            long[] top = heap.poll();
            PairStat best = pairs.get(top[1]);
            if (best == null || best.count != top[0]) {
                continue; // stale
            }
            if (best.count < MIN_PAIR_COUNT) {
                break;
            }
            int step = learned.size();
            int left = (int) (best.key >>> ID_BITS);
            int right = (int) (best.key & ((1L << ID_BITS) - 1));
            int id = 256 + step;
            learned.add(new int[] {left, right});
            touched.clear();
            pairs.remove(best.key);
            for (int wi = 0; wi < best.size; wi++) {
                int word = best.words[wi];
                if (wordStamp[word] == step) {
                    continue; // listed twice
                }
                wordStamp[word] = step;
                int[] sy = sym[word];
                long f = freq[word];
                // Take the word's pairs out, merge, put its pairs back: unchanged pairs cancel out.
                for (int i = 0; i + 1 < len[word]; i++) {
                    PairStat p = pairs.get(key(sy[i], sy[i + 1]));
                    if (p != null) {
                        p.count -= f;
                        touch(p, step, touched);
                    }
                }
                int out = 0;
                for (int i = 0; i < len[word]; i++) {
                    if (i + 1 < len[word] && sy[i] == left && sy[i + 1] == right) {
                        sy[out++] = id;
                        i++;
                    } else {
                        sy[out++] = sy[i];
                    }
                }
                len[word] = out;
                for (int i = 0; i + 1 < out; i++) {
                    long pk = key(sy[i], sy[i + 1]);
                    PairStat p = pairs.computeIfAbsent(pk, PairStat::new);
                    if (sy[i] == id || sy[i + 1] == id || p.size == 0) {
                        p.add(word, f); // a new pair: remember which words hold it
                    } else {
                        p.count += f;   // an old pair: the word is already listed
                    }
                    touch(p, step, touched);
                }
            }
            for (PairStat p : touched) {
                if (p.count <= 0) {
                    pairs.remove(p.key); // every word that had it lost it
                } else {
                    heap.add(new long[] {p.count, p.key});
                }
            }
        }
        return new BpeTokenizer(learned.toArray(new int[0][]));
    }

    /** Training bookkeeping for one pair: its weighted count and the words that (may) contain it. */
    private static final class PairStat {
        final long key;
        long count;
        int[] words = new int[4];
        int size;
        int stamp = -1;

        PairStat(long key) {
            this.key = key;
        }

        void add(int word, long f) {
            count += f;
            if (size > 0 && words[size - 1] == word) {
                return;
            }
            if (size == words.length) {
                words = Arrays.copyOf(words, size * 2);
            }
            words[size++] = word;
        }
    }

    private static void touch(PairStat p, int step, List<PairStat> touched) {
        if (p.stamp != step) {
            p.stamp = step;
            touched.add(p);
        }
    }

    @Override
    public int vocabSize() {
        return tokenBytes.length;
    }

    /** The learned merges in order: {@code merges().get(k) = {left, right}} creates id {@code 256 + k}. */
    public List<int[]> merges() {
        List<int[]> out = new ArrayList<>(merges.length);
        for (int[] mg : merges) {
            out.add(mg.clone());
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public int[] encode(String text) {
        Matcher m = PRE_TOKENIZER.matcher(text);
        int[] out = new int[Math.max(16, text.length() / 3)];
        int n = 0;
        while (m.find()) {
            int[] ids = encodeWord(m.group());
            if (n + ids.length > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, n + ids.length));
            }
            System.arraycopy(ids, 0, out, n, ids.length);
            n += ids.length;
        }
        return Arrays.copyOf(out, n);
    }

    private int[] encodeWord(String word) {
        int[] hit = cache.get(word);
        if (hit != null) {
            return hit;
        }
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        int[] s = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            s[i] = bytes[i] & 0xff;
        }
        int len = s.length;
        while (len > 1) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < len; i++) {
                Integer r = rank.get(key(s[i], s[i + 1]));
                if (r != null && r < best) {
                    best = r;
                }
            }
            if (best == Integer.MAX_VALUE) {
                break;
            }
            int left = merges[best][0];
            int right = merges[best][1];
            int out = 0;
            for (int i = 0; i < len; i++) {
                if (i + 1 < len && s[i] == left && s[i + 1] == right) {
                    s[out++] = 256 + best;
                    i++;
                } else {
                    s[out++] = s[i];
                }
            }
            len = out;
        }
        int[] ids = Arrays.copyOf(s, len);
        if (cache.size() < 200_000) {
            cache.put(word, ids);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        Tokenizer.checkIds(ids, vocabSize());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            bytes.writeBytes(tokenBytes[id]);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The bytes that token {@code id} stands for. */
    public byte[] tokenBytes(int id) {
        Tokenizer.checkIds(new int[] {id}, vocabSize());
        return tokenBytes[id].clone();
    }

    /** The token's text; if its bytes are not whole UTF-8 characters, each byte shows as {@code <0xAB>}. */
    @Override
    public String token(int id) {
        byte[] b = tokenBytes(id);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            for (byte x : b) {
                sb.append(String.format("<0x%02X>", x & 0xff));
            }
            return sb.toString();
        }
    }

    /** Format: the header line, then one merge {@code "left right"} per line, in order. */
    @Override
    public void save(Path file) {
        List<String> lines = new ArrayList<>(merges.length + 1);
        lines.add(HEADER);
        for (int[] mg : merges) {
            lines.add(mg[0] + " " + mg[1]);
        }
        Tokenizer.writeLines(file, lines);
    }

    static BpeTokenizer fromLines(List<String> lines, Path file) {
        int[][] mg = new int[lines.size() - 1][];
        for (int i = 1; i < lines.size(); i++) {
            String[] parts = lines.get(i).trim().split(" ");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                mg[i - 1] = new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Line " + (i + 1) + " of " + file + " is not a merge 'left right': '"
                        + lines.get(i) + "'");
            }
        }
        return new BpeTokenizer(mg);
    }

    /**
     * Pair key {@code left * 2^20 + right}: ordered like (left, right), and for ids below 2^20 its
     * {@code Long.hashCode} (high word XOR low word) is nearly collision-free, unlike {@code left << 32 | right}
     * whose hash is {@code left ^ right}.
     */
    private static long key(int left, int right) {
        return ((long) left << ID_BITS) | right;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BpeTokenizer b && Arrays.deepEquals(merges, b.merges);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(merges);
    }

    @Override
    public String toString() {
        return "BpeTokenizer[" + vocabSize() + " tokens, " + merges.length + " merges]";
    }
}
