package org.attnlab.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.attnlab.Preset;
import org.attnlab.Seeds;
import org.attnlab.Settings;
import org.attnlab.data.BatchSource;
import org.attnlab.data.Batches;
import org.attnlab.data.CharTokenizer;
import org.attnlab.data.Corpus;
import org.attnlab.data.tasks.BigramBackcopyTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.model.DecoderLM;
import org.attnlab.attention.AttentionKind;
import org.attnlab.model.HookName;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.ModelConfig;
import org.attnlab.model.ModelWeights;
import org.attnlab.probe.HeadScore;
import org.attnlab.probe.HeadScoreTracker;
import org.attnlab.probe.HeadScores;
import org.attnlab.probe.ProbeTable;
import org.attnlab.probe.StreamingScorer;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.train.TensorBatch;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;
import org.attnlab.viz.HeatmapFigure;
import org.attnlab.viz.LineFigure;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Attention sinks, where they come from and why they matter, in three parts, each at two seeds.
 *
 * <p><b>Bigram-Backcopy</b> (Guo et al. 2024, arXiv 2410.13835): a small decoder is trained on
 * {@link BigramBackcopyTask}; most tokens need no attention (a bigram), only the token after a trigger needs the one
 * before it. Every few steps each head's sink mass ({@code mean_{i>=1} w[i][0]}, the weight on {@code BOS}) is
 * measured on fixed probe sequences, overall and split by query: on bigram tokens and on triggers, with the weight on
 * the previous token from each. A head is <i>active-dormant</i> when it looks back from triggers and not from bigram
 * tokens; it rests on the sink when, dormant, it puts its weight on {@code BOS}. The same model is trained with the
 * other {@link Mechanism}s (sigmoid, an extra zero logit, a learnable key/value slot, a sliding window, registers).
 *
 * <p><b>A language model on text</b> (Gu et al. ICLR 2025, arXiv 2410.10781): a character-level model on Moby Dick,
 * random windows of {@code context} characters; the share of heads whose mean attention to the first token
 * exceeds {@value #SINK_THRESHOLD} (Gu et al.'s metric) is tracked over training, with the tokens seen and the
 * parameters beside the paper's 60M parameters and 5B tokens.
 *
 * <p><b>Streaming</b> (Xiao et al. ICLR 2024, arXiv 2309.17453): the text model scores validation text
 * {@code streamFactor} times its training context through a bounded cache ({@link StreamingScorer}): window only
 * ({@code 0 + C}), the first {@value #STREAM_SINKS} tokens kept ({@code 4 + (C-4)}), and dense attention over the
 * whole text (no cache limit, positions past the training length).
 *
 * <p>Presets: smoke (seconds, proves it runs), quick (minutes on a CPU: BB at length 128 with 1 layer and 1 head, as
 * Guo et al.'s scripts use one head per layer, and a 4-layer text model at context 128), full (one GPU: BB for 2000
 * steps, since at quick's sizes the weight on BOS rises only slowly after the copy is learned; text at context
 * 256).
 */
public final class SinksExperiment implements Experiment {

    /** Gu et al.'s threshold: a head is a sink head when its mean attention to the first token exceeds it. */
    public static final double SINK_THRESHOLD = 0.3;
    /** StreamingLLM keeps the first 4 tokens. */
    public static final int STREAM_SINKS = 4;

    /** Table: one row per BB run (seed): losses, copy accuracy, sink shares, the dormant-active head. */
    public static final String BB_SUMMARY = "bb_summary";
    /** Table: BB head scores at every evaluation (seed, step, layer, head, metric, value). */
    public static final String BB_OVER_TRAINING = "bb_over_training";
    /** Table: every head's pattern of the first seed's BB model on the two viewer inputs (example, layer, head, query, key, weight). */
    public static final String BB_PATTERNS = "bb_patterns";
    /** Table: the tokens of the two viewer inputs (example, position, token). */
    public static final String BB_TOKENS = "bb_tokens";
    /** Table: one row per text run (seed): parameters, tokens seen, validation loss, sink share. */
    public static final String LM_SUMMARY = "lm_summary";
    /** Table: text-model sink mass per head at every evaluation (seed, step, layer, head, metric, value). */
    public static final String LM_OVER_TRAINING = "lm_over_training";
    /** Table: next-token loss at every position of the streamed text (seed, cache, position, nll). */
    public static final String STREAMING = "streaming";
    /** Table (derived): perplexity past the cache per seed and cache. */
    public static final String STREAMING_SUMMARY = "streaming_summary";
    /** Table (derived): the share of sink heads over training (part, seed, step, share). */
    public static final String SINK_SHARE = "sink_share";

    /** Figure: the share of sink heads over training, BB and text, each seed. */
    public static final String SINK_SHARE_FIGURE = "sink_share_over_training";
    /** Figure: the sink mass of every head of the text model (first seed, end of training). */
    public static final String LM_HEADS_FIGURE = "lm_sink_mass_per_head";
    /** Figure: the BB model's sink mass per head on bigram tokens and on triggers (first seed). */
    public static final String BB_HEADS_FIGURE = "bb_sink_mass_per_head";
    /** Figure: streaming perplexity by position, one line per cache (first seed). */
    public static final String STREAMING_FIGURE = "streaming_perplexity";

    /** BB scores: sink mass on bigram queries and on trigger queries, and the weight on the previous token from each. */
    public static final String SINK_AT_BIGRAM = "sink_mass_bigram";
    public static final String SINK_AT_TRIGGER = "sink_mass_trigger";
    public static final String PREVIOUS_AT_TRIGGER = "previous_at_trigger";
    /** BB score: the weight on the previous token from bigram (non-trigger) queries, where looking back is useless. */
    public static final String PREVIOUS_AT_BIGRAM = "previous_at_bigram";

    /** The caches of the streaming part, by name. */
    public static final String DENSE = "dense (whole text)";
    public static final String WINDOW_ONLY = "window only";
    public static final String SINK_PLUS_WINDOW = "4 sinks + window";

    /** Table: one row per BB run of every mechanism and seed: where the attention went at the end of training. */
    public static final String BB_MECHANISMS = "bb_mechanisms";
    /** Figure: the mean weight on BOS of the heads of each mechanism, both seeds. */
    public static final String MECHANISMS_FIGURE = "sink_share_by_mechanism";
    /** k of the register mechanism. */
    public static final int REGISTER_COUNT = 4;
    /** BB score: the mass a row of the pattern holds, {@code mean_{i>=1} sum_j w[i][j]} (1 for softmax). */
    public static final String ROW_MASS = "row_mass";

    /**
     * What the attention can do instead of sinking on the first token (Gu et al. 2025; Xiao et al. 2024), each a
     * layer kind of the library, trained on Bigram-Backcopy at the same sizes as plain softmax.
     */
    public enum Mechanism {
        /** Plain softmax attention with RoPE: the sink forms on BOS. */
        SOFTMAX("softmax", AttentionKind.STANDARD),
        /** Un-normalised sigmoid attention: a row may sum to 0, so nothing has to be attended. */
        SIGMOID("sigmoid", AttentionKind.SIGMOID),
        /** Softmax with an extra zero logit: a built-in place to put "nothing". */
        SOFTMAX_ZERO("softmax + zero logit", AttentionKind.SOFTMAX_ZERO),
        /** A learnable key/value slot per head: a sink that is not a token. */
        SINK_KV("learnable sink key/value", AttentionKind.SINK_KV),
        /** A short sliding window: most queries cannot see BOS at all. */
        WINDOW("sliding window", AttentionKind.WINDOW, 0),
        /** Softmax with {@value SinksExperiment#REGISTER_COUNT} learnable register tokens before the sequence (Darcet et al. 2024). */
        REGISTERS(REGISTER_COUNT + " registers", AttentionKind.STANDARD, REGISTER_COUNT);

        private final String label;
        private final AttentionKind kind;
        private final int registers;

        Mechanism(String label, AttentionKind kind) {
            this(label, kind, 0);
        }

        Mechanism(String label, AttentionKind kind, int registers) {
            this.label = label;
            this.kind = kind;
            this.registers = registers;
        }

        /** Register tokens prepended to every sequence (0 for the attention kinds). */
        public int registers() {
            return registers;
        }

        public String label() {
            return label;
        }

        public AttentionKind kind() {
            return kind;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** The part names of {@value #SINK_SHARE}. */
    public static final String BB = "Bigram-Backcopy";
    public static final String TEXT = "text";

    /**
     * Run sizes for one preset; build with {@link #builder()}.
     *
     * @param bbLength       BB tokens per sequence (BOS included); the paper's 128
     * @param bbProbe        BB probe sequences the head scores are measured on
     * @param lmContext      the text model's training context (characters)
     * @param lmProbe        validation windows the text model's sink mass is measured on
     * @param streamFactor   the streamed text is this many times the training context
     * @param streamCache    C, the cache size of the two bounded caches
     * @param streamRows     texts streamed (batch rows)
     */
    record Sizes(int bbLayers, int bbDModel, int bbHeads, int bbLength, int bbSteps, int bbBatch, double bbLr,
                 int bbEvalEvery, int bbProbe, int bbWindow,
                 int lmLayers, int lmDModel, int lmHeads, int lmContext, int lmSteps, int lmBatch, double lmLr,
                 int lmEvalEvery, int lmProbe, int streamFactor, int streamCache, int streamRows) {

        static Builder builder() {
            return new Builder();
        }

        long lmTokens() {
            return (long) lmSteps * lmBatch * lmContext;
        }

        /** Named setters for {@link Sizes}; every field is required. */
        static final class Builder {
            private int bbLayers, bbDModel, bbHeads, bbLength, bbSteps, bbBatch, bbEvalEvery, bbProbe, bbWindow;
            private double bbLr, lmLr;
            private int lmLayers, lmDModel, lmHeads, lmContext, lmSteps, lmBatch, lmEvalEvery, lmProbe;
            private int streamFactor, streamCache, streamRows;

            Builder bbModel(int layers, int dModel, int heads) {
                bbLayers = layers;
                bbDModel = dModel;
                bbHeads = heads;
                return this;
            }

            Builder bbTraining(int length, int steps, int batch, double lr) {
                bbLength = length;
                bbSteps = steps;
                bbBatch = batch;
                bbLr = lr;
                return this;
            }

            Builder bbProbe(int evalEvery, int sequences) {
                bbEvalEvery = evalEvery;
                bbProbe = sequences;
                return this;
            }

            /** W of the sliding-window mechanism. */
            Builder bbWindow(int w) {
                bbWindow = w;
                return this;
            }

            Builder lmModel(int layers, int dModel, int heads) {
                lmLayers = layers;
                lmDModel = dModel;
                lmHeads = heads;
                return this;
            }

            Builder lmTraining(int context, int steps, int batch, double lr) {
                lmContext = context;
                lmSteps = steps;
                lmBatch = batch;
                lmLr = lr;
                return this;
            }

            Builder lmProbe(int evalEvery, int windows) {
                lmEvalEvery = evalEvery;
                lmProbe = windows;
                return this;
            }

            Builder streaming(int factor, int cache, int rows) {
                streamFactor = factor;
                streamCache = cache;
                streamRows = rows;
                return this;
            }

            Sizes build() {
                SizeChecks.positive("sinks sizes", "bbLayers", bbLayers, "bbDModel", bbDModel, "bbHeads", bbHeads,
                        "bbLength", bbLength, "bbSteps", bbSteps, "bbBatch", bbBatch, "bbEvalEvery", bbEvalEvery,
                        "bbProbe", bbProbe, "bbWindow", bbWindow, "lmLayers", lmLayers, "lmDModel", lmDModel, "lmHeads", lmHeads,
                        "lmContext", lmContext, "lmSteps", lmSteps, "lmBatch", lmBatch, "lmEvalEvery", lmEvalEvery,
                        "lmProbe", lmProbe, "streamFactor", streamFactor, "streamCache", streamCache,
                        "streamRows", streamRows);
                SizeChecks.positiveRate("sinks sizes", bbLr);
                SizeChecks.positiveRate("sinks sizes", lmLr);
                if (streamCache <= STREAM_SINKS || streamCache > lmContext) {
                    throw new IllegalArgumentException("sinks sizes: streamCache must be in " + (STREAM_SINKS + 1)
                            + ".." + lmContext + " (more than the sinks, at most the training context); got "
                            + streamCache);
                }
                return new Sizes(bbLayers, bbDModel, bbHeads, bbLength, bbSteps, bbBatch, bbLr, bbEvalEvery, bbProbe,
                        bbWindow, lmLayers, lmDModel, lmHeads, lmContext, lmSteps, lmBatch, lmLr, lmEvalEvery, lmProbe,
                        streamFactor, streamCache, streamRows);
            }
        }
    }

    static final Sizes SMOKE = Sizes.builder().bbModel(1, 32, 2).bbTraining(32, 20, 8, 3e-3).bbProbe(10, 4).bbWindow(8)
            .lmModel(2, 32, 2).lmTraining(32, 20, 4, 3e-3).lmProbe(10, 2).streaming(2, 12, 1).build();
    static final Sizes QUICK = Sizes.builder().bbModel(1, 64, 1).bbTraining(128, 300, 16, 1e-2).bbProbe(50, 8).bbWindow(16)
            .lmModel(4, 64, 4).lmTraining(128, 400, 16, 3e-3).lmProbe(100, 8).streaming(3, 48, 2).build();
    static final Sizes FULL = Sizes.builder().bbModel(1, 128, 1).bbTraining(128, 2000, 128, 1e-2).bbProbe(200, 32).bbWindow(16)
            .lmModel(4, 256, 8).lmTraining(256, 1500, 64, 1e-3).lmProbe(250, 16).streaming(3, 128, 4).build();

    /** The sizes of a preset (the notebook quotes them). */
    static Sizes sizes(Preset p) {
        return p.pick(SMOKE, QUICK, FULL);
    }

    /** The input length of the Bigram-Backcopy sequences at preset {@code p} (the task's length minus one). */
    public static int bbInputLength(Preset p) {
        return sizes(p).bbLength() - 1;
    }

    @Override
    public String name() {
        return "sinks";
    }

    @Override
    public String title() {
        return "Attention sinks: Bigram-Backcopy, a text model over training, and streaming with and without the sink";
    }

    @Override
    public String description() {
        return "Guo et al. (2024): sinks on BOS form in 1-3 layer models on Bigram-Backcopy, with heads dormant on most "
                + "tokens and active after triggers. Gu et al. (ICLR 2025): the share of heads with mean attention to "
                + "the first token above 0.3 grows with training tokens (18% at 60M parameters and 5B tokens, under 1% "
                + "at 50M tokens). Xiao et al. (ICLR 2024, StreamingLLM): a window cache fails once the first tokens "
                + "are evicted; keeping 4 of them restores the perplexity. Each part at two seeds. Smoke: seconds; "
                + "quick: minutes on a CPU; full: one GPU.";
    }

    /** The two seeds every part is run at: the settings' and one derived from it. */
    public static long[] seeds(Settings settings) {
        return new long[] {settings.seed(), Seeds.derive(settings.seed(), "sinks second seed")};
    }

    @Override
    public ExperimentResult run(Settings settings, ProgressListener progress) {
        Sizes s = sizes(settings.preset());
        RunClock clock = new RunClock();
        MetricsLog log = new MetricsLog();
        ExperimentResult result = new ExperimentResult(this, settings, log);
        BigramBackcopyTask task = BigramBackcopyTask.standard(Seeds.derive(settings.seed(), "sinks bigram chain"));

        Table bbSummary = Table.create(BB_SUMMARY, LongColumn.create("seed"), IntColumn.create("parameters"),
                LongColumn.create("tokens_seen"), DoubleColumn.create("copy_accuracy"), DoubleColumn.create("copy_loss"),
                DoubleColumn.create("bigram_loss"), DoubleColumn.create("train_seconds"));
        Table bbOver = overTraining(BB_OVER_TRAINING);
        Table patterns = Table.create(BB_PATTERNS, IntColumn.create("example"), IntColumn.create("layer"),
                IntColumn.create("head"), IntColumn.create("query"), IntColumn.create("key"),
                DoubleColumn.create("weight"));
        Table tokensTable = Table.create(BB_TOKENS, IntColumn.create("example"), IntColumn.create("position"),
                StringColumn.create("token"));
        Table lmSummary = Table.create(LM_SUMMARY, LongColumn.create("seed"), IntColumn.create("parameters"),
                LongColumn.create("tokens_seen"), IntColumn.create("context"), DoubleColumn.create("val_loss"),
                DoubleColumn.create("train_seconds"));
        Table lmOver = overTraining(LM_OVER_TRAINING);
        Table streaming = Table.create(STREAMING, LongColumn.create("seed"), StringColumn.create("cache"),
                IntColumn.create("position"), DoubleColumn.create("nll"));

        Table mechanisms = Table.create(BB_MECHANISMS, LongColumn.create("seed"), StringColumn.create("mechanism"),
                DoubleColumn.create("sink_share"), DoubleColumn.create("mean_sink_mass"),
                DoubleColumn.create("max_sink_mass"), DoubleColumn.create("mean_row_mass"),
                DoubleColumn.create("copy_accuracy"), DoubleColumn.create("bigram_loss"));
        long[] seeds = seeds(settings);
        for (Mechanism mechanism : Mechanism.values()) {
            for (int i = 0; i < seeds.length; i++) {
                boolean viewer = i == 0 && mechanism == Mechanism.SOFTMAX;     // the viewer shows the first softmax model
                trainBigramBackcopy(settings, s, task, mechanism, seeds[i], viewer, progress, log, bbSummary, bbOver,
                        mechanisms, patterns, tokensTable);
            }
        }
        Corpus moby = Corpus.mobyDick();
        CharTokenizer chars = CharTokenizer.fit(moby.text());
        Corpus.TrainValidation split = moby.split(0.9);
        int[] trainIds = chars.encode(split.train().text());
        int[] valIds = chars.encode(split.validation().text());
        for (long seed : seeds) {
            trainText(settings, s, chars, trainIds, valIds, seed, progress, log, lmSummary, lmOver, streaming);
        }
        result.table(BB_SUMMARY, bbSummary).table(BB_OVER_TRAINING, bbOver).table(BB_PATTERNS, patterns)
                .table(BB_TOKENS, tokensTable).table(BB_MECHANISMS, mechanisms).table(LM_SUMMARY, lmSummary).table(LM_OVER_TRAINING, lmOver)
                .table(STREAMING, streaming);
        finish(result, s);
        result.note("Cost: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
    }

    /** Rebuilds a saved run's result from its raw tables (SavedRuns). */
    static ExperimentResult rebuild(Experiment experiment, Settings settings, SavedRuns.Tables saved) {
        ExperimentResult r = new ExperimentResult(experiment, settings, saved.metrics());
        ColumnType[] over = {ColumnType.LONG, ColumnType.LONG, ColumnType.INTEGER, ColumnType.INTEGER,
                ColumnType.STRING, ColumnType.DOUBLE};
        r.table(BB_SUMMARY, saved.table(BB_SUMMARY, ColumnType.LONG, ColumnType.INTEGER, ColumnType.LONG,
                        ColumnType.DOUBLE, ColumnType.DOUBLE, ColumnType.DOUBLE, ColumnType.DOUBLE))
                .table(BB_OVER_TRAINING, saved.table(BB_OVER_TRAINING, over))
                .table(BB_PATTERNS, saved.table(BB_PATTERNS, ColumnType.INTEGER, ColumnType.INTEGER,
                        ColumnType.INTEGER, ColumnType.INTEGER, ColumnType.INTEGER, ColumnType.DOUBLE))
                .table(BB_TOKENS, saved.table(BB_TOKENS, ColumnType.INTEGER, ColumnType.INTEGER, ColumnType.STRING))
                .table(BB_MECHANISMS, saved.table(BB_MECHANISMS, ColumnType.LONG, ColumnType.STRING, ColumnType.DOUBLE,
                        ColumnType.DOUBLE, ColumnType.DOUBLE, ColumnType.DOUBLE, ColumnType.DOUBLE, ColumnType.DOUBLE))
                .table(LM_SUMMARY, saved.table(LM_SUMMARY, ColumnType.LONG, ColumnType.INTEGER, ColumnType.LONG,
                        ColumnType.INTEGER, ColumnType.DOUBLE, ColumnType.DOUBLE))
                .table(LM_OVER_TRAINING, saved.table(LM_OVER_TRAINING, over))
                .table(STREAMING, saved.table(STREAMING, ColumnType.LONG, ColumnType.STRING, ColumnType.INTEGER,
                        ColumnType.DOUBLE));
        finish(r, sizes(settings.preset()));
        return r;
    }

    /** The raw tables SavedRuns needs to rebuild a run. */
    static List<String> rawTables() {
        return List.of(BB_SUMMARY, BB_OVER_TRAINING, BB_PATTERNS, BB_TOKENS, BB_MECHANISMS, LM_SUMMARY, LM_OVER_TRAINING, STREAMING);
    }

    // ---------------------------------------------------------------- part 1: Bigram-Backcopy

    /** The BB head scores: overall sink mass, sink mass on bigram and on trigger queries, previous-token weight at triggers. */
    public static List<HeadScore> bigramBackcopyScores(BigramBackcopyTask task) {
        HeadScore atBigram = HeadScore.perSequence(SINK_AT_BIGRAM, (w, tokens) -> {
            double sum = 0;
            int n = 0;
            for (int i = 1; i < w.length; i++) {
                if (!task.isTrigger(tokens[i])) {
                    sum += w[i][0];
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        });
        HeadScore atTrigger = HeadScore.perSequence(SINK_AT_TRIGGER, (w, tokens) -> {
            double sum = 0;
            int n = 0;
            for (int i = 1; i < w.length; i++) {
                if (task.isTrigger(tokens[i])) {
                    sum += w[i][0];
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        });
        HeadScore previous = HeadScore.perSequence(PREVIOUS_AT_TRIGGER, (w, tokens) -> {
            double sum = 0;
            int n = 0;
            for (int i = 1; i < w.length; i++) {
                if (task.isTrigger(tokens[i])) {
                    sum += w[i][i - 1];
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        });
        HeadScore previousAtBigram = HeadScore.perSequence(PREVIOUS_AT_BIGRAM, (w, tokens) -> {
            double sum = 0;
            int n = 0;
            for (int i = 1; i < w.length; i++) {
                if (!task.isTrigger(tokens[i])) {
                    sum += w[i][i - 1];
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        });
        return List.of(HeadScores.SINK_MASS_SCORE, atBigram, atTrigger, previous, previousAtBigram);
    }

    /** The BB model of a mechanism: the same sizes for every one, its kind in every layer. */
    static ModelConfig bigramBackcopyModel(Sizes s, BigramBackcopyTask task, Mechanism mechanism) {
        return ModelConfig.builder(task.vocabulary().size(), s.bbDModel(), s.bbHeads(), s.bbLayers())
                .plan(LayerPlan.uniform(mechanism.kind(), s.bbLayers())).window(s.bbWindow())
                .registers(mechanism.registers())
                .maxLength(s.bbLength()).build();
    }

    /**
     * Trains one BB model. Softmax is scored every {@code bbEvalEvery} steps (its rows go to {@code over}, and the
     * first seed's patterns on the viewer inputs are kept); every mechanism gets a row of {@code mechanisms}.
     */
    private static void trainBigramBackcopy(Settings settings, Sizes s, BigramBackcopyTask task, Mechanism mechanism,
                                            long seed, boolean keepPatterns, ProgressListener progress, MetricsLog log,
                                            Table summary, Table over, Table mechanisms, Table patterns,
                                            Table tokensTable) {
        boolean track = mechanism == Mechanism.SOFTMAX;
        String run = BB + ", " + mechanism.label() + ", " + Seeds.label(seed, settings.seed());
        ModelConfig config = bigramBackcopyModel(s, task, mechanism);
        int[][] probe = task.sample(s.bbProbe(), s.bbLength(), Split.TEST, Seeds.derive(seed, "sinks bb probe")).inputs();
        List<HeadScore> scores = bigramBackcopyScores(task);
        HeadScoreTracker tracker = HeadScoreTracker.of(probe, scores.toArray(new HeadScore[0]));
        try (NDManager mm = NDManager.newBaseManager(settings.device())) {
            DecoderLM lm = DecoderLM.create(config, mm, seed);
            TrainConfig tc = TrainConfig.builder(seed, settings.device()).seedName(Seeds.label(seed, settings.seed()))
                    .steps(s.bbSteps()).batchSize(s.bbBatch())
                    .context(task.inputLength(s.bbLength())).lr(s.bbLr()).evalEvery(track ? s.bbEvalEvery() : 0)
                    .build();
            TrainingData data = (m, req) -> {
                TaskBatch b = task.sample(s.bbBatch(), s.bbLength(), Split.TRAIN, req.seed());
                return new TensorBatch(b.inputArray(m), b.targetArray(m), b.maskArray(m));
            };
            Trainer.Builder builder = Trainer.builder().model(lm).config(tc).trainData(data).runName(run)
                    .listener(progress).metrics(log);
            if (track) {
                builder.evalHook(tracker);
            }
            try (Trainer trainer = builder.build()) {
                if (track) {
                    tracker.evaluate(trainer, 0);                      // the untrained model: step 0
                }
                var r = trainer.run();
                TaskBatch test = task.sample(64, s.bbLength(), Split.TEST, Seeds.derive(seed, "sinks bb test"));
                double[] copyBigram = copyAndBigram(lm, mm, task, test);
                if (track) {
                    appendOver(over, seed, tracker.table());
                    summary.longColumn("seed").append(seed);
                    summary.intColumn("parameters").append((int) lm.parameterCount());
                    summary.longColumn("tokens_seen").append((long) s.bbSteps() * s.bbBatch() * tc.context());
                    summary.doubleColumn("copy_accuracy").append(copyBigram[0]);
                    summary.doubleColumn("copy_loss").append(copyBigram[1]);
                    summary.doubleColumn("bigram_loss").append(copyBigram[2]);
                    summary.doubleColumn("train_seconds").append(r.seconds());
                }
                Table end = HeadScores.measure(lm, mm, probe, HeadScores.SINK_MASS_SCORE, rowMass());
                double[] sink = ProbeTable.only(end, HeadScores.SINK_MASS).doubleColumn(ProbeTable.VALUE).asDoubleArray();
                double[] rows = ProbeTable.only(end, ROW_MASS).doubleColumn(ProbeTable.VALUE).asDoubleArray();
                mechanisms.longColumn("seed").append(seed);
                mechanisms.stringColumn("mechanism").append(mechanism.label());
                mechanisms.doubleColumn("sink_share").append(Arrays.stream(sink).filter(v -> v > SINK_THRESHOLD)
                        .count() / (double) sink.length);
                mechanisms.doubleColumn("mean_sink_mass").append(Arrays.stream(sink).average().orElse(Double.NaN));
                mechanisms.doubleColumn("max_sink_mass").append(Arrays.stream(sink).max().orElse(Double.NaN));
                mechanisms.doubleColumn("mean_row_mass").append(Arrays.stream(rows).average().orElse(Double.NaN));
                mechanisms.doubleColumn("copy_accuracy").append(copyBigram[0]);
                mechanisms.doubleColumn("bigram_loss").append(copyBigram[2]);
            }
            if (keepPatterns) {
                int[][] examples = viewerInputs(task, seed);
                for (int e = 0; e < examples.length; e++) {
                    for (int p = 0; p < examples[e].length; p++) {
                        tokensTable.intColumn("example").append(e);
                        tokensTable.intColumn("position").append(p);
                        tokensTable.stringColumn("token").append(task.vocabulary().token(examples[e][p]));
                    }
                    appendPatterns(patterns, e, lm, mm, examples[e]);
                }
            }
        }
    }

    /** {@value #ROW_MASS}: {@code mean_{i>=1} sum_j w[i][j]}, 1 for softmax, below 1 where mass went elsewhere. */
    public static HeadScore rowMass() {
        return HeadScore.perSequence(ROW_MASS, (w, tokens) -> {
            if (w.length < 2) {
                return Double.NaN;
            }
            double sum = 0;
            for (int i = 1; i < w.length; i++) {
                for (int j = 0; j <= i; j++) {
                    sum += w[i][j];
                }
            }
            return sum / (w.length - 1);
        });
    }

    /** Two short inputs for the viewer: one with no trigger (every head can rest) and one with triggers. */
    static int[][] viewerInputs(BigramBackcopyTask task, long seed) {
        int len = 20;
        int[] plain = null;
        int[] triggered = null;
        for (int k = 0; k < 1000 && (plain == null || triggered == null); k++) {
            int[] seq = task.sample(1, len + 1, Split.TEST, Seeds.derive(seed, "sinks viewer " + k)).inputs()[0];
            int n = (int) Arrays.stream(seq).filter(task::isTrigger).count();
            if (n == 0 && plain == null) {
                plain = seq;
            } else if (n >= 2 && triggered == null) {
                triggered = seq;
            }
        }
        if (plain == null || triggered == null) {
            throw new IllegalStateException("no viewer inputs found in 1000 draws (the chain rarely or always triggers)");
        }
        return new int[][] {plain, triggered};
    }

    private static void appendPatterns(Table into, int example, DecoderLM lm, NDManager mm, int[] tokens) {
        try (NDManager sub = mm.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(lm));
            NDArray input = sub.create(new int[][] {tokens}).toType(ai.djl.ndarray.types.DataType.INT64, false);
            Map<String, NDArray> ps = lm.patterns(new ai.djl.training.ParameterStore(sub, false), input);
            for (Map.Entry<String, NDArray> e : new TreeMap<>(ps).entrySet()) {
                int layer = HookName.layerOf(e.getKey());
                float[] w = e.getValue().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
                int h = (int) e.getValue().getShape().get(1);
                int len = tokens.length;
                for (int head = 0; head < h; head++) {
                    for (int q = 0; q < len; q++) {
                        for (int k = 0; k <= q; k++) {
                            into.intColumn("example").append(example);
                            into.intColumn("layer").append(layer);
                            into.intColumn("head").append(head);
                            into.intColumn("query").append(q);
                            into.intColumn("key").append(k);
                            into.doubleColumn("weight").append(w[(head * len + q) * len + k]);
                        }
                    }
                }
            }
        }
    }

    /** {copy accuracy, copy loss, bigram loss} of the model on a test batch (copy = the positions after triggers). */
    private static double[] copyAndBigram(DecoderLM lm, NDManager mm, BigramBackcopyTask task, TaskBatch test) {
        try (NDManager sub = mm.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(lm));
            NDArray logits = lm.forward(new ai.djl.training.ParameterStore(sub, false), test.inputArray(sub), false);
            NDArray logp = logits.logSoftmax(-1);
            float[] lp = logp.gather(test.targetArray(sub).expandDims(-1), -1).squeeze(-1).toFloatArray();
            long[] argmax = logits.argMax(-1).toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
            int[][] in = test.inputs();
            int[][] tg = test.targets();
            int len = in[0].length;
            double copyLoss = 0, bigramLoss = 0, hits = 0;
            int copies = 0, bigrams = 0;
            for (int r = 0; r < in.length; r++) {
                for (int t = 1; t < len; t++) {
                    int k = r * len + t;
                    if (task.isTrigger(in[r][t])) {
                        copyLoss -= lp[k];
                        hits += argmax[k] == tg[r][t] ? 1 : 0;
                        copies++;
                    } else {
                        bigramLoss -= lp[k];
                        bigrams++;
                    }
                }
            }
            return new double[] {hits / Math.max(1, copies), copyLoss / Math.max(1, copies),
                    bigramLoss / Math.max(1, bigrams)};
        }
    }

    // ---------------------------------------------------------------- part 2 and 3: a text model, then streaming

    private static void trainText(Settings settings, Sizes s, CharTokenizer chars, int[] trainIds, int[] valIds,
                                  long seed, ProgressListener progress, MetricsLog log, Table summary, Table over,
                                  Table streaming) {
        String run = "Moby Dick, " + Seeds.label(seed, settings.seed());
        int ctx = s.lmContext();
        ModelConfig config = ModelConfig.builder(chars.vocabSize(), s.lmDModel(), s.lmHeads(), s.lmLayers())
                .maxLength(Math.max(512, ctx * s.streamFactor())).build();
        Batches val = Batches.of(valIds);
        int[][] probe = val.sample(s.lmProbe(), ctx, Seeds.derive(seed, "sinks text probe")).inputs();
        HeadScoreTracker tracker = HeadScoreTracker.of(probe, HeadScores.SINK_MASS_SCORE);
        try (NDManager mm = NDManager.newBaseManager(settings.device())) {
            DecoderLM lm = DecoderLM.create(config, mm, seed);
            TrainConfig tc = TrainConfig.builder(seed, settings.device()).seedName(Seeds.label(seed, settings.seed()))
                    .steps(s.lmSteps()).batchSize(s.lmBatch())
                    .context(ctx).lr(s.lmLr()).evalEvery(s.lmEvalEvery()).evalBatches(2).build();
            TrainingData train = TrainingData.from(BatchSource.of(Batches.of(trainIds), s.lmBatch(), ctx,
                    Seeds.derive(seed, "sinks text batches")));
            TrainingData eval = TrainingData.from(BatchSource.of(val, s.lmBatch(), ctx,
                    Seeds.derive(seed, "sinks text eval")));
            try (Trainer trainer = Trainer.builder().model(lm).config(tc).trainData(train).evalData(eval).runName(run)
                    .listener(progress).metrics(log).evalHook(tracker).build()) {
                tracker.evaluate(trainer, 0);
                var r = trainer.run();
                appendOver(over, seed, tracker.table());
                summary.longColumn("seed").append(seed);
                summary.intColumn("parameters").append((int) lm.parameterCount());
                summary.longColumn("tokens_seen").append(s.lmTokens());
                summary.intColumn("context").append(ctx);
                summary.doubleColumn("val_loss").append(trainer.lastEval().getOrDefault("eval_loss", Double.NaN));
                summary.doubleColumn("train_seconds").append(r.seconds());
            }
            int len = ctx * s.streamFactor() + 1;
            int[][] text = val.sample(s.streamRows(), len, Seeds.derive(seed, "sinks streamed text")).inputs();
            Map<String, StreamingScorer.Cache> caches = new LinkedHashMap<>();
            caches.put(DENSE, StreamingScorer.Cache.of(0, len));
            caches.put(WINDOW_ONLY, StreamingScorer.Cache.of(0, s.streamCache()));
            caches.put(SINK_PLUS_WINDOW, StreamingScorer.Cache.of(STREAM_SINKS, s.streamCache() - STREAM_SINKS));
            for (Map.Entry<String, StreamingScorer.Cache> c : caches.entrySet()) {
                double[] nll = c.getKey().equals(DENSE) ? denseNll(lm, mm, text)
                        : StreamingScorer.meanNll(lm, mm, text, c.getValue());
                for (int p = 0; p < nll.length; p++) {
                    streaming.longColumn("seed").append(seed);
                    streaming.stringColumn("cache").append(c.getKey());
                    streaming.intColumn("position").append(p);
                    streaming.doubleColumn("nll").append(nll[p]);
                }
            }
        }
    }

    /** The ordinary forward pass over the whole text (what a cache as long as the text gives), mean over rows. */
    private static double[] denseNll(DecoderLM lm, NDManager mm, int[][] text) {
        try (NDManager sub = mm.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(lm));
            NDArray x = sub.create(text).toType(ai.djl.ndarray.types.DataType.INT64, false);
            float[] lp = lm.forward(new ai.djl.training.ParameterStore(sub, false), x, false).logSoftmax(-1)
                    .toFloatArray();
            int len = text[0].length;
            int v = lm.vocabSize();
            double[] mean = new double[len - 1];
            for (int r = 0; r < text.length; r++) {
                for (int t = 0; t + 1 < len; t++) {
                    mean[t] -= lp[(r * len + t) * v + text[r][t + 1]] / text.length;
                }
            }
            return mean;
        }
    }

    // ---------------------------------------------------------------- tables, figures, notes

    private static Table overTraining(String name) {
        return Table.create(name, LongColumn.create("seed"), LongColumn.create(ProbeTable.STEP),
                IntColumn.create(ProbeTable.LAYER), IntColumn.create(ProbeTable.HEAD),
                StringColumn.create(ProbeTable.METRIC), DoubleColumn.create(ProbeTable.VALUE));
    }

    private static void appendOver(Table into, long seed, Table tracked) {
        for (int r = 0; r < tracked.rowCount(); r++) {
            into.longColumn("seed").append(seed);
            into.longColumn(ProbeTable.STEP).append(tracked.longColumn(ProbeTable.STEP).getLong(r));
            into.intColumn(ProbeTable.LAYER).append(tracked.intColumn(ProbeTable.LAYER).getInt(r));
            into.intColumn(ProbeTable.HEAD).append(tracked.intColumn(ProbeTable.HEAD).getInt(r));
            into.stringColumn(ProbeTable.METRIC).append(tracked.stringColumn(ProbeTable.METRIC).get(r));
            into.doubleColumn(ProbeTable.VALUE).append(tracked.doubleColumn(ProbeTable.VALUE).getDouble(r));
        }
    }

    /**
     * The share of heads whose {@code sink_mass} exceeds {@value #SINK_THRESHOLD} at every step of every seed:
     * {@code part, seed, step, share}.
     */
    public static Table sinkShare(Table over, String part) {
        Table t = over.where(over.stringColumn(ProbeTable.METRIC).isEqualTo(HeadScores.SINK_MASS));
        Map<Long, Map<Long, int[]>> counts = new TreeMap<>();
        for (int r = 0; r < t.rowCount(); r++) {
            int[] c = counts.computeIfAbsent(t.longColumn("seed").getLong(r), k -> new TreeMap<>())
                    .computeIfAbsent(t.longColumn(ProbeTable.STEP).getLong(r), k -> new int[2]);
            c[0] += t.doubleColumn(ProbeTable.VALUE).getDouble(r) > SINK_THRESHOLD ? 1 : 0;
            c[1]++;
        }
        Table out = Table.create(SINK_SHARE, StringColumn.create("part"), LongColumn.create("seed"),
                LongColumn.create("step"), DoubleColumn.create("share"));
        // keep the seeds in the order they were run (the first is the settings' seed)
        List<Long> order = new ArrayList<>(new java.util.LinkedHashSet<>(t.longColumn("seed").asList()));
        for (long seed : order) {
            counts.get(seed).forEach((step, c) -> {
                out.stringColumn("part").append(part);
                out.longColumn("seed").append(seed);
                out.longColumn("step").append(step);
                out.doubleColumn("share").append((double) c[0] / c[1]);
            });
        }
        return out;
    }

    /** The last recorded value of every head for {@code metric} and {@code seed}: {@code layer, head, metric, value}. */
    public static Table finalScores(Table over, long seed, String metric) {
        Table t = over.where(over.longColumn("seed").isEqualTo(seed)
                .and(over.stringColumn(ProbeTable.METRIC).isEqualTo(metric)));
        long last = (long) t.longColumn(ProbeTable.STEP).max();
        Table at = t.where(t.longColumn(ProbeTable.STEP).isEqualTo(last));
        Table out = at.copy();
        out.removeColumns("seed", ProbeTable.STEP);
        return out.setName(metric);
    }

    /**
     * The most active-dormant head of a BB run: the head whose weight on the previous token is largest from triggers
     * compared with from bigram tokens (active where the copy needs it, dormant elsewhere), and its scores:
     * {@code {layer, head, sinkAtBigram, sinkAtTrigger, previousAtTrigger, previousAtBigram}} at the last step.
     */
    public static double[] dormantActiveHead(Table bbOver, long seed) {
        Table trig = finalScores(bbOver, seed, PREVIOUS_AT_TRIGGER);
        double[] best = null;
        for (int r = 0; r < trig.rowCount(); r++) {
            int layer = trig.intColumn(ProbeTable.LAYER).getInt(r);
            int head = trig.intColumn(ProbeTable.HEAD).getInt(r);
            double previous = trig.doubleColumn(ProbeTable.VALUE).getDouble(r);
            double previousBigram = ProbeTable.value(finalScores(bbOver, seed, PREVIOUS_AT_BIGRAM), layer, head,
                    PREVIOUS_AT_BIGRAM);
            double atBigram = ProbeTable.value(finalScores(bbOver, seed, SINK_AT_BIGRAM), layer, head, SINK_AT_BIGRAM);
            double atTrigger = ProbeTable.value(finalScores(bbOver, seed, SINK_AT_TRIGGER), layer, head, SINK_AT_TRIGGER);
            if (best == null || previous - previousBigram > best[4] - best[5]) {
                best = new double[] {layer, head, atBigram, atTrigger, previous, previousBigram};
            }
        }
        return best;
    }

    /**
     * Mean next-token loss per seed and cache over the positions past the cache ({@code position >= C}; every
     * cache has evicted by then), with its perplexity: {@code seed, cache, nll_past_cache, ppl_past_cache}.
     */
    public static Table streamingSummary(Table streaming, int cacheSize) {
        Table out = Table.create(STREAMING_SUMMARY, LongColumn.create("seed"), StringColumn.create("cache"),
                DoubleColumn.create("nll_past_cache"), DoubleColumn.create("ppl_past_cache"));
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (int r = 0; r < streaming.rowCount(); r++) {
            if (streaming.intColumn("position").getInt(r) < cacheSize) {
                continue;
            }
            String key = streaming.longColumn("seed").getLong(r) + "|" + streaming.stringColumn("cache").get(r);
            double[] s = sums.computeIfAbsent(key, k -> new double[2]);
            s[0] += streaming.doubleColumn("nll").getDouble(r);
            s[1]++;
        }
        sums.forEach((key, s) -> {
            String[] parts = key.split("\\|", 2);
            out.longColumn("seed").append(Long.parseLong(parts[0]));
            out.stringColumn("cache").append(parts[1]);
            out.doubleColumn("nll_past_cache").append(s[0] / s[1]);
            out.doubleColumn("ppl_past_cache").append(Math.exp(s[0] / s[1]));
        });
        return out;
    }

    /** The mean loss past the cache of one seed and cache, from {@link #streamingSummary}. */
    public static double pastCache(Table summary, long seed, String cache) {
        Table t = summary.where(summary.longColumn("seed").isEqualTo(seed)
                .and(summary.stringColumn("cache").isEqualTo(cache)));
        return t.rowCount() == 0 ? Double.NaN : t.doubleColumn("nll_past_cache").getDouble(0);
    }

    /** Derived tables, figures and notes from the raw tables (a fresh run and a rebuilt one alike). */
    static void finish(ExperimentResult result, Sizes s) {
        long chosen = result.settings().seed();
        Table bbShare = sinkShare(result.table(BB_OVER_TRAINING), BB);
        Table lmShare = sinkShare(result.table(LM_OVER_TRAINING), TEXT);
        Table share = bbShare.copy().append(lmShare);
        result.table(SINK_SHARE, share);
        Table stream = streamingSummary(result.table(STREAMING), s.streamCache());
        result.table(STREAMING_SUMMARY, stream);

        Table lines = share.copy();
        StringColumn run = StringColumn.create("run");
        for (int r = 0; r < lines.rowCount(); r++) {
            run.append(lines.stringColumn("part").get(r) + ", " + Seeds.label(lines.longColumn("seed").getLong(r), chosen));
        }
        lines.addColumns(run);
        lines.column("step").setName("training step");
        lines.column("share").setName("share of sink heads");
        result.figure(SINK_SHARE_FIGURE, Plots.lines(lines, "training step", "share of sink heads", "run").yRange(0, 1)
                .title("Share of heads with mean attention to the first token > " + SINK_THRESHOLD));

        long first = result.table(LM_SUMMARY).longColumn("seed").getLong(0);
        HeatmapFigure lmHeads = HeadScores.figure(finalScores(result.table(LM_OVER_TRAINING), first,
                HeadScores.SINK_MASS), HeadScores.SINK_MASS).valueName("attention to the first token").range(0, 1)
                .title("Text model: each head's mean attention to the first token (" + Seeds.label(first, chosen) + ", end of training)");
        result.figure(LM_HEADS_FIGURE, lmHeads);

        long bbFirst = result.table(BB_SUMMARY).longColumn("seed").getLong(0);
        Table bbOver = result.table(BB_OVER_TRAINING);
        result.figure(BB_HEADS_FIGURE, HeadScores.figure(finalScores(bbOver, bbFirst, SINK_AT_BIGRAM), SINK_AT_BIGRAM)
                .valueName("weight on BOS from bigram tokens").range(0, 1)
                .title("Bigram-Backcopy: each head's weight on BOS from bigram tokens (" + Seeds.label(bbFirst, chosen) + ")"));

        Table mech = result.table(BB_MECHANISMS).copy();
        StringColumn seedName = StringColumn.create("which seed");
        for (int r = 0; r < mech.rowCount(); r++) {
            seedName.append(Seeds.label(mech.longColumn("seed").getLong(r), chosen));
        }
        mech.addColumns(seedName);
        mech.column("mean_sink_mass").setName("mean weight on BOS");
        result.figure(MECHANISMS_FIGURE, Plots.bars(mech, "mechanism", "mean weight on BOS", "which seed")
                .title("Bigram-Backcopy: mean weight on BOS per head, by mechanism (a sink head: above "
                        + SINK_THRESHOLD + ")"));
        result.figure(STREAMING_FIGURE, streamingFigure(result.table(STREAMING), first, s));
        notes(result, s, stream, chosen);
    }

    /** Perplexity by position (bins of up to 16 tokens) of one seed, a line per cache, the cache size marked. */
    static LineFigure streamingFigure(Table streaming, long seed, Sizes s) {
        Table t = streaming.where(streaming.longColumn("seed").isEqualTo(seed));
        int bin = Math.max(1, Math.min(16, s.streamCache() / 3));
        Map<String, TreeMap<Integer, double[]>> byCache = new LinkedHashMap<>();
        for (int r = 0; r < t.rowCount(); r++) {
            int b = t.intColumn("position").getInt(r) / bin;
            double[] acc = byCache.computeIfAbsent(t.stringColumn("cache").get(r), k -> new TreeMap<>())
                    .computeIfAbsent(b, k -> new double[2]);
            acc[0] += t.doubleColumn("nll").getDouble(r);
            acc[1]++;
        }
        Table out = Table.create("streaming by position", StringColumn.create("cache"),
                DoubleColumn.create("position in the text"), DoubleColumn.create("perplexity"));
        byCache.forEach((cache, bins) -> bins.forEach((b, acc) -> {
            out.stringColumn("cache").append(cache);
            out.doubleColumn("position in the text").append(b * bin + bin / 2.0);
            out.doubleColumn("perplexity").append(Math.exp(acc[0] / acc[1]));
        }));
        return Plots.lines(out, "position in the text", "perplexity", "cache")
                .markX(s.streamCache(), "cache size " + s.streamCache())
                .title("Streaming: perplexity by position (" + Seeds.label(seed, streaming.longColumn("seed").getLong(0))
                        + ", bins of " + bin + " tokens; trained at context "
                        + s.lmContext() + ")");
    }

    private static void notes(ExperimentResult result, Sizes s, Table stream, long chosen) {
        Table bb = result.table(BB_SUMMARY);
        Table bbShare = result.table(SINK_SHARE).where(result.table(SINK_SHARE).stringColumn("part").isEqualTo(BB));
        for (int r = 0; r < bb.rowCount(); r++) {
            long seed = bb.longColumn("seed").getLong(r);
            double[] h = dormantActiveHead(result.table(BB_OVER_TRAINING), seed);
            result.note(String.format("Bigram-Backcopy, %s (%d layers, d %d, %d heads, %d steps): copy accuracy "
                            + "after triggers %.2f, bigram loss %.2f nats (uniform ln 64 = %.2f); sink share %.2f at the end; "
                            + "most active-dormant head L%d.H%d: previous token %.2f from triggers, %.2f from bigram "
                            + "tokens; weight on BOS %.2f from bigram tokens, %.2f from triggers.", Seeds.label(seed, chosen), s.bbLayers(),
                    s.bbDModel(), s.bbHeads(), s.bbSteps(), bb.doubleColumn("copy_accuracy").getDouble(r),
                    bb.doubleColumn("bigram_loss").getDouble(r), Math.log(64), lastShare(bbShare, seed), (int) h[0],
                    (int) h[1], h[4], h[5], h[2], h[3]));
        }
        Table mech = result.table(BB_MECHANISMS);
        for (int r = 0; r < mech.rowCount(); r++) {
            result.note(String.format("Bigram-Backcopy, %s, %s: sink heads %.0f%%, mean weight on BOS %.2f (max "
                            + "%.2f), mean row mass %.2f, copy accuracy %.2f, bigram loss %.2f.",
                    mech.stringColumn("mechanism").get(r), Seeds.label(mech.longColumn("seed").getLong(r), chosen),
                    100 * mech.doubleColumn("sink_share").getDouble(r), mech.doubleColumn("mean_sink_mass").getDouble(r),
                    mech.doubleColumn("max_sink_mass").getDouble(r), mech.doubleColumn("mean_row_mass").getDouble(r),
                    mech.doubleColumn("copy_accuracy").getDouble(r), mech.doubleColumn("bigram_loss").getDouble(r)));
        }
        Table lm = result.table(LM_SUMMARY);
        Table lmShare = result.table(SINK_SHARE).where(result.table(SINK_SHARE).stringColumn("part").isEqualTo(TEXT));
        for (int r = 0; r < lm.rowCount(); r++) {
            long seed = lm.longColumn("seed").getLong(r);
            result.note(String.format("Text model, %s: %d parameters, %d tokens seen at context %d, validation "
                            + "loss %.2f nats; sink heads %.1f%% (Gu et al.: 18%% at 60M parameters and 5B tokens, "
                            + "under 1%% at 50M tokens).", Seeds.label(seed, chosen), lm.intColumn("parameters").getInt(r),
                    lm.longColumn("tokens_seen").getLong(r), lm.intColumn("context").getInt(r),
                    lm.doubleColumn("val_loss").getDouble(r), 100 * lastShare(lmShare, seed)));
        }
        for (int r = 0; r < stream.rowCount(); r++) {
            result.note(String.format("Streaming, %s, %s: perplexity past the cache (positions >= %d) %.2f.",
                    Seeds.label(stream.longColumn("seed").getLong(r), chosen), stream.stringColumn("cache").get(r), s.streamCache(),
                    stream.doubleColumn("ppl_past_cache").getDouble(r)));
        }
    }

    /** The share of sink heads at the last recorded step of {@code seed}. */
    public static double lastShare(Table share, long seed) {
        Table t = share.where(share.longColumn("seed").isEqualTo(seed));
        long last = (long) t.longColumn("step").max();
        return t.where(t.longColumn("step").isEqualTo(last)).doubleColumn("share").getDouble(0);
    }

    /** The step set of a table's {@code step} column, in order. */
    static List<Long> steps(Table t) {
        return new ArrayList<>(new TreeSet<>(t.longColumn(ProbeTable.STEP).asList()));
    }
}
