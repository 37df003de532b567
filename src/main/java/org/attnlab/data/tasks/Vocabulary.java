package org.attnlab.data.tasks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A task's tokens: id {@code i} is {@code tokens().get(i)}. Token strings label plots and make examples readable.
 */
public record Vocabulary(List<String> tokens) {

    public Vocabulary {
        tokens = List.copyOf(tokens);
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("A vocabulary needs at least one token");
        }
        if (tokens.stream().distinct().count() != tokens.size()) {
            throw new IllegalArgumentException("Vocabulary tokens must be distinct: " + tokens);
        }
    }

    public static Vocabulary of(String... tokens) {
        return new Vocabulary(Arrays.asList(tokens));
    }

    /** A builder-style concatenation of several token lists. */
    @SafeVarargs
    public static Vocabulary concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return new Vocabulary(all);
    }

    /** {@code prefix0 .. prefix(n-1)}. */
    public static List<String> numbered(String prefix, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    public int size() {
        return tokens.size();
    }

    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IllegalArgumentException("Token id " + id + " is outside this vocabulary of " + tokens.size()
                    + " tokens");
        }
        return tokens.get(id);
    }

    /** The id of a token string; fails naming the vocabulary when it is not there. */
    public int id(String token) {
        int i = index().getOrDefault(token, -1);
        if (i < 0) {
            throw new IllegalArgumentException("Token '" + token + "' is not in the vocabulary " + abbreviated());
        }
        return i;
    }

    /** Ids of space-separated token strings, e.g. {@code encode("w 0 i 1 r")}. */
    public int[] encode(String spaceSeparated) {
        String trimmed = spaceSeparated.trim();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        return Arrays.stream(trimmed.split("\\s+")).mapToInt(this::id).toArray();
    }

    /** Token strings joined by spaces, e.g. {@code "w 0 i 1 r 0"}. */
    public String render(int[] ids) {
        StringJoiner j = new StringJoiner(" ");
        for (int id : ids) {
            j.add(token(id));
        }
        return j.toString();
    }

    /**
     * Inputs as tokens, each graded position followed by its target in brackets, e.g. for flip-flop
     * {@code "w 1 i 0 r [1] 1 w 0 i 1 r [0]"}: readable in a notebook cell.
     */
    public String describe(Example e) {
        StringJoiner j = new StringJoiner(" ");
        for (int t = 0; t < e.length(); t++) {
            j.add(token(e.inputs()[t]));
            if (e.lossMask()[t]) {
                j.add("[" + token(e.targets()[t]) + "]");
            }
        }
        return j.toString();
    }

    private Map<String, Integer> index() {
        Map<String, Integer> m = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) {
            m.put(tokens.get(i), i);
        }
        return m;
    }

    private String abbreviated() {
        return tokens.size() <= 20 ? tokens.toString() : tokens.subList(0, 20) + "... (" + tokens.size() + " tokens)";
    }
}
