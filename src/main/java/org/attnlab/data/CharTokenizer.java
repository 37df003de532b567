package org.attnlab.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One token per Unicode code point. The vocabulary is id 0 = {@code <unk>} followed by every code point of the
 * fitting text in ascending order. Unknown code points encode to {@link #UNKNOWN} (or fail with
 * {@link #encodeStrict}); {@code <unk>} decodes to U+FFFD.
 *
 * <p>Example: {@code fit("abca")} has vocabulary {@code [<unk>, a, b, c]}; {@code encode("cab!")} is
 * {@code [3, 1, 2, 0]} and decodes to {@code "cab\uFFFD"}.
 */
public final class CharTokenizer implements Tokenizer {

    static final String HEADER = "attnlab-char-tokenizer v1";
    /** The id of {@code <unk>}. */
    public static final int UNKNOWN = 0;
    public static final String UNKNOWN_TOKEN = "<unk>";

    private final int[] codePoints; // id -> code point; index 0 unused (unknown)
    private final Map<Integer, Integer> ids;

    private CharTokenizer(int[] codePoints) {
        this.codePoints = codePoints;
        this.ids = new HashMap<>(codePoints.length * 2);
        for (int id = 1; id < codePoints.length; id++) {
            ids.put(codePoints[id], id);
        }
    }

    /** The vocabulary of every distinct code point in {@code text}, plus {@code <unk>}. */
    public static CharTokenizer fit(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("CharTokenizer.fit needs non-empty text");
        }
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        int[] cps = new int[set.size() + 1];
        int i = 1;
        for (int cp : set) {
            cps[i++] = cp;
        }
        return new CharTokenizer(cps);
    }

    @Override
    public int vocabSize() {
        return codePoints.length;
    }

    /** Code points outside the vocabulary become {@link #UNKNOWN}. */
    @Override
    public int[] encode(String text) {
        return text.codePoints().map(cp -> ids.getOrDefault(cp, UNKNOWN)).toArray();
    }

    /** Like {@link #encode}, but an unknown code point fails naming it and its index. */
    public int[] encodeStrict(String text) {
        int[] cps = text.codePoints().toArray();
        int[] out = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            Integer id = ids.get(cps[i]);
            if (id == null) {
                throw new IllegalArgumentException("Character '" + new String(Character.toChars(cps[i])) + "' (U+"
                        + String.format("%04X", cps[i]) + ") at code point " + i + " is not in the vocabulary of "
                        + (vocabSize() - 1) + " characters");
            }
            out[i] = id;
        }
        return out;
    }

    @Override
    public String decode(int[] tokenIds) {
        Tokenizer.checkIds(tokenIds, vocabSize());
        StringBuilder sb = new StringBuilder(tokenIds.length);
        for (int id : tokenIds) {
            sb.appendCodePoint(id == UNKNOWN ? 0xFFFD : codePoints[id]);
        }
        return sb.toString();
    }

    @Override
    public String token(int id) {
        Tokenizer.checkIds(new int[] {id}, vocabSize());
        return id == UNKNOWN ? UNKNOWN_TOKEN : new String(Character.toChars(codePoints[id]));
    }

    /** Format: the header line, then one code point (decimal) per line for ids 1, 2, ... */
    @Override
    public void save(Path file) {
        List<String> lines = new ArrayList<>(codePoints.length);
        lines.add(HEADER);
        for (int id = 1; id < codePoints.length; id++) {
            lines.add(Integer.toString(codePoints[id]));
        }
        Tokenizer.writeLines(file, lines);
    }

    static CharTokenizer fromLines(List<String> lines, Path file) {
        int[] cps = new int[lines.size()];
        for (int i = 1; i < lines.size(); i++) {
            try {
                cps[i] = Integer.parseInt(lines.get(i).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Line " + (i + 1) + " of " + file + " is not a code point: '"
                        + lines.get(i) + "'");
            }
        }
        return new CharTokenizer(cps);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CharTokenizer c && Arrays.equals(codePoints, c.codePoints);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codePoints);
    }

    @Override
    public String toString() {
        return "CharTokenizer[" + vocabSize() + " tokens]";
    }
}
