package org.attnlab.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import org.attnlab.Preset;
import org.attnlab.Seeds;
import org.attnlab.Settings;
import org.attnlab.attention.Hooks;
import org.attnlab.data.Batches;
import org.attnlab.data.BatchSource;
import org.attnlab.data.BrownCorpus;
import org.attnlab.data.Corpus;
import org.attnlab.data.GrammarRelations;
import org.attnlab.data.GrammarRelations.Arc;
import org.attnlab.data.GrammarRelations.Relation;
import org.attnlab.data.WordVocabulary;
import org.attnlab.data.tasks.AgreementTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.ModelConfig;
import org.attnlab.model.ModelWeights;
import org.attnlab.probe.HeadScore;
import org.attnlab.probe.HeadScoreTracker;
import org.attnlab.probe.HeadScores;
import org.attnlab.probe.InductionScores;
import org.attnlab.probe.ProbeTable;
import org.attnlab.probe.RelationScores;
import org.attnlab.train.EvalHook;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;
import org.attnlab.viz.AttentionViewer;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Grammar heads (Clark et al. 2019, "What does BERT look at?"; Chen et al. ICLR 2024, "Sudden drops in the loss"):
 * a small causal {@link DecoderLM} trained on the Brown Corpus with a word-level vocabulary (one tagged word = one
 * token, so a head's attention is read against the tags word by word), its heads scored on the relations
 * {@link GrammarRelations} reads off the tags, each against the best fixed offset; and subject-verb agreement on
 * minimal pairs (from held-out Brown sentences and from {@link AgreementTask}'s sentences with attractors) over
 * training beside the best grammar head's score, to ask whether the head appears before the accuracy rises.
 *
 * <p>Two runs, the settings' seed and a second seed derived from it, on the same data. Held out: the Brown files
 * whose number is a multiple of 10 (ca10, ca20, ...: about a tenth, every genre); probes and minimal pairs come from
 * them. A minimal pair is the prefix of a sentence up to its verb and the verb in both numbers ({@code The jury
 * [said|*]}: only present-tense verbs with a noun subject, singular nn with is/has/does/was/runs, plural nns with
 * are/have/do/were/run); the model is right when it gives the right form the higher logit.
 *
 * <p>Presets: smoke (seconds), quick (2 layers, d 64, a few minutes on a CPU per seed), full (4 layers, d 256, more
 * steps, plus Moby Dick and the State of the Union as untagged extra text).
 */
public final class GrammarHeadsExperiment implements Experiment {

    /** Table: every head's accuracy per relation after training (seed, layer, head, metric, value). */
    public static final String HEAD_SCORES = "head_scores";
    /** Table: the best fixed offset per relation on the probe arcs (relation, offset, accuracy, arcs). */
    public static final String BASELINES = "baselines";
    /** Table: per seed and relation, the best head beside the baseline. */
    public static final String SUMMARY = "summary";
    /** Table: long (seed, step, series, value): the best head's score per relation, agreement accuracies, eval loss. */
    public static final String OVER_TRAINING = "over_training";
    /** Table: when each series of {@value #OVER_TRAINING} rose (seed, series, step10, step50, step90, first, last). */
    public static final String TIMING = "timing";
    /** Tables: the viewer sentence's tokens and every head's pattern on it (first seed). */
    public static final String VIEWER_TOKENS = "viewer_tokens";
    public static final String VIEWER_PATTERNS = "viewer_patterns";
    /** Figure: accuracy of every head per relation (first seed). */
    public static final String RELATION_HEATMAP = "relation_heatmap";
    /** Figure: the best head per relation beside the best fixed offset, both seeds. */
    public static final String BEST_VS_BASELINE = "best_vs_baseline";
    /** Figure: best head score and agreement accuracy over training on one step axis. */
    public static final String OVER_TRAINING_FIGURE = "over_training";

    /** Series names in {@value #OVER_TRAINING}. */
    public static final String AGREEMENT_BROWN = "agreement accuracy (Brown pairs)";
    public static final String AGREEMENT_TASK = "agreement accuracy (AgreementTask pairs)";
    public static final String EVAL_LOSS = "eval_loss";

    /** The best head's score series of a relation: {@code best determiner head}. */
    public static String bestHeadSeries(Relation r) {
        return "best " + r.words() + " head";
    }

    /**
     * Clark et al. (2019), BERT-base, the best head's accuracy where this lesson quotes it: determiners attend to their
     * noun 94.3% (head 8-11), direct objects to their verb 86.8% (head 8-10); NaN where not quoted. BERT's determiner
     * arc looks forward (determiner -> noun), which a causal model cannot: ours is the same arc read backwards.
     */
    public static final Map<Relation, Double> PAPER_ACCURACY = Map.of(Relation.DETERMINER, 0.943,
            Relation.DIRECT_OBJECT, 0.868, Relation.PREPOSITION_OBJECT, Double.NaN, Relation.SUBJECT, Double.NaN);

    /**
     * Sizes of one preset.
     *
     * @param vocabWords     frequent Brown words kept (plus the AgreementTask words and an unknown token)
     * @param probeWindows   held-out windows the heads are scored on
     * @param agreementPairs minimal pairs of each kind
     * @param moreText       also train on Moby Dick and the State of the Union (untagged)
     */
    record Sizes(int vocabWords, int dModel, int heads, int layers, int context, int batch, int steps, double lr,
                 int evalEvery, int probeWindows, int agreementPairs, boolean moreText) {
        Sizes {
            SizeChecks.positive("grammar-heads sizes", "vocabWords", vocabWords, "dModel", dModel, "heads", heads,
                    "layers", layers, "context", context, "batch", batch, "steps", steps, "evalEvery", evalEvery,
                    "probeWindows", probeWindows, "agreementPairs", agreementPairs);
            SizeChecks.positiveRate("grammar-heads sizes", lr);
        }

        String scale() {
            return String.format(Locale.ROOT, "Brown%s, %d words + unk, d %d, %d layers x %d heads, %d steps of %d x "
                            + "%d words", moreText ? " + Moby Dick + SOTU" : "", vocabWords, dModel, layers, heads,
                    steps, batch, context);
        }
    }

    static final Sizes SMOKE = new Sizes(400, 32, 2, 2, 16, 8, 20, 3e-3, 10, 8, 16, false);
    static final Sizes QUICK = new Sizes(3000, 64, 4, 2, 32, 32, 1000, 2e-3, 20, 96, 300, false);
    static final Sizes FULL = new Sizes(8000, 256, 8, 4, 64, 64, 6000, 1e-3, 250, 256, 1000, true);

    /** What a preset trains, in words. */
    public static String scale(Preset preset) {
        return preset.pick(SMOKE, QUICK, FULL).scale();
    }

    @Override
    public String name() {
        return "grammar-heads";
    }

    @Override
    public String title() {
        return "Grammar heads on the Brown Corpus: relations against the fixed-offset baseline, agreement over training";
    }

    @Override
    public String description() {
        return "Clark et al. (2019) find BERT heads that track dependency relations (the determiner head 94.3%, the "
                + "direct-object head 86.8%) far above a fixed-offset baseline; Chen et al. (ICLR 2024) see such "
                + "syntactic attention appear abruptly in training, before grammatical skills jump. Here: a causal LM "
                + "on the Brown Corpus (word-level: one tagged word, one token), every head scored on relations read "
                + "off the tags (noun -> determiner, verb -> subject, object -> preposition, object -> verb) against "
                + "the best fixed offset, and subject-verb agreement on minimal pairs over training, at two seeds. "
                + "Presets: smoke (seconds), quick (" + QUICK.scale() + "), full (" + FULL.scale() + ").";
    }

    /** A minimal pair: the words before the verb, and the ids of the right and the wrong verb form. */
    record AgreementPair(int[] prefix, int good, int bad) {
    }

    /** The held-out windows the heads are scored on, with each window's arcs in its positions. */
    record Probe(int[][] tokens, List<List<Arc>> arcs) {
    }

    @Override
    public ExperimentResult run(Settings settings, ProgressListener progress) {
        Sizes s = settings.preset().pick(SMOKE, QUICK, FULL);
        RunClock clock = new RunClock();
        MetricsLog log = new MetricsLog();
        ExperimentResult result = new ExperimentResult(this, settings, log);

        // data: Brown, held-out files ca10, ca20, ...; a word vocabulary of the training part
        BrownCorpus brown = BrownCorpus.load();
        List<BrownCorpus.Sentence> train = new ArrayList<>();
        List<BrownCorpus.Sentence> heldOut = new ArrayList<>();
        for (BrownCorpus.Sentence sentence : brown.sentences()) {
            (isHeldOut(sentence.file()) ? heldOut : train).add(sentence);
        }
        AgreementTask task = new AgreementTask();
        List<String> taskWords = new ArrayList<>();
        for (int id = 0; id < task.vocabulary().size(); id++) {
            String w = task.vocabulary().token(id);
            if (!w.startsWith("<")) {
                taskWords.add(w);
            }
        }
        WordVocabulary vocab = WordVocabulary.fit(() -> train.stream().flatMap(x -> x.tokens().stream()).iterator(),
                s.vocabWords(), taskWords);
        List<Integer> trainIds = new ArrayList<>();
        train.forEach(x -> appendIds(trainIds, vocab.encode(x.tokens())));
        if (s.moreText()) {
            appendIds(trainIds, vocab.encode(WordVocabulary.split(Corpus.mobyDick().text())));
            appendIds(trainIds, vocab.encode(WordVocabulary.split(Corpus.sotu().text())));
        }
        int[] heldOutStream = heldOutStream(heldOut, vocab);
        int[] sentenceStarts = sentenceStarts(heldOut);
        Batches trainBatches = Batches.of(trainIds.stream().mapToInt(Integer::intValue).toArray());
        Batches evalBatches = Batches.of(heldOutStream);
        Probe probe = probe(heldOut, heldOutStream, sentenceStarts, s.context(), s.probeWindows(),
                Seeds.derive(settings.seed(), "grammar probe windows"));
        List<AgreementPair> brownPairs = brownPairs(heldOut, brown, vocab, s.context(), s.agreementPairs(),
                Seeds.derive(settings.seed(), "grammar brown pairs"));
        List<AgreementPair> taskPairs = taskPairs(task, vocab, s.agreementPairs(), settings.seed());

        // baselines: data only, the same for both seeds
        Table baselines = Table.create(BASELINES, StringColumn.create("relation"), IntColumn.create("offset"),
                DoubleColumn.create("accuracy"), IntColumn.create("arcs"));
        Map<Relation, RelationScores.Baseline> baselineOf = new LinkedHashMap<>();
        for (Relation r : Relation.values()) {
            RelationScores.Baseline b = RelationScores.bestOffset(probe.arcs(), r, s.context() - 1);
            baselineOf.put(r, b);
            baselines.stringColumn("relation").append(r.label());
            baselines.intColumn("offset").append(b.offset());
            baselines.doubleColumn("accuracy").append(b.accuracy());
            baselines.intColumn("arcs").append(b.arcs());
        }

        Table headScores = Table.create(HEAD_SCORES, LongColumn.create("seed"), IntColumn.create(ProbeTable.LAYER),
                IntColumn.create(ProbeTable.HEAD), StringColumn.create(ProbeTable.METRIC),
                DoubleColumn.create(ProbeTable.VALUE));
        Table overTraining = Table.create(OVER_TRAINING, LongColumn.create("seed"), LongColumn.create("step"),
                StringColumn.create("series"), DoubleColumn.create("value"));
        Table viewerTokens = Table.create(VIEWER_TOKENS, IntColumn.create("position"), StringColumn.create("token"),
                StringColumn.create("tag"));
        Table viewerPatterns = Table.create(VIEWER_PATTERNS, IntColumn.create(ProbeTable.LAYER),
                IntColumn.create(ProbeTable.HEAD), IntColumn.create("query"), IntColumn.create("key"),
                DoubleColumn.create("weight"));
        BrownCorpus.Sentence shown = viewerSentence(heldOut, vocab, s.context());
        int[] shownIds = vocab.encode(shown.tokens());
        for (int i = 0; i < shown.size(); i++) {
            viewerTokens.intColumn("position").append(i);
            viewerTokens.stringColumn("token").append(shownIds[i] == 0 ? shown.tokens().get(i) + " (unk)"
                    : shown.tokens().get(i));
            viewerTokens.stringColumn("tag").append(shown.words().get(i).tag());
        }

        List<HeadScore> scores = RelationScores.scores(probe.arcs());
        long[] seeds = {settings.seed(), secondSeed(settings.seed())};
        for (long seed : seeds) {
            String run = Seeds.label(seed, settings.seed());
            ModelConfig config = ModelConfig.builder(vocab.size(), s.dModel(), s.heads(), s.layers())
                    .maxLength(s.context()).build();
            try (NDManager mm = NDManager.newBaseManager(settings.device())) {
                DecoderLM lm = DecoderLM.create(config, mm, seed);
                TrainConfig tc = TrainConfig.builder(seed, settings.device()).seedName(run)
                        .steps(s.steps()).batchSize(s.batch())
                        .context(s.context()).lr(s.lr()).evalEvery(s.evalEvery()).evalBatches(4).build();
                HeadScoreTracker tracker = HeadScoreTracker.of(probe.tokens(), scores.toArray(new HeadScore[0]));
                EvalHook agreement = (trainer, step) -> Map.of(
                        AGREEMENT_BROWN, agreementAccuracy(lm, trainer.manager(), brownPairs),
                        AGREEMENT_TASK, agreementAccuracy(lm, trainer.manager(), taskPairs));
                TrainingData data = TrainingData.from(BatchSource.of(trainBatches, s.batch(), s.context(),
                        Seeds.derive(seed, "grammar batches")));
                TrainingData eval = TrainingData.from(BatchSource.of(evalBatches, s.batch(), s.context(),
                        Seeds.derive(settings.seed(), "grammar eval batches")));
                try (Trainer trainer = Trainer.builder().model(lm).config(tc).trainData(data).evalData(eval)
                        .runName(run).listener(progress).metrics(log).evalHook(tracker).evalHook(agreement).build()) {
                    // the untrained model too, so a curve starts where training does (the trainer's first is evalEvery)
                    Map<String, Double> atStart = new LinkedHashMap<>(tracker.evaluate(trainer, 0));
                    atStart.putAll(agreement.evaluate(trainer, 0));
                    atStart.forEach((metric, v) -> appendSeries(overTraining, seed, 0, metric, v));
                    trainer.run();
                }
                Table logged = log.table().where(log.table().stringColumn(MetricsLog.RUN).isEqualTo(run));
                for (int r = 0; r < logged.rowCount(); r++) {
                    appendSeries(overTraining, seed, logged.longColumn(MetricsLog.STEP).getLong(r),
                            logged.stringColumn(MetricsLog.METRIC).get(r),
                            logged.doubleColumn(MetricsLog.VALUE).getDouble(r));
                }
                Table finalScores = HeadScores.measure(lm, mm, probe.tokens(), scores.toArray(new HeadScore[0]));
                for (int r = 0; r < finalScores.rowCount(); r++) {
                    headScores.longColumn("seed").append(seed);
                    headScores.intColumn(ProbeTable.LAYER).append(finalScores.intColumn(ProbeTable.LAYER).getInt(r));
                    headScores.intColumn(ProbeTable.HEAD).append(finalScores.intColumn(ProbeTable.HEAD).getInt(r));
                    headScores.stringColumn(ProbeTable.METRIC).append(finalScores.stringColumn(ProbeTable.METRIC).get(r));
                    headScores.doubleColumn(ProbeTable.VALUE).append(finalScores.doubleColumn(ProbeTable.VALUE)
                            .getDouble(r));
                }
                if (seed == seeds[0]) {
                    for (int l = 0; l < s.layers(); l++) {
                        for (int h = 0; h < s.heads(); h++) {
                            float[][] w = InductionScores.pattern(lm, mm, shownIds, l, h);
                            for (int q = 0; q < w.length; q++) {
                                for (int k = 0; k <= q; k++) {
                                    viewerPatterns.intColumn(ProbeTable.LAYER).append(l);
                                    viewerPatterns.intColumn(ProbeTable.HEAD).append(h);
                                    viewerPatterns.intColumn("query").append(q);
                                    viewerPatterns.intColumn("key").append(k);
                                    viewerPatterns.doubleColumn("weight").append(w[q][k]);
                                }
                            }
                        }
                    }
                }
            }
        }

        result.note(String.format(Locale.ROOT, "Scale here: %s; %d training words (vocabulary %d tokens, %.1f%% of "
                        + "training words unknown); probes: %d held-out windows; agreement: %d Brown pairs, %d "
                        + "AgreementTask pairs. Clark et al.: BERT-base (12 layers x 12 heads, 110M parameters), "
                        + "attention from words to words on the Penn Treebank (WSJ) dependency parses.",
                s.scale(), trainIds.size(), vocab.size(), 100.0 * unknownShare(trainIds), probe.tokens().length,
                brownPairs.size(), taskPairs.size()));
        finish(result, baselines, headScores, overTraining, viewerTokens, viewerPatterns, seeds);
        result.note("Cost: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
    }

    /** Adds the raw tables and everything derived from them (summary, timing, figures, notes) to {@code result}. */
    private static void finish(ExperimentResult result, Table baselines, Table headScores, Table overTraining,
                               Table viewerTokens, Table viewerPatterns, long[] seeds) {
        Map<Relation, RelationScores.Baseline> baselineOf = new LinkedHashMap<>();
        for (int r = 0; r < baselines.rowCount(); r++) {
            Relation rel = relation(baselines.stringColumn("relation").get(r));
            baselineOf.put(rel, new RelationScores.Baseline(rel, baselines.intColumn("offset").getInt(r),
                    baselines.doubleColumn("accuracy").getDouble(r), baselines.intColumn("arcs").getInt(r)));
        }
        Table summary = summary(headScores, baselineOf, seeds);
        Table timing = timing(overTraining, seeds);
        result.table(SUMMARY, summary).table(BASELINES, baselines).table(HEAD_SCORES, headScores)
                .table(OVER_TRAINING, overTraining).table(TIMING, timing).table(VIEWER_TOKENS, viewerTokens)
                .table(VIEWER_PATTERNS, viewerPatterns);
        addFigures(result, headScores, baselineOf, summary, overTraining, seeds);
        for (int r = 0; r < summary.rowCount(); r++) {
            result.note(String.format(Locale.ROOT, "%s, %s: best head %s %.3f vs best fixed offset (%d back) "
                            + "%.3f on %d arcs", Seeds.label(summary.longColumn("seed").getLong(r), seeds[0]),
                    summary.stringColumn("relation").get(r), summary.stringColumn("best_head").get(r),
                    summary.doubleColumn("best_accuracy").getDouble(r), summary.intColumn("baseline_offset").getInt(r),
                    summary.doubleColumn("baseline_accuracy").getDouble(r), summary.intColumn("arcs").getInt(r)));
        }
    }

    /** The relation whose label is {@code label}; fails naming the known ones. */
    public static Relation relation(String label) {
        for (Relation r : Relation.values()) {
            if (r.label().equals(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException("no relation '" + label + "'; known: "
                + Arrays.stream(Relation.values()).map(Relation::label).toList());
    }

    /** The raw tables {@link SavedRuns} needs to rebuild a run. */
    static final List<String> SAVED_TABLES = List.of(BASELINES, HEAD_SCORES, OVER_TRAINING, VIEWER_TOKENS,
            VIEWER_PATTERNS);

    /** A saved run's result, rebuilt from its raw tables by the code a fresh run uses. */
    static ExperimentResult rebuild(Experiment experiment, Settings settings, SavedRuns.Tables saved) {
        ExperimentResult result = new ExperimentResult(experiment, settings, saved.metrics());
        Table headScores = saved.table(HEAD_SCORES, ColumnType.LONG, ColumnType.INTEGER, ColumnType.INTEGER,
                ColumnType.STRING, ColumnType.DOUBLE);
        long[] seeds = {settings.seed(), secondSeed(settings.seed())};
        finish(result, saved.table(BASELINES, ColumnType.STRING, ColumnType.INTEGER, ColumnType.DOUBLE,
                        ColumnType.INTEGER), headScores,
                saved.table(OVER_TRAINING, ColumnType.LONG, ColumnType.LONG, ColumnType.STRING, ColumnType.DOUBLE),
                saved.table(VIEWER_TOKENS, ColumnType.INTEGER, ColumnType.STRING, ColumnType.STRING),
                saved.table(VIEWER_PATTERNS, ColumnType.INTEGER, ColumnType.INTEGER, ColumnType.INTEGER,
                        ColumnType.INTEGER, ColumnType.DOUBLE), seeds);
        return result;
    }

    /** The seed the reader chose: every table lists the settings' seed's rows first. */
    private static long firstSeed(Table bySeed) {
        return bySeed.longColumn("seed").getLong(0);
    }

    /** The second seed of every run ("seed B"): derived from the settings' seed. */
    public static long secondSeed(long seed) {
        return Seeds.derive(seed, "grammar second seed");
    }

    static boolean isHeldOut(String file) {
        return file.length() == 4 && file.charAt(3) == '0';
    }

    private static void appendIds(List<Integer> into, int[] ids) {
        for (int id : ids) {
            into.add(id);
        }
    }

    private static double unknownShare(List<Integer> ids) {
        long unk = ids.stream().filter(i -> i == 0).count();
        return ids.isEmpty() ? 0 : unk / (double) ids.size();
    }

    static int[] heldOutStream(List<BrownCorpus.Sentence> sentences, WordVocabulary vocab) {
        List<Integer> ids = new ArrayList<>();
        sentences.forEach(x -> appendIds(ids, vocab.encode(x.tokens())));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    static int[] sentenceStarts(List<BrownCorpus.Sentence> sentences) {
        int[] starts = new int[sentences.size()];
        int at = 0;
        for (int i = 0; i < starts.length; i++) {
            starts[i] = at;
            at += sentences.get(i).size();
        }
        return starts;
    }

    /**
     * {@code windows} held-out windows of {@code context} words, each starting at a sentence start (drawn from the
     * seed), with the arcs of every sentence that starts inside the window and whose arc fits in it.
     */
    static Probe probe(List<BrownCorpus.Sentence> sentences, int[] stream, int[] starts, int context, int windows,
                       long seed) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            if (starts[i] + context <= stream.length && sentences.get(i).size() >= 5) {
                candidates.add(i);
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] tokens = new int[windows][];
        List<List<Arc>> arcs = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            int first = candidates.get(rnd.nextInt(candidates.size()));
            int from = starts[first];
            tokens[w] = Arrays.copyOfRange(stream, from, from + context);
            List<Arc> inWindow = new ArrayList<>();
            for (int k = first; k < sentences.size() && starts[k] < from + context; k++) {
                int offset = starts[k] - from;
                for (Arc a : GrammarRelations.arcs(sentences.get(k).words())) {
                    if (offset + a.dependent() < context) {
                        inWindow.add(new Arc(a.relation(), offset + a.dependent(), offset + a.head()));
                    }
                }
            }
            arcs.add(inWindow);
        }
        return new Probe(tokens, arcs);
    }

    /** The first held-out sentence of 10-16 words with a determiner arc, no unknown word and a subject arc. */
    static BrownCorpus.Sentence viewerSentence(List<BrownCorpus.Sentence> sentences, WordVocabulary vocab,
                                               int context) {
        BrownCorpus.Sentence fallback = null;
        for (BrownCorpus.Sentence x : sentences) {
            if (x.size() < 8 || x.size() > Math.min(16, context)) {
                continue;
            }
            boolean known = Arrays.stream(vocab.encode(x.tokens())).allMatch(i -> i != 0);
            List<Arc> arcs = GrammarRelations.arcs(x.words());
            boolean det = arcs.stream().anyMatch(a -> a.relation() == Relation.DETERMINER);
            boolean subj = arcs.stream().anyMatch(a -> a.relation() == Relation.SUBJECT);
            if (known && det && subj) {
                return x;
            }
            if (fallback == null && det) {
                fallback = x;
            }
        }
        if (fallback == null) {
            throw new IllegalStateException("no held-out sentence of 8-16 words with a determiner");
        }
        return fallback;
    }

    // ---------------------------------------------------------------- agreement

    private static final String[][] IRREGULAR = {{"is", "are"}, {"was", "were"}, {"has", "have"}, {"does", "do"}};
    private static final Set<String> SINGULAR_VERB = Set.of("vbz", "bez", "bedz", "hvz", "doz");
    private static final Set<String> PLURAL_VERB = Set.of("vb", "ber", "bed", "hv", "do");

    /** Singular <-> plural present forms seen in Brown ({@code runs <-> run}), with is/are, was/were, has/have, does/do. */
    static Map<String, String> verbNumberPairs(BrownCorpus brown) {
        Set<String> base = new HashSet<>();
        Set<String> third = new HashSet<>();
        for (BrownCorpus.Sentence x : brown.sentences()) {
            for (BrownCorpus.TaggedWord w : x.words()) {
                String t = w.baseTag();
                if (t.equals("vb")) {
                    base.add(w.word().toLowerCase(Locale.ROOT));
                } else if (t.equals("vbz")) {
                    third.add(w.word().toLowerCase(Locale.ROOT));
                }
            }
        }
        Map<String, String> pairs = new HashMap<>();
        for (String[] p : IRREGULAR) {
            pairs.put(p[0], p[1]);
            pairs.put(p[1], p[0]);
        }
        for (String z : third) {
            List<String> candidates = new ArrayList<>();
            if (z.endsWith("ies")) {
                candidates.add(z.substring(0, z.length() - 3) + "y");
            }
            if (z.endsWith("es")) {
                candidates.add(z.substring(0, z.length() - 2));
            }
            if (z.endsWith("s")) {
                candidates.add(z.substring(0, z.length() - 1));
            }
            for (String b : candidates) {
                if (base.contains(b) && !pairs.containsKey(z) && !pairs.containsKey(b)) {
                    pairs.put(z, b);
                    pairs.put(b, z);
                    break;
                }
            }
        }
        return pairs;
    }

    /**
     * Minimal pairs from held-out Brown sentences: a SUBJECT arc from a present or past-of-be verb to an nn (singular)
     * or nns (plural) subject, the verb agreeing, its other-number form known to the vocabulary.
     */
    static List<AgreementPair> brownPairs(List<BrownCorpus.Sentence> sentences, BrownCorpus brown,
                                          WordVocabulary vocab, int context, int count, long seed) {
        Map<String, String> flip = verbNumberPairs(brown);
        List<AgreementPair> all = new ArrayList<>();
        for (BrownCorpus.Sentence x : sentences) {
            int[] ids = vocab.encode(x.tokens());
            for (Arc a : GrammarRelations.arcs(x.words(), Relation.SUBJECT)) {
                int v = a.dependent();
                if (v >= context || v < 1) {
                    continue;
                }
                String verbTag = x.words().get(v).baseTag();
                String subjTag = x.words().get(a.head()).baseTag();
                boolean agrees = subjTag.equals("nn") && SINGULAR_VERB.contains(verbTag)
                        || subjTag.equals("nns") && PLURAL_VERB.contains(verbTag);
                String verb = x.tokens().get(v).toLowerCase(Locale.ROOT);
                String other = flip.get(verb);
                if (agrees && other != null && vocab.contains(verb) && vocab.contains(other) && ids[a.head()] != 0) {
                    all.add(new AgreementPair(Arrays.copyOf(ids, v), vocab.id(verb), vocab.id(other)));
                }
            }
        }
        if (all.isEmpty()) {
            throw new IllegalStateException("no agreement pairs in the held-out Brown sentences");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<AgreementPair> out = new ArrayList<>();
        for (int i = 0; i < Math.min(count, all.size()); i++) {
            out.add(all.get(rnd.nextInt(all.size())));
        }
        return out;
    }

    /** AgreementTask's subject-verb minimal pairs (attractors included), in the word vocabulary, without {@code <s>}. */
    static List<AgreementPair> taskPairs(AgreementTask task, WordVocabulary vocab, int count, long seed) {
        List<AgreementPair> out = new ArrayList<>();
        for (AgreementTask.MinimalPair p : task.minimalPairs(count, AgreementTask.Phenomenon.SUBJECT_VERB, Split.TEST,
                Seeds.derive(seed, "grammar task pairs"))) {
            int[] good = p.grammatical().inputs();
            int[] bad = p.ungrammatical().inputs();
            int pos = p.position();
            int[] prefix = new int[pos - 1];
            for (int i = 1; i < pos; i++) {
                prefix[i - 1] = vocab.id(task.vocabulary().token(good[i]));
            }
            out.add(new AgreementPair(prefix, vocab.id(task.vocabulary().token(good[pos])),
                    vocab.id(task.vocabulary().token(bad[pos]))));
        }
        return out;
    }

    /** The share of pairs where the model's logit for the right verb, after the prefix, beats the wrong one's. */
    static double agreementAccuracy(DecoderLM lm, NDManager manager, List<AgreementPair> pairs) {
        int len = pairs.stream().mapToInt(p -> p.prefix().length).max().orElse(1);
        int[][] rows = new int[pairs.size()][len];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(pairs.get(b).prefix(), 0, rows[b], 0, pairs.get(b).prefix().length);
        }
        try (NDManager sub = manager.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(lm));
            NDArray input = sub.create(rows).toType(DataType.INT64, false);
            NDArray logits = lm.forward(new ParameterStore(sub, false), input, false, Hooks.none());  // [B, L, V]
            float[] flat = logits.toType(DataType.FLOAT32, false).toFloatArray();
            int v = (int) logits.getShape().get(2);
            int right = 0;
            for (int b = 0; b < rows.length; b++) {
                AgreementPair p = pairs.get(b);
                int at = (b * len + p.prefix().length - 1) * v;
                right += flat[at + p.good()] > flat[at + p.bad()] ? 1 : 0;
            }
            return right / (double) rows.length;
        }
    }

    // ---------------------------------------------------------------- tables, figures

    /** One row of {@value #OVER_TRAINING} for a metric the run logged, if it is one of its series. */
    private static void appendSeries(Table into, long seed, long step, String metric, double value) {
        String series = null;
        for (Relation rel : Relation.values()) {
            if (metric.equals(HeadScoreTracker.MAX_PREFIX + rel.label())) {
                series = bestHeadSeries(rel);
            }
        }
        if (metric.equals(AGREEMENT_BROWN) || metric.equals(AGREEMENT_TASK) || metric.equals(EVAL_LOSS)) {
            series = metric;
        }
        if (series != null) {
            into.longColumn("seed").append(seed);
            into.longColumn("step").append(step);
            into.stringColumn("series").append(series);
            into.doubleColumn("value").append(value);
        }
    }

    static Table summary(Table headScores, Map<Relation, RelationScores.Baseline> baselines, long[] seeds) {
        Table t = Table.create(SUMMARY, LongColumn.create("seed"), StringColumn.create("relation"),
                StringColumn.create("best_head"), DoubleColumn.create("best_accuracy"),
                IntColumn.create("baseline_offset"), DoubleColumn.create("baseline_accuracy"),
                DoubleColumn.create("margin"), IntColumn.create("arcs"), DoubleColumn.create("paper_best"));
        for (long seed : seeds) {
            for (Relation r : Relation.values()) {
                Table rows = headScores.where(headScores.longColumn("seed").isEqualTo(seed)
                        .and(headScores.stringColumn(ProbeTable.METRIC).isEqualTo(r.label())));
                int best = -1;
                for (int i = 0; i < rows.rowCount(); i++) {
                    double v = rows.doubleColumn(ProbeTable.VALUE).getDouble(i);
                    if (!Double.isNaN(v) && (best < 0 || v > rows.doubleColumn(ProbeTable.VALUE).getDouble(best))) {
                        best = i;
                    }
                }
                RelationScores.Baseline b = baselines.get(r);
                double acc = best < 0 ? Double.NaN : rows.doubleColumn(ProbeTable.VALUE).getDouble(best);
                t.longColumn("seed").append(seed);
                t.stringColumn("relation").append(r.label());
                t.stringColumn("best_head").append(best < 0 ? "-" : ProbeTable.headName(
                        rows.intColumn(ProbeTable.LAYER).getInt(best), rows.intColumn(ProbeTable.HEAD).getInt(best)));
                t.doubleColumn("best_accuracy").append(acc);
                t.intColumn("baseline_offset").append(b.offset());
                t.doubleColumn("baseline_accuracy").append(b.accuracy());
                t.doubleColumn("margin").append(acc - b.accuracy());
                t.intColumn("arcs").append(b.arcs());
                t.doubleColumn("paper_best").append(PAPER_ACCURACY.get(r));
            }
        }
        return t;
    }

    /**
     * When each series rose: the first evaluated steps at which it covered 10%, 50% and 90% of the way from its first
     * to its largest value, as whole steps (missing when it rose by less than 0.05: "no rise"; read them with
     * {@code numberColumn(..).getDouble}, NaN when missing); eval loss is left out.
     */
    static Table timing(Table overTraining, long[] seeds) {
        Table t = Table.create(TIMING, LongColumn.create("seed"), StringColumn.create("series"),
                LongColumn.create("step10"), LongColumn.create("step50"), LongColumn.create("step90"),
                DoubleColumn.create("first"), DoubleColumn.create("last"));
        for (long seed : seeds) {
            Table mine = overTraining.where(overTraining.longColumn("seed").isEqualTo(seed));
            for (String series : new java.util.LinkedHashSet<>(mine.stringColumn("series").asList())) {
                if (series.equals(EVAL_LOSS)) {
                    continue;
                }
                TreeMap<Long, Double> curve = new TreeMap<>();
                Table rows = mine.where(mine.stringColumn("series").isEqualTo(series));
                for (int r = 0; r < rows.rowCount(); r++) {
                    curve.put(rows.longColumn("step").getLong(r), rows.doubleColumn("value").getDouble(r));
                }
                double[] steps = riseSteps(curve, 0.05);
                t.longColumn("seed").append(seed);
                t.stringColumn("series").append(series);
                for (int k = 0; k < 3; k++) {
                    LongColumn step = t.longColumn(k + 2);
                    if (Double.isNaN(steps[k])) {
                        step.appendMissing();
                    } else {
                        step.append((long) steps[k]);
                    }
                }
                t.doubleColumn("first").append(curve.firstEntry().getValue());
                t.doubleColumn("last").append(curve.lastEntry().getValue());
            }
        }
        return t;
    }

    /**
     * The first steps at which {@code curve} reaches 10%, 50% and 90% of the way from its first value to its maximum;
     * all NaN when the maximum is less than {@code minRise} above the first value.
     */
    public static double[] riseSteps(TreeMap<Long, Double> curve, double minRise) {
        double first = curve.firstEntry().getValue();
        double max = curve.values().stream().mapToDouble(Double::doubleValue).max().orElse(first);
        double[] out = {Double.NaN, Double.NaN, Double.NaN};
        if (!(max - first >= minRise)) {
            return out;
        }
        double[] levels = {0.1, 0.5, 0.9};
        for (int k = 0; k < 3; k++) {
            double level = first + levels[k] * (max - first);
            for (Map.Entry<Long, Double> e : curve.entrySet()) {
                if (e.getValue() >= level) {
                    out[k] = e.getKey();
                    break;
                }
            }
        }
        return out;
    }

    private static void addFigures(ExperimentResult result, Table headScores,
                                   Map<Relation, RelationScores.Baseline> baselines, Table summary, Table overTraining,
                                   long[] seeds) {
        result.figure(RELATION_HEATMAP, relationHeatmap(headScores, baselines, seeds[0]));
        Table bars = Table.create("best vs baseline", StringColumn.create("relation"), StringColumn.create("what"),
                DoubleColumn.create("accuracy"));
        for (int r = 0; r < summary.rowCount(); r++) {
            bars.stringColumn("relation").append(relation(summary.stringColumn("relation").get(r)).words());
            bars.stringColumn("what").append("best head, " + Seeds.label(summary.longColumn("seed").getLong(r), seeds[0]));
            bars.doubleColumn("accuracy").append(summary.doubleColumn("best_accuracy").getDouble(r));
        }
        for (Relation r : Relation.values()) {
            bars.stringColumn("relation").append(r.words());
            bars.stringColumn("what").append("best fixed offset");
            bars.doubleColumn("accuracy").append(baselines.get(r).accuracy());
        }
        result.figure(BEST_VS_BASELINE, Plots.bars(bars, "relation", "accuracy", "what")
                .title("Best head per relation vs the best fixed offset (held-out Brown windows)"));
        result.figure(OVER_TRAINING_FIGURE, overTrainingFigure(overTraining, seeds[0], Relation.DETERMINER));
    }

    /** Every head's accuracy (columns L0.H0 ...) per relation (rows) at one seed; baselines in the row labels. */
    public static org.attnlab.viz.HeatmapFigure relationHeatmap(Table headScores,
                                                                 Map<Relation, RelationScores.Baseline> baselines,
                                                                 long seed) {
        Table mine = headScores.where(headScores.longColumn("seed").isEqualTo(seed));
        List<String> heads = new ArrayList<>();
        for (int r = 0; r < mine.rowCount(); r++) {
            String h = ProbeTable.headName(mine.intColumn(ProbeTable.LAYER).getInt(r),
                    mine.intColumn(ProbeTable.HEAD).getInt(r));
            if (!heads.contains(h)) {
                heads.add(h);
            }
        }
        Relation[] rels = Relation.values();
        double[][] z = new double[rels.length][heads.size()];
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < rels.length; i++) {
            RelationScores.Baseline b = baselines.get(rels[i]);
            rows.add(String.format(Locale.ROOT, "%s (%d: %.2f)", rels[i].words(), b.offset(), b.accuracy()));
            Arrays.fill(z[i], Double.NaN);
        }
        for (int r = 0; r < mine.rowCount(); r++) {
            String metric = mine.stringColumn(ProbeTable.METRIC).get(r);
            for (int i = 0; i < rels.length; i++) {
                if (rels[i].label().equals(metric)) {
                    String h = ProbeTable.headName(mine.intColumn(ProbeTable.LAYER).getInt(r),
                            mine.intColumn(ProbeTable.HEAD).getInt(r));
                    z[i][heads.indexOf(h)] = mine.doubleColumn(ProbeTable.VALUE).getDouble(r);
                }
            }
        }
        return Plots.grid("Relation accuracy of every head, " + Seeds.label(seed, firstSeed(headScores))
                        + "; in brackets: the best fixed offset k and its "
                        + "accuracy", z,
                        rows, "relation", heads, "head", "accuracy (share of arcs)")
                .range(0, 1).showValues().size(Math.max(640, 90 * heads.size() + 260), 380);
    }

    /** The best head's score for {@code relation} and both agreement accuracies over training, one step axis. */
    public static org.attnlab.viz.LineFigure overTrainingFigure(Table overTraining, long seed, Relation relation) {
        Table mine = overTraining.where(overTraining.longColumn("seed").isEqualTo(seed)
                .and(overTraining.stringColumn("series").isIn(bestHeadSeries(relation), AGREEMENT_BROWN,
                        AGREEMENT_TASK))).copy();
        mine.column("step").setName("training step");
        mine.column("value").setName("score or accuracy");
        return Plots.lines(mine, "training step", "score or accuracy", "series").yRange(0, 1)
                .title("The " + relation.words() + " head and agreement over training ("
                        + Seeds.label(seed, firstSeed(overTraining)) + ")");
    }

    /** The attention viewer on the saved sentence and patterns (first seed), at a given head. */
    public static AttentionViewer viewer(ExperimentResult result, int layer, int head) {
        Table tokens = result.table(VIEWER_TOKENS);
        Table p = result.table(VIEWER_PATTERNS);
        int n = tokens.rowCount();
        int layers = (int) p.intColumn(ProbeTable.LAYER).max() + 1;
        int heads = (int) p.intColumn(ProbeTable.HEAD).max() + 1;
        float[][][][] w = new float[layers][heads][n][n];
        for (int r = 0; r < p.rowCount(); r++) {
            w[p.intColumn(ProbeTable.LAYER).getInt(r)][p.intColumn(ProbeTable.HEAD).getInt(r)][p.intColumn("query")
                    .getInt(r)][p.intColumn("key").getInt(r)] = (float) p.doubleColumn("weight").getDouble(r);
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels.add(tokens.stringColumn("token").get(i) + "/" + tokens.stringColumn("tag").get(i));
        }
        return AttentionViewer.of(labels, w).layer(layer).head(head);
    }
}
