package org.attnlab.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A word-level vocabulary: the most frequent words (lower-cased) and one unknown token, so that one tagged word of the
 * Brown Corpus is one token and a head's attention can be read against the tags word by word. Id 0 is {@value #UNK};
 * ids 1.. are the words by falling frequency (ties alphabetical), then any words that must be in it.
 *
 * <pre>{@code
 * WordVocabulary v = WordVocabulary.fit(words, 4000, List.of("dog", "dogs"));  // top 4000 + these
 * int[] ids = v.encode(List.of("The", "jury", "said"));                       // lower-cased; rare words -> 0
 * }</pre>
 */
public final class WordVocabulary {

    /** The token every word outside the vocabulary becomes (id 0). */
    public static final String UNK = "<unk>";

    /**
     * Words of plain text roughly as the Brown Corpus splits them: abbreviations of single letters ({@code U.S.}),
     * words (with inner {@code '} and {@code -}), numbers ({@code 1,200}), single marks.
     */
    public static final Pattern WORD = Pattern.compile(
            "[A-Za-z](?:\\.[A-Za-z])+\\.|[A-Za-z]+(?:['-][A-Za-z]+)*'?|[0-9]+(?:[.,][0-9]+)*|[^\\sA-Za-z0-9]");

    private final List<String> words;
    private final Map<String, Integer> ids = new HashMap<>();

    private WordVocabulary(List<String> words) {
        this.words = List.copyOf(words);
        for (int i = 0; i < this.words.size(); i++) {
            ids.put(this.words.get(i), i);
        }
    }

    /**
     * The {@code size} most frequent of {@code corpusWords} (lower-cased), plus {@code required} words not among them.
     *
     * @param size words kept by frequency (the vocabulary has {@code 1 + size + extra} tokens), at least 1
     */
    public static WordVocabulary fit(Iterable<String> corpusWords, int size, Collection<String> required) {
        if (size < 1) {
            throw new IllegalArgumentException("a word vocabulary needs size >= 1, got " + size);
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String w : corpusWords) {
            counts.merge(w.toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
        List<Map.Entry<String, Integer>> byCount = new ArrayList<>(counts.entrySet());
        byCount.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey())
                : Integer.compare(b.getValue(), a.getValue()));
        Set<String> kept = new LinkedHashSet<>();
        kept.add(UNK);
        for (int i = 0; i < Math.min(size, byCount.size()); i++) {
            kept.add(byCount.get(i).getKey());
        }
        for (String w : required) {
            kept.add(w.toLowerCase(Locale.ROOT));
        }
        return new WordVocabulary(new ArrayList<>(kept));
    }

    /** The words of plain text, in order ({@link #WORD}). */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** Tokens, {@value #UNK} included. */
    public int size() {
        return words.size();
    }

    /** The id of a word (lower-cased); 0 ({@value #UNK}) for a word outside the vocabulary. */
    public int id(String word) {
        return ids.getOrDefault(word.toLowerCase(Locale.ROOT), 0);
    }

    /** Whether a word (lower-cased) has its own id. */
    public boolean contains(String word) {
        return ids.containsKey(word.toLowerCase(Locale.ROOT));
    }

    public int[] encode(List<String> words) {
        int[] out = new int[words.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = id(words.get(i));
        }
        return out;
    }

    /** The token of an id; fails naming the range for an id outside it. */
    public String token(int id) {
        if (id < 0 || id >= words.size()) {
            throw new IllegalArgumentException("word id " + id + " is outside 0.." + (words.size() - 1));
        }
        return words.get(id);
    }

    @Override
    public String toString() {
        return "WordVocabulary[" + words.size() + " tokens]";
    }
}
