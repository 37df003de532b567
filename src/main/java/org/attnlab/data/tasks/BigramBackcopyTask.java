package org.attnlab.data.tasks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Bigram-Backcopy (Guo et al. 2024, "Active-dormant attention heads", arXiv 2410.13835): the smallest task on which
 * attention sinks form. A sequence starts with {@code BOS}; every following token is drawn from a fixed bigram
 * chain, except after a <i>trigger</i> token, where the next token copies the token just before the trigger:
 * <pre>
 *   x_0 = BOS,  x_1 ~ start,   x_{t+1} = x_{t-1}            if x_t is a trigger
 *                              x_{t+1} ~ P(. | x_t)         otherwise
 * </pre>
 * Most positions need only the current token (a bigram, which the MLP reads without attention); only the position
 * after a trigger needs to look back one token. So most attention heads have nothing to do on most tokens, and
 * they learn to park their weight on {@code BOS} (a sink) there, and become active on triggers.
 *
 * <p>Vocabulary: {@code BOS} (id 0; spelled so plots do not read it as a tag), {@code t0..t(N-1)} (ids 1..N), of which
 * the last {@code triggers} are the trigger tokens, also named {@code T0..}. The chain {@code P} is fixed by
 * {@code chainSeed}: each row puts log-normal weights ({@code exp(spread z)}, z standard normal) on every
 * non-{@code BOS} token ({@link #DEFAULT_SPREAD} unless given), so rows are peaked but full. A trigger's row is never used; a trigger is never followed by
 * a trigger (the copied token came from before a trigger, which was drawn from a row of a non-trigger), and the
 * token after {@code BOS} is never a trigger. Every position is graded.
 *
 * <p>Named positions: {@code "trigger"}, input indices t whose input is a trigger (the target is the copy);
 * {@code "bigram"}, every other index t >= 1.
 */
public final class BigramBackcopyTask implements Task {

    public static final int BOS = 0;
    public static final String BOS_TOKEN = "BOS";
    public static final String TRIGGER = "trigger";
    public static final String BIGRAM = "bigram";

    /** Guo et al.'s sizes: about 64 tokens, 3 of them triggers. */
    public static final int DEFAULT_TOKENS = 64;
    public static final int DEFAULT_TRIGGERS = 3;
    /** The paper's sequence length. */
    public static final int DEFAULT_LENGTH = 128;

    /** The default spread of the chain's log-normal weights: rows put most of their mass on a few tokens. */
    public static final double DEFAULT_SPREAD = 3.0;

    private final int tokens;
    private final int triggers;
    private final Vocabulary vocab;
    private final double[][] cumulative;     // [token id][next id]: running sums of P(next | token), rows of non-triggers
    private final double[] startCumulative;  // the token after BOS: uniform over non-triggers

    /**
     * @param tokens    N tokens besides {@code BOS} (at least triggers + 2)
     * @param triggers  how many of them are triggers (at least 1)
     * @param chainSeed fixes the bigram chain
     */
    public BigramBackcopyTask(int tokens, int triggers, long chainSeed) {
        this(tokens, triggers, DEFAULT_SPREAD, chainSeed);
    }

    /**
     * @param spread the log-normal spread of each row's weights ({@code exp(spread z)}): 0 gives uniform rows, larger
     *               values peakier ones (a lower bigram loss)
     */
    public BigramBackcopyTask(int tokens, int triggers, double spread, long chainSeed) {
        if (!(spread >= 0) || !Double.isFinite(spread)) {
            throw new IllegalArgumentException("spread must be a finite number >= 0; got spread=" + spread);
        }
        if (triggers < 1) {
            throw new IllegalArgumentException("Bigram-Backcopy needs at least 1 trigger token; got triggers=" + triggers);
        }
        if (tokens < triggers + 2) {
            throw new IllegalArgumentException("Bigram-Backcopy needs at least triggers + 2 = " + (triggers + 2)
                    + " tokens; got tokens=" + tokens);
        }
        this.tokens = tokens;
        this.triggers = triggers;
        List<String> names = new ArrayList<>();
        names.add(BOS_TOKEN);
        for (int i = 0; i < tokens; i++) {
            names.add(i < tokens - triggers ? "t" + i : "T" + (i - tokens + triggers));
        }
        this.vocab = new Vocabulary(names);
        SplittableRandom rng = new SplittableRandom(chainSeed);
        cumulative = new double[tokens + 1][];
        for (int from = 1; from <= tokens; from++) {
            if (isTrigger(from)) {
                continue;
            }
            double[] w = new double[tokens + 1];                      // w[0] = 0: BOS never follows
            for (int to = 1; to <= tokens; to++) {
                w[to] = Math.exp(spread * rng.nextGaussian());
            }
            cumulative[from] = runningSums(w);
        }
        double[] start = new double[tokens + 1];
        for (int to = 1; to <= tokens; to++) {
            start[to] = isTrigger(to) ? 0 : 1;
        }
        startCumulative = runningSums(start);
    }

    /** Guo et al.'s sizes: 64 tokens, 3 triggers. */
    public static BigramBackcopyTask standard(long chainSeed) {
        return new BigramBackcopyTask(DEFAULT_TOKENS, DEFAULT_TRIGGERS, chainSeed);
    }

    @Override
    public String name() {
        return "bigram-backcopy";
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public List<Split> splits() {
        return List.of(Split.TRAIN, Split.TEST);
    }

    @Override
    public String lengthMeaning() {
        return "tokens per sequence, BOS included (at least 3); the input is one shorter";
    }

    @Override
    public int inputLength(int length) {
        if (length < 3) {
            throw new IllegalArgumentException("Bigram-Backcopy length must be at least 3 (BOS and two tokens); got "
                    + length);
        }
        return length - 1;
    }

    /** True for the trigger token ids (the last {@code triggers} of 1..N). */
    public boolean isTrigger(int id) {
        return id > tokens - triggers && id <= tokens;
    }

    /** The trigger ids. */
    public int[] triggerIds() {
        int[] t = new int[triggers];
        for (int i = 0; i < triggers; i++) {
            t[i] = tokens - triggers + 1 + i;
        }
        return t;
    }

    /** {@code P(next | from)} for a non-trigger {@code from} (ids 1..N); fails for BOS and triggers. */
    public double probability(int from, int next) {
        if (from < 1 || from > tokens || isTrigger(from)) {
            throw new IllegalArgumentException("the bigram chain has rows for non-trigger tokens 1.."
                    + (tokens - triggers) + "; got " + from);
        }
        double[] c = cumulative[from];
        return next <= 0 || next > tokens ? 0 : c[next] - c[next - 1];
    }

    @Override
    public Example generate(int length, Split split, SplittableRandom rng) {
        int[] seq = new int[length];
        seq[0] = BOS;
        seq[1] = draw(startCumulative, rng);
        for (int t = 1; t + 1 < length; t++) {
            seq[t + 1] = isTrigger(seq[t]) ? seq[t - 1] : draw(cumulative[seq[t]], rng);
        }
        int n = length - 1;
        boolean[] graded = new boolean[n];
        Arrays.fill(graded, true);
        int[] trig = java.util.stream.IntStream.range(0, n).filter(t -> isTrigger(seq[t])).toArray();
        int[] big = java.util.stream.IntStream.range(1, n).filter(t -> !isTrigger(seq[t])).toArray();
        return Example.nextToken(seq, graded, Map.of(TRIGGER, trig, BIGRAM, big));
    }

    private static double[] runningSums(double[] w) {
        double total = Arrays.stream(w).sum();
        double[] c = new double[w.length];
        double run = 0;
        for (int i = 0; i < w.length; i++) {
            run += w[i] / total;
            c[i] = run;
        }
        c[w.length - 1] = 1.0;
        return c;
    }

    private static int draw(double[] cumulative, SplittableRandom rng) {
        double u = rng.nextDouble();
        for (int i = 0; i < cumulative.length; i++) {
            if (u < cumulative[i] && cumulative[i] > (i == 0 ? 0 : cumulative[i - 1])) {
                return i;
            }
        }
        for (int i = cumulative.length - 1; i > 0; i--) {          // u rounded past the last step: the last token drawn
            if (cumulative[i] > cumulative[i - 1]) {
                return i;
            }
        }
        throw new IllegalStateException("empty distribution");
    }
}
