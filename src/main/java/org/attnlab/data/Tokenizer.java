package org.attnlab.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Text to token ids and back. Ids are {@code 0 .. vocabSize()-1}; {@code decode(encode(s))} gives {@code s} back
 * for any text the tokenizer can represent ({@link BpeTokenizer}: every string; {@link CharTokenizer}: strings
 * made of characters seen when it was fitted).
 */
public interface Tokenizer {

    int vocabSize();

    int[] encode(String text);

    String decode(int[] ids);

    /** The text of one token, readable in plots (a BPE token that is part of a UTF-8 character shows as {@code <0xAB>}). */
    String token(int id);

    /** {@link #token} for every id, in id order. */
    default List<String> vocabulary() {
        List<String> out = new java.util.ArrayList<>(vocabSize());
        for (int id = 0; id < vocabSize(); id++) {
            out.add(token(id));
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /** Writes the tokenizer as a small UTF-8 text file that {@link #load} reads back. */
    void save(Path file);

    /** Reads a tokenizer written by {@link #save} (either kind; the first line names it). */
    static Tokenizer load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read tokenizer file " + file, e);
        }
        String header = lines.isEmpty() ? "" : lines.get(0);
        if (header.equals(CharTokenizer.HEADER)) {
            return CharTokenizer.fromLines(lines, file);
        }
        if (header.equals(BpeTokenizer.HEADER)) {
            return BpeTokenizer.fromLines(lines, file);
        }
        throw new IllegalArgumentException("File " + file + " is not a saved tokenizer: its first line is '" + header
                + "', expected '" + CharTokenizer.HEADER + "' or '" + BpeTokenizer.HEADER + "'");
    }

    /** Writes lines to a file, creating parent folders. */
    static void writeLines(Path file, List<String> lines) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write tokenizer file " + file, e);
        }
    }

    /** Checks every id is in {@code [0, vocabSize)}; names the first bad one. */
    static void checkIds(int[] ids, int vocabSize) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("Token id " + ids[i] + " at index " + i + " is outside the vocabulary [0, "
                        + vocabSize + ")");
            }
        }
    }
}
