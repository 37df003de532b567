package org.attnlab.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import org.attnlab.Preset;
import org.attnlab.Seeds;
import org.attnlab.Settings;
import org.attnlab.attention.AttentionKind;
import org.attnlab.data.BatchSource;
import org.attnlab.data.Batches;
import org.attnlab.data.BpeTokenizer;
import org.attnlab.data.CharTokenizer;
import org.attnlab.data.Corpus;
import org.attnlab.data.Tokenizer;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.LayerPlan;
import org.attnlab.model.LayerSkip;
import org.attnlab.model.LayerPlan.Placement;
import org.attnlab.model.ModelConfig;
import org.attnlab.probe.AttentionDiagnostics;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.TrainResult;
import org.attnlab.train.TrainingDiverged;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;
import org.attnlab.viz.BarFigure;
import org.attnlab.viz.LineFigure;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * <i>Deconstructing Attention</i> (Xue, Moosavi, Aletras 2025) at toy scale on Moby Dick: train standard attention,
 * then each variant relaxing one design principle (MLP, Approximate, Non-approximate, RndEmbQK, FixedSeqQK,
 * StaticEmbQK) in every layer (uniform) and in the odd layers only (hybrid), with the same budget; report validation
 * perplexity beside the paper's Table 1 (WikiText perplexity at 500M parameters); the placement ablation for one
 * variant; the skip ablation (drop a trained hybrid's variant layers, no retraining); and attention diagnostics per
 * layer (entropy, sink mass, local focus, concentration, head diversity, max logit) of every trained model.
 *
 * <p>Tables: {@code results} (long: variant, config, metric, value), {@code table1} (wide, beside the paper),
 * {@code placement}, {@code diagnostics} (long: run, layer, head, metric, value), {@code diagnostics_per_layer},
 * {@code runs} (time and parameters per run).
 */
public final class DesignPrinciplesExperiment implements Experiment {

    /** The variants of the paper's Table 1, in its order. */
    public static final List<AttentionKind> VARIANTS = List.of(AttentionKind.MLP, AttentionKind.APPROXIMATE,
            AttentionKind.NON_APPROXIMATE, AttentionKind.RND_EMB_QK, AttentionKind.FIXED_SEQ_QK,
            AttentionKind.STATIC_EMB_QK);

    /** Table 1 of the paper, WikiText perplexity at 500M parameters: {uniform, hybrid}; standard 38.1. */
    static final Map<AttentionKind, double[]> PAPER_WIKITEXT_PPL = Map.of(
            AttentionKind.MLP, new double[] {993.5, 45.8},
            AttentionKind.APPROXIMATE, new double[] {47.9, 39.4},
            AttentionKind.NON_APPROXIMATE, new double[] {9e4, 39.4},
            AttentionKind.RND_EMB_QK, new double[] {84.8, 39.3},
            AttentionKind.FIXED_SEQ_QK, new double[] {79.1, 38.5},
            AttentionKind.STATIC_EMB_QK, new double[] {79.9, 38.7});
    static final double PAPER_STANDARD_PPL = 38.1;

    /** The run names' config parts. */
    public static final String STANDARD = "standard";
    public static final String UNIFORM = "uniform";
    public static final String HYBRID = "hybrid";
    public static final String HYBRID_SKIP = "hybrid-skip";
    /**
     * The config of standard attention trained a second time with another seed (other initial weights, other batch
     * order): the run-to-run spread a gap must exceed before a comparison is drawn. Named as every lesson names a
     * second seed derived from the reader's ({@link Seeds#label}: "seed B"); its run is {@value #SEED_B_RUN}.
     */
    public static final String SEED_B = Seeds.SECOND_LABEL;
    /** The run name of standard attention at the second seed, in the {@value #RUNS} table, progress lines and legends. */
    public static final String SEED_B_RUN = STANDARD + ", " + SEED_B;
    /** The config and run names results folders written before the second seed was called "seed B" used. */
    private static final String LEGACY_SEED_2 = "seed-2";
    private static final String LEGACY_SEED_2_RUN = STANDARD + "/" + LEGACY_SEED_2;

    /** Table: the paper's Table 1 layout, our perplexities beside the paper's. */
    public static final String TABLE1 = "table1";
    /** Table: the placement configs of one variant and their perplexity. */
    public static final String PLACEMENT = "placement";
    /** Table: every run's evaluation, long (variant, config, metric, value). */
    public static final String RESULTS = "results";
    /** Table: diagnostics per (run, layer, metric), summarised over heads ({@link AttentionDiagnostics#perLayer}). */
    public static final String DIAGNOSTICS_PER_LAYER = "diagnostics_per_layer";
    /** Table: diagnostics per (run, layer, head, metric). */
    public static final String DIAGNOSTICS = "diagnostics";
    /** Table: time, parameters and status of every run. */
    public static final String RUNS = "runs";
    /** Figure: validation perplexity, uniform vs hybrid per variant. */
    public static final String PERPLEXITY_BARS = "perplexity";
    /** Figure: each hybrid's loss and its loss with the variant layers dropped. */
    public static final String SKIP_BARS = "hybrid_skip";
    /** Figure: validation perplexity during training. */
    public static final String TRAINING_CURVES = "training_curves";
    /** Figure: perplexity per placement config. */
    public static final String PLACEMENT_BARS = "placement";

    /** Figure: one diagnostic ({@code AttentionDiagnostics.SINK_MASS}, ...) per layer for every trained model. */
    public static String diagnosticFigure(String metric) {
        return "diagnostic_" + metric;
    }

    /**
     * The sizes of one preset; build with {@link #builder()}.
     *
     * @param corpusChars      characters of Moby Dick used (0: all of it)
     * @param moreText         also train on the State of the Union addresses and the Brown Corpus (each split 90/10)
     * @param bpeVocab         BPE vocabulary size (0: characters)
     * @param diagnosticBatch  validation windows the diagnostics are measured on
     * @param placementVariant the variant whose placements are trained
     * @param placements       the placement configs trained
     */
    record Sizes(int corpusChars, boolean moreText, int bpeVocab, int dModel, int heads, int layers, int context,
                 int batch, int steps, double lr, int evalEvery, int evalBatches, int diagnosticBatch,
                 AttentionKind placementVariant, List<Placement> placements) {

        static Builder builder() {
            return new Builder();
        }

        /** Named setters for {@link Sizes}; unset: all of the corpus, characters, no in-training evaluation. */
        static final class Builder {
            private int corpusChars;
            private boolean moreText;
            private int bpeVocab;
            private int dModel;
            private int heads;
            private int layers;
            private int context;
            private int batch;
            private int steps;
            private double lr;
            private int evalEvery;
            private int evalBatches;
            private int diagnosticBatch;
            private AttentionKind placementVariant;
            private List<Placement> placements = List.of();

            /** Train on the first {@code n} characters of Moby Dick only (default: all of it). */
            Builder corpusChars(int n) {
                corpusChars = n;
                return this;
            }

            /** Add the State of the Union addresses and the Brown Corpus to Moby Dick (default: Moby Dick alone). */
            Builder moreText() {
                moreText = true;
                return this;
            }

            /** Tokenise with a BPE vocabulary of {@code n} (default: characters). */
            Builder bpeVocab(int n) {
                bpeVocab = n;
                return this;
            }

            Builder dModel(int v) {
                dModel = v;
                return this;
            }

            Builder heads(int v) {
                heads = v;
                return this;
            }

            Builder layers(int v) {
                layers = v;
                return this;
            }

            Builder context(int v) {
                context = v;
                return this;
            }

            Builder batch(int v) {
                batch = v;
                return this;
            }

            Builder steps(int v) {
                steps = v;
                return this;
            }

            Builder lr(double v) {
                lr = v;
                return this;
            }

            /** Evaluate every {@code n} steps during training (default 0: only at the end). */
            Builder evalEvery(int n) {
                evalEvery = n;
                return this;
            }

            Builder evalBatches(int v) {
                evalBatches = v;
                return this;
            }

            Builder diagnosticBatch(int v) {
                diagnosticBatch = v;
                return this;
            }

            /** Train {@code variant} at each of {@code placements} (which layers keep standard attention). */
            Builder placements(AttentionKind variant, List<Placement> which) {
                placementVariant = variant;
                placements = List.copyOf(which);
                return this;
            }

            Sizes build() {
                SizeChecks.positive("design-principles sizes", "dModel", dModel, "heads", heads, "layers", layers,
                        "context", context, "batch", batch, "steps", steps, "evalBatches", evalBatches,
                        "diagnosticBatch", diagnosticBatch);
                SizeChecks.positiveRate("design-principles sizes", lr);
                if (corpusChars < 0 || bpeVocab < 0 || evalEvery < 0) {
                    throw new IllegalArgumentException("design-principles sizes: corpusChars, bpeVocab and evalEvery "
                            + "must be 0 (unset) or positive; got " + corpusChars + ", " + bpeVocab + ", " + evalEvery);
                }
                if (placementVariant == null) {
                    throw new IllegalArgumentException("design-principles sizes: set placements(variant, which)");
                }
                return new Sizes(corpusChars, moreText, bpeVocab, dModel, heads, layers, context, batch, steps, lr,
                        evalEvery, evalBatches, diagnosticBatch, placementVariant, placements);
            }
        }

        String scale() {
            return String.format(Locale.ROOT, "%s%s, d %d, %d layers, %d heads, %d steps of %d x %d tokens",
                    moreText ? "Moby Dick + SOTU + Brown, " : "", bpeVocab > 0 ? "BPE " + bpeVocab : "characters",
                    dModel, layers, heads, steps, batch, context);
        }
    }

    static Sizes sizes(Preset preset) {
        return preset.pick(
                Sizes.builder().corpusChars(30_000).dModel(16).heads(2).layers(2).context(16).batch(4).steps(3)
                        .lr(3e-3).evalBatches(1).diagnosticBatch(2)
                        .placements(AttentionKind.MLP, List.of(Placement.FIRST, Placement.LAST)).build(),
                Sizes.builder().dModel(64).heads(4).layers(4).context(64).batch(16).steps(250).lr(3e-3).evalEvery(50)
                        .evalBatches(8).diagnosticBatch(8)
                        .placements(AttentionKind.MLP, List.of(Placement.FIRST, Placement.LAST, Placement.BILATERAL,
                                Placement.TOP, Placement.EVEN)).build(),
                Sizes.builder().moreText().bpeVocab(2048).dModel(256).heads(8).layers(6).context(128).batch(64)
                        .steps(400).lr(2e-3).evalEvery(200).evalBatches(16).diagnosticBatch(8)
                        .placements(AttentionKind.MLP, List.of(Placement.values())).build());
    }

    @Override
    public String name() {
        return "design-principles";
    }

    @Override
    public String title() {
        return "Deconstructing attention: every design principle relaxed, uniform and hybrid, on Moby Dick";
    }

    @Override
    public String description() {
        return "Xue, Moosavi, Aletras (2025) relax each of attention's four design principles (token mixing: MLP; "
                + "exact form: Approximate, Non-approximate; sequence-dependent Q,K: RndEmbQK, FixedSeqQK; Q,K from the "
                + "current layer: StaticEmbQK) in every layer (uniform) or in the odd layers only (hybrid). Here: "
                + "decoders trained on Moby Dick with one budget each; validation perplexity beside the paper's "
                + "WikiText perplexity at 500M; placement configs for one variant; hybrid-skip (variant layers dropped "
                + "after training); attention diagnostics per layer. Presets: smoke (2 layers, 3 steps), quick "
                + "(char-level, d 64, 4 layers, 250 steps; placements first/last/bilateral/top/even), full (Moby Dick + "
                + "State of the Union + Brown Corpus, BPE 2048, d 256, 6 layers, context 128, 400 steps of 64; all nine placements).";
    }

    @Override
    public ExperimentResult run(Settings settings, ProgressListener progress) {
        long wall0 = System.nanoTime();
        double cpu0 = processCpuSeconds();
        double load0 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Sizes z = sizes(settings.preset());
        MetricsLog log = new MetricsLog();
        ExperimentResult result = new ExperimentResult(this, settings, log);

        // data: Moby Dick (smoke, quick; + State of the Union + Brown at full, where Moby Dick alone overfits),
        // each text split 90/10, char-level (smoke, quick) or BPE (full)
        Corpus corpus = Corpus.mobyDick();
        if (z.corpusChars() > 0) {
            corpus = corpus.head(z.corpusChars());
        }
        Corpus.TrainValidation tv = corpus.split(0.9);
        if (z.moreText()) {
            List<Corpus.TrainValidation> parts = List.of(tv, Corpus.sotu().split(0.9), Corpus.brown().split(0.9));
            tv = new Corpus.TrainValidation(
                    Corpus.join("moby-dick+sotu+brown/train",
                            parts.stream().map(Corpus.TrainValidation::train).toList()),
                    Corpus.join("moby-dick+sotu+brown/validation",
                            parts.stream().map(Corpus.TrainValidation::validation).toList()));
        }
        Tokenizer tok = z.bpeVocab() > 0 ? BpeTokenizer.train(tv.train().text(), z.bpeVocab())
                : CharTokenizer.fit(tv.train().text());
        int[] trainTokens = tok.encode(tv.train().text());
        int[] valTokens = tok.encode(tv.validation().text());
        Batches trainBatches = Batches.of(trainTokens);
        Batches valBatches = Batches.of(valTokens);
        List<Integer> fixedText = Arrays.stream(Arrays.copyOf(trainTokens, z.context())).boxed().toList();
        ModelConfig base = ModelConfig.builder(tok.vocabSize(), z.dModel(), z.heads(), z.layers())
                .maxLength(z.context()).fixedQkTokens(fixedText).build();
        TrainingData train = TrainingData.from(BatchSource.of(trainBatches, z.batch(), z.context(), settings.seed()));
        long seed2 = Seeds.derive(settings.seed(), "second seed");
        TrainingData train2 = TrainingData.from(BatchSource.of(trainBatches, z.batch(), z.context(), seed2));
        TrainingData val = TrainingData.from(BatchSource.of(valBatches, z.batch(), z.context(),
                Seeds.derive(settings.seed(), "validation")));
        int[][] diagRows = valBatches.sample(z.diagnosticBatch(), z.context(),
                Seeds.derive(settings.seed(), "diagnostics")).inputs();

        // the runs: standard; each variant uniform and hybrid; placements of one variant
        List<RunSpec> specs = new ArrayList<>();
        specs.add(new RunSpec(AttentionKind.STANDARD, STANDARD, LayerPlan.uniform(AttentionKind.STANDARD, z.layers())));
        specs.add(new RunSpec(AttentionKind.STANDARD, SEED_B, LayerPlan.uniform(AttentionKind.STANDARD, z.layers())));
        for (AttentionKind v : VARIANTS) {
            specs.add(new RunSpec(v, UNIFORM, LayerPlan.uniform(v, z.layers())));
            specs.add(new RunSpec(v, HYBRID, LayerPlan.hybrid(v, z.layers())));
        }
        for (Placement p : z.placements()) {
            LayerPlan plan = LayerPlan.placement(p, z.placementVariant(), z.layers());
            if (!plan.equals(LayerPlan.hybrid(z.placementVariant(), z.layers()))) {   // even = hybrid: trained above
                specs.add(new RunSpec(z.placementVariant(), "placement:" + p.label(), plan));
            }
        }

        Table results = emptyResults();
        Table runs = emptyRuns();
        Table diagnostics = emptyDiagnostics();
        // the runs train at once (settings.parallelRuns()), each into tables of its own, appended in this order
        List<RunRows> rows = ParallelRuns.map(settings.parallelRuns(), specs, spec -> {
            RunRows out = new RunRows(emptyResults(), emptyRuns(), emptyDiagnostics(), new MetricsLog(),
                    new ArrayList<>());
            trainOne(spec, z, base, settings, seed2, second(spec) ? train2 : train, val, diagRows, progress, out);
            return out;
        });
        for (RunRows r : rows) {
            results.append(r.results());
            runs.append(r.runs());
            diagnostics.append(r.diagnostics());
            log.addAll(r.log());
            r.notes().forEach(result::note);
        }

        finish(result, results, runs, diagnostics, log, z);

        double wall = (System.nanoTime() - wall0) / 1e9;
        double cpu = processCpuSeconds() - cpu0;
        double load1 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        result.note(String.format(Locale.ROOT, "Scale here: %s, %s tokens (train %d, validation %d), vocab %d. "
                        + "Paper: 500M parameters, 24 layers, d 896, SlimPajama, WikiText perplexity.", z.scale(),
                tok instanceof BpeTokenizer ? "BPE" : "character", trainTokens.length, valTokens.length,
                tok.vocabSize()));
        findingNotes(result, perplexities(results), diagnostics);
        result.note(String.format(Locale.ROOT, "Time: wall %.0f s, JVM CPU %.0f s (%.2f cores busy), load average "
                + "%.1f at start, %.1f at end.", wall, cpu, cpu / Math.max(wall, 1e-9), load0, load1));
        return result.seconds(wall);
    }

    /** The rows, metrics and notes of one run, appended to the experiment's in the order of the runs. */
    private record RunRows(Table results, Table runs, Table diagnostics, MetricsLog log, List<String> notes) {
    }

    private static Table emptyResults() {
        return Table.create(RESULTS, StringColumn.create("variant"), StringColumn.create("config"),
                StringColumn.create("metric"), DoubleColumn.create("value"));
    }

    private static Table emptyRuns() {
        return Table.create(RUNS, StringColumn.create("run"), StringColumn.create("plan"),
                IntColumn.create("parameters"), DoubleColumn.create("train_seconds"), StringColumn.create("status"));
    }

    private static Table emptyDiagnostics() {
        return Table.create(DIAGNOSTICS, StringColumn.create("run"), IntColumn.create("layer"),
                IntColumn.create("head"), StringColumn.create("metric"), DoubleColumn.create("value"));
    }

    private static boolean second(RunSpec spec) {
        return spec.config().equals(SEED_B);
    }

    /** Trains one run in a manager of its own and writes its rows, metrics and notes into {@code out}. */
    private static void trainOne(RunSpec spec, Sizes z, ModelConfig base, Settings settings, long seed2,
                                 TrainingData trainData, TrainingData val, int[][] diagRows, ProgressListener progress,
                                 RunRows out) {
        Table results = out.results();
        Table runs = out.runs();
        Table diagnostics = out.diagnostics();
        MetricsLog log = out.log();
        String run = spec.runName();
        ModelConfig cfg = base.withPlan(spec.plan());
        boolean second = second(spec);
        long seed = second ? seed2 : settings.seed();
        TrainConfig tc = TrainConfig.builder(seed, settings.device()).seedName(Seeds.label(seed, settings.seed()))
                .steps(z.steps())
                .batchSize(z.batch()).context(z.context()).lr(z.lr()).warmup(Math.max(1, z.steps() / 10))
                .evalEvery(z.evalEvery()).evalBatches(z.evalBatches()).build();
        try (NDManager manager = NDManager.newBaseManager(settings.device())) {
            DecoderLM model = DecoderLM.create(cfg, manager, seed);
            RunOutcome outcome = RunOutcome.completed();
            double seconds;
            try (Trainer trainer = Trainer.builder().model(model).config(tc).trainData(trainData)
                    .evalData(val)
                    .runName(run).listener(progress).metrics(log).build()) {
                long t0 = System.nanoTime();
                try {
                    TrainResult r = trainer.run();
                    add(results, spec, spec.config(), r.finalEval());
                } catch (TrainingDiverged diverged) {
                    outcome = RunOutcome.diverged(diverged);
                    add(results, spec, spec.config(), Map.of("eval_perplexity", Double.NaN,
                            "eval_loss", Double.NaN, "eval_accuracy", Double.NaN));
                    out.notes().add(run + " " + outcome.status());
                }
                seconds = (System.nanoTime() - t0) / 1e9;
                if (spec.config().equals(HYBRID) && outcome.isCompleted()) {
                    Map<String, Double> skip = new LinkedHashMap<>();
                    trainer.evaluate(val, z.evalBatches(), LayerSkip.variantLayers(spec.plan()))
                            .forEach((k, v) -> skip.put("eval_" + k, v));
                    add(results, spec, HYBRID_SKIP, skip);
                }
            }
            runs.stringColumn("run").append(run);
            runs.stringColumn("plan").append(spec.plan().toString());
            runs.intColumn("parameters").append((int) model.parameterCount());
            runs.doubleColumn("train_seconds").append(seconds);
            runs.stringColumn("status").append(outcome.status());
            if (outcome.isCompleted() && !spec.config().startsWith("placement") && !second) {
                diagnose(model, manager, diagRows, run, diagnostics);
            }
        }
    }

    /** The tables and figures derived from the raw {@code results}, {@code runs} and {@code diagnostics} tables. */
    private static void finish(ExperimentResult result, Table results, Table runs, Table diagnostics, MetricsLog log,
                               Sizes z) {
        result.table(TABLE1, table1(results));
        result.table(PLACEMENT, placementTable(results, z));
        result.table(RESULTS, results);
        result.table(DIAGNOSTICS_PER_LAYER, diagnosticsPerLayer(diagnostics));
        result.table(DIAGNOSTICS, diagnostics);
        result.table(RUNS, runs);
        figures(result, results, log, diagnostics, z);
    }

    /**
     * A saved run's result ({@link SavedRuns}): its raw {@value #RESULTS}, {@value #RUNS} and {@value #DIAGNOSTICS}
     * tables and the metrics read back; every other table, the figures and the findings notes rebuilt from them.
     */
    static ExperimentResult rebuild(Experiment experiment, Settings settings, SavedRuns.Tables saved) {
        MetricsLog log = saved.metrics();
        Table metrics = log.table();
        if (metrics.stringColumn(MetricsLog.RUN).contains(LEGACY_SEED_2_RUN)) {
            rename(metrics.stringColumn(MetricsLog.RUN), LEGACY_SEED_2_RUN, SEED_B_RUN);
            log = MetricsLog.fromTable(metrics);
        }
        ExperimentResult result = new ExperimentResult(experiment, settings, log);
        Table results = saved.table(RESULTS, ColumnType.STRING, ColumnType.STRING, ColumnType.STRING, ColumnType.DOUBLE);
        Table runs = saved.table(RUNS, ColumnType.STRING, ColumnType.STRING, ColumnType.INTEGER, ColumnType.DOUBLE,
                ColumnType.STRING);
        Table diagnostics = saved.table(DIAGNOSTICS, ColumnType.STRING, ColumnType.INTEGER, ColumnType.INTEGER,
                ColumnType.STRING, ColumnType.DOUBLE);
        // a folder written when the second seed was called "seed-2" reads as one written now
        rename(results.stringColumn("config"), LEGACY_SEED_2, SEED_B);
        rename(runs.stringColumn("run"), LEGACY_SEED_2_RUN, SEED_B_RUN);
        finish(result, results, runs, diagnostics, log, sizes(settings.preset()));
        findingNotes(result, perplexities(results), diagnostics);
        return result;
    }

    /** Replaces every {@code from} in {@code column} with {@code to}. */
    private static void rename(StringColumn column, String from, String to) {
        for (int r = 0; r < column.size(); r++) {
            if (column.get(r).equals(from)) {
                column.set(r, to);
            }
        }
    }

    /** Validation perplexity by run name ({@code standard}, {@code mlp/uniform}, {@code mlp/hybrid-skip}, ...). */
    private static Map<String, Double> perplexities(Table results) {
        Map<String, Double> ppl = new LinkedHashMap<>();
        for (int r = 0; r < results.rowCount(); r++) {
            if (results.stringColumn("metric").get(r).equals("perplexity")) {
                String config = results.stringColumn("config").get(r);
                ppl.put(config.equals(STANDARD) ? STANDARD : results.stringColumn("variant").get(r) + "/" + config,
                        results.doubleColumn("value").getDouble(r));
            }
        }
        return ppl;
    }

    /** One training run: which variant, which config (standard, uniform, hybrid, placement:X), which plan. */
    record RunSpec(AttentionKind variant, String config, LayerPlan plan) {
        String runName() {
            return config.equals(STANDARD) ? STANDARD : config.equals(SEED_B) ? SEED_B_RUN
                    : variant.label() + "/" + config;
        }
    }

    private static void add(Table results, RunSpec spec, String config, Map<String, Double> eval) {
        for (String m : List.of("eval_perplexity", "eval_loss", "eval_accuracy")) {
            results.stringColumn("variant").append(spec.variant().label());
            results.stringColumn("config").append(config);
            results.stringColumn("metric").append(m.substring("eval_".length()));
            results.doubleColumn("value").append(eval.getOrDefault(m, Double.NaN));
        }
    }

    /** Diagnostics of the model's patterns and its max logits on fixed validation windows. */
    private static void diagnose(DecoderLM model, NDManager manager, int[][] rows, String run, Table into) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray tokens = Batches.toArray(sub, rows, ai.djl.ndarray.types.DataType.INT64);
            ParameterStore ps = new ParameterStore(sub, false);
            Table d = AttentionDiagnostics.of(model, ps, tokens);
            d.append(AttentionDiagnostics.maxLogits(model, ps, tokens));
            for (int r = 0; r < d.rowCount(); r++) {
                into.stringColumn("run").append(run);
                into.intColumn("layer").append(d.intColumn(AttentionDiagnostics.LAYER).getInt(r));
                into.intColumn("head").append(d.intColumn(AttentionDiagnostics.HEAD).getInt(r));
                into.stringColumn("metric").append(d.stringColumn(AttentionDiagnostics.METRIC).get(r));
                into.doubleColumn("value").append(d.doubleColumn(AttentionDiagnostics.VALUE).getDouble(r));
            }
        }
    }

    /**
     * The {@value #DIAGNOSTICS_PER_LAYER} table: {@link AttentionDiagnostics#perLayer} of the (run, layer, head,
     * metric, value) diagnostics (mean over heads; max for max_logit), with the layer shown as the paper numbers it,
     * {@code "layer 1"}..{@code "layer depth"}.
     */
    static Table diagnosticsPerLayer(Table diagnostics) {
        Table summary = AttentionDiagnostics.perLayer(diagnostics);
        StringColumn layer = StringColumn.create(AttentionDiagnostics.LAYER);
        for (int r = 0; r < summary.rowCount(); r++) {
            layer.append("layer " + (summary.intColumn(AttentionDiagnostics.LAYER).getInt(r) + 1));
        }
        summary.replaceColumn(AttentionDiagnostics.LAYER, layer);
        return summary.setName(DIAGNOSTICS_PER_LAYER);
    }

    private static double value(Table results, String variant, String config, String metric) {
        for (int r = 0; r < results.rowCount(); r++) {
            if (results.stringColumn("variant").get(r).equals(variant)
                    && results.stringColumn("config").get(r).equals(config)
                    && results.stringColumn("metric").get(r).equals(metric)) {
                return results.doubleColumn("value").getDouble(r);
            }
        }
        return Double.NaN;
    }

    /**
     * Validation perplexity per variant (uniform, hybrid, hybrid-skip) and its ratio to standard, beside the paper's
     * WikiText perplexity at 500M and its ratio (the paper's columns as text, in the paper's precision).
     */
    static Table table1(Table results) {
        double std = value(results, AttentionKind.STANDARD.label(), STANDARD, "perplexity");
        Table t = Table.create(TABLE1, StringColumn.create("variant"), DoubleColumn.create("uniform ppl"),
                DoubleColumn.create("hybrid ppl"), DoubleColumn.create("hybrid-skip ppl"),
                DoubleColumn.create("uniform / standard"), DoubleColumn.create("hybrid / standard"),
                StringColumn.create("paper uniform ppl"), StringColumn.create("paper hybrid ppl"),
                StringColumn.create("paper uniform / standard"), StringColumn.create("paper hybrid / standard"));
        t.stringColumn(0).append(AttentionKind.STANDARD.label());
        appendRow(t, std, std, Double.NaN, std, PAPER_STANDARD_PPL, PAPER_STANDARD_PPL);
        for (AttentionKind v : VARIANTS) {
            t.stringColumn(0).append(v.label());
            double[] paper = PAPER_WIKITEXT_PPL.get(v);
            appendRow(t, value(results, v.label(), UNIFORM, "perplexity"), value(results, v.label(), HYBRID, "perplexity"),
                    value(results, v.label(), HYBRID_SKIP, "perplexity"), std, paper[0], paper[1]);
        }
        return t;
    }

    private static void appendRow(Table t, double uniform, double hybrid, double skip, double std, double paperU,
                                  double paperH) {
        double[] v = {uniform, hybrid, skip, uniform / std, hybrid / std};
        for (int c = 0; c < v.length; c++) {
            t.doubleColumn(c + 1).append(round(v[c]));
        }
        t.stringColumn(6).append(paperPpl(paperU));
        t.stringColumn(7).append(paperPpl(paperH));
        t.stringColumn(8).append(String.format(Locale.ROOT, "%.3f", paperU / PAPER_STANDARD_PPL));   // as ours: 3 decimals
        t.stringColumn(9).append(String.format(Locale.ROOT, "%.3f", paperH / PAPER_STANDARD_PPL));
    }

    private static String paperPpl(double p) {
        return p >= 1e4 ? String.format(Locale.ROOT, "%.0E", p).replace("E+0", "E+") : String.format(Locale.ROOT, "%.1f", p);
    }

    /** Placement configs of one variant: which layers keep standard attention and the perplexity. */
    static Table placementTable(Table results, Sizes z) {
        AttentionKind v = z.placementVariant();
        Table t = Table.create(PLACEMENT, StringColumn.create("placement"),
                StringColumn.create("standard layers"), DoubleColumn.create("perplexity"));
        t.stringColumn(0).append("none (uniform " + v.label() + ")");
        t.stringColumn(1).append("-");
        t.doubleColumn(2).append(round(value(results, v.label(), UNIFORM, "perplexity")));
        for (Placement p : z.placements()) {
            t.stringColumn(0).append(p.label());
            t.stringColumn(1).append(p.standardLayers(z.layers()).stream().map(String::valueOf)
                    .collect(Collectors.joining(",")));
            boolean isHybrid = LayerPlan.placement(p, v, z.layers()).equals(LayerPlan.hybrid(v, z.layers()));
            String config = isHybrid ? HYBRID : "placement:" + p.label();
            t.doubleColumn(2).append(round(value(results, v.label(), config, "perplexity")));
        }
        t.stringColumn(0).append("all (standard)");
        t.stringColumn(1).append("1-" + z.layers());
        t.doubleColumn(2).append(round(value(results, AttentionKind.STANDARD.label(), STANDARD, "perplexity")));
        return t;
    }

    private static void figures(ExperimentResult result, Table results, MetricsLog log, Table diagnostics, Sizes z) {
        result.figure(PERPLEXITY_BARS, perplexityBars(results));
        if (results.stringColumn("config").contains(HYBRID_SKIP)) {
            result.figure(SKIP_BARS, skipBars(results));
        }
        if (log.metricNames().contains("eval_perplexity")) {
            result.figure(TRAINING_CURVES, trainingCurves(log));
        }
        result.figure(PLACEMENT_BARS, placementBars(placementTable(results, z), z.placementVariant()));
        Table perLayer = diagnosticsPerLayer(diagnostics);
        for (String metric : List.of(AttentionDiagnostics.NORMALISED_ENTROPY, AttentionDiagnostics.SINK_MASS,
                AttentionDiagnostics.LOCAL_FOCUS)) {
            if (perLayer.stringColumn("metric").contains(metric)) {
                result.figure(diagnosticFigure(metric), diagnosticBars(perLayer, metric));
            }
        }
    }

    /** Grouped bars of validation perplexity: per variant, uniform and hybrid (and standard) from {@code results}. */
    public static BarFigure perplexityBars(Table results) {
        Table ppl = results.where(results.stringColumn("metric").isEqualTo("perplexity")
                .and(results.stringColumn("config").isIn(STANDARD, UNIFORM, HYBRID)));
        return Plots.bars(renameValue(ppl, "validation perplexity"), "variant", "validation perplexity", "config")
                .title("Validation perplexity: uniform vs hybrid (standard for reference)");
    }

    /**
     * Grouped bars: each trained hybrid's validation loss and the same model's with its variant layers dropped. Loss
     * (nats per token) is log perplexity: skip perplexities span 4 to 1000+ times the hybrid's, a log axis.
     */
    public static BarFigure skipBars(Table results) {
        Table skip = results.where(results.stringColumn("metric").isEqualTo("loss")
                .and(results.stringColumn("config").isIn(HYBRID, HYBRID_SKIP)));
        return Plots.bars(renameValue(skip, "validation loss = ln(perplexity)"), "variant",
                        "validation loss = ln(perplexity)", "config")
                .title("Hybrid vs hybrid-skip (variant layers dropped, no retraining)");
    }

    /** Validation perplexity against step, one line per run, log y. */
    public static LineFigure trainingCurves(MetricsLog log) {
        Table curves = log.table();
        curves = curves.where(curves.stringColumn("metric").isEqualTo("eval_perplexity"));
        return Plots.lines(renameValue(curves, "validation perplexity"), "step", "validation perplexity", "run").logY().title("Validation perplexity during training")
                .size(900, 460);
    }

    /** Bars of the {@code placement} table's perplexity per placement config. */
    public static BarFigure placementBars(Table placement, AttentionKind variant) {
        return Plots.bars(placement, "placement", "perplexity", null)
                .title("Placement: which layers keep standard attention (" + variant.label() + " in the rest)");
    }

    /**
     * One diagnostic per layer (mean over heads) for every trained model, from {@code diagnostics_per_layer}; titled
     * and labelled in words ({@link AttentionDiagnostics#describe}), not by the metric's id.
     */
    public static BarFigure diagnosticBars(Table perLayer, String metric) {
        Table m = perLayer.where(perLayer.stringColumn("metric").isEqualTo(metric));
        String name = AttentionDiagnostics.name(metric);
        Table named = renameValue(m, name);
        String what = AttentionDiagnostics.describe(metric);
        return Plots.bars(named, "run", name, "layer")
                .title(Character.toUpperCase(what.charAt(0)) + what.substring(1) + " per layer, mean over heads")
                .size(900, 440);
    }

    /**
     * The validation perplexity of one run in a result: {@code config} one of {@value #STANDARD} (any variant),
     * {@value #UNIFORM}, {@value #HYBRID}, {@value #HYBRID_SKIP}, {@code placement:LABEL}; NaN when not run.
     */
    public static double perplexity(ExperimentResult result, AttentionKind variant, String config) {
        if (config.equals(STANDARD)) {
            return value(result.table(RESULTS), AttentionKind.STANDARD.label(), STANDARD, "perplexity");
        }
        return value(result.table(RESULTS), variant.label(), config, "perplexity");
    }

    /** The variant whose uniform model has the highest validation perplexity (a diverged run counts as highest). */
    public static AttentionKind worstUniform(ExperimentResult result) {
        AttentionKind worst = null;
        double worstPpl = Double.NEGATIVE_INFINITY;
        for (AttentionKind v : VARIANTS) {
            double p = perplexity(result, v, UNIFORM);
            double key = Double.isNaN(p) ? Double.POSITIVE_INFINITY : p;
            if (key > worstPpl) {
                worst = v;
                worstPpl = key;
            }
        }
        return worst;
    }

    /**
     * The layer number (1-based, as in the paper) where {@code run}'s mean-over-heads {@code metric} is largest,
     * from {@code diagnostics_per_layer}; -1 when the run has no such rows.
     */
    public static int layerWithLargest(ExperimentResult result, String run, String metric) {
        Table t = result.table(DIAGNOSTICS_PER_LAYER);
        int best = -1;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < t.rowCount(); r++) {
            if (t.stringColumn("run").get(r).equals(run) && t.stringColumn("metric").get(r).equals(metric)
                    && t.doubleColumn("value").getDouble(r) > bestValue) {
                bestValue = t.doubleColumn("value").getDouble(r);
                best = Integer.parseInt(t.stringColumn("layer").get(r).substring("layer ".length()));
            }
        }
        return best;
    }

    /**
     * One row per training run: its name, how it ended ({@code ok} or {@code diverged at step N}), its validation
     * perplexity (2 decimals) and training time (whole seconds): the summary shown after the progress lines.
     */
    public static Table runSummary(ExperimentResult result) {
        Table runs = result.table(RUNS);
        Table results = result.table(RESULTS);
        Table t = Table.create("runs", StringColumn.create("run"), StringColumn.create("outcome"),
                DoubleColumn.create("validation perplexity"), IntColumn.create("train seconds"));
        for (int r = 0; r < runs.rowCount(); r++) {
            String run = runs.stringColumn("run").get(r);
            String status = runs.stringColumn("status").get(r);
            t.stringColumn(0).append(run);
            t.stringColumn(1).append(status.startsWith("diverged") ? divergedAt(status) : status);
            t.doubleColumn(2).append(Math.round(runPerplexity(results, run) * 100) / 100.0);
            t.intColumn(3).append((int) Math.round(runs.doubleColumn("train_seconds").getDouble(r)));
        }
        return t;
    }

    /** {@code "diverged at step N"} from a {@link RunOutcome#status()} text (the reason in full is in {@code runs}). */
    private static String divergedAt(String status) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("step (\\d+)").matcher(status);
        return m.find() ? "diverged at step " + m.group(1) : "diverged";
    }

    /** The validation perplexity of run {@code run} ({@code standard}, {@code mlp/uniform}, ...) in {@code results}. */
    private static double runPerplexity(Table results, String run) {
        if (run.equals(STANDARD)) {
            return value(results, AttentionKind.STANDARD.label(), STANDARD, "perplexity");
        }
        if (run.equals(SEED_B_RUN)) {
            return value(results, AttentionKind.STANDARD.label(), SEED_B, "perplexity");
        }
        int slash = run.indexOf('/');
        return value(results, run.substring(0, slash), run.substring(slash + 1), "perplexity");
    }

    /** The {@code status} of run {@code run} in the {@code runs} table ({@code ok}, {@code diverged: ...}). */
    public static String status(ExperimentResult result, String run) {
        Table runs = result.table(RUNS);
        for (int r = 0; r < runs.rowCount(); r++) {
            if (runs.stringColumn("run").get(r).equals(run)) {
                return runs.stringColumn("status").get(r);
            }
        }
        return "not run";
    }

    /**
     * The run-to-run spread of perplexity, as a ratio: |standard at seed B / standard - 1|; NaN when the result has no
     * second seed (e.g. a results folder written before it was added).
     */
    public static double seedSpread(ExperimentResult result) {
        Table results = result.table(RESULTS);
        double a = value(results, AttentionKind.STANDARD.label(), STANDARD, "perplexity");
        double b = value(results, AttentionKind.STANDARD.label(), SEED_B, "perplexity");
        return Math.abs(b / a - 1);
    }

    /**
     * The paper's findings beside this run's, each with a verdict computed from the numbers: {@code shows},
     * {@code the direction only} (a uniform variant worse than standard beyond the spread, but by less than half the
     * paper's gap), {@code does not show at this scale}, or {@code inside the run-to-run spread} when the gap is
     * smaller than {@link #seedSpread} (with no second seed no comparison is drawn at all). Columns: finding, paper (500M),
     * here, verdict. Ratios are perplexity over standard's, written {@code x1.234}: this run's with
     * {@link #ratioDecimals} decimals, the paper's with 3.
     */
    public static Table verdicts(ExperimentResult result) {
        Table t = Table.create("verdicts", StringColumn.create("finding"), StringColumn.create("paper (500M)"),
                StringColumn.create("here"), StringColumn.create("verdict"));
        double spread = seedSpread(result);
        double std = perplexity(result, AttentionKind.STANDARD, STANDARD);
        boolean noSpread = Double.isNaN(spread);
        int decimals = ratioDecimals(result);
        java.util.function.DoubleFunction<String> x = ratio -> times(ratio, decimals);
        String noise = noSpread ? "no second seed in this result: no comparison drawn"
                : "inside the run-to-run spread (" + x.apply(1 + spread) + ")";

        // uniform variants: worse than standard?
        for (AttentionKind v : VARIANTS) {
            double paper = PAPER_WIKITEXT_PPL.get(v)[0] / PAPER_STANDARD_PPL;
            String run = v.label() + "/" + UNIFORM;
            double r = perplexity(result, v, UNIFORM) / std;
            String status = status(result, run);
            String here;
            String verdict;
            if (status.startsWith("diverged")) {
                here = divergedAt(status);
                verdict = v == AttentionKind.NON_APPROXIMATE ? "shows (diverged)" : "diverged here (the paper's trained)";
            } else {
                here = x.apply(r);
                if (noSpread || Math.abs(r - 1) <= spread) {
                    verdict = noise;
                } else if (r < 1) {
                    verdict = "does not show at this scale (better than standard)";
                } else if (v == AttentionKind.NON_APPROXIMATE) {
                    verdict = "does not show at this scale (worse, but trained without diverging)";
                } else if (r - 1 >= (paper - 1) / 2) {
                    verdict = "shows (worse)";
                } else {
                    verdict = "the direction only (worse, by less than half the paper's gap)";
                }
            }
            String paperText = v == AttentionKind.NON_APPROXIMATE ? "diverged (9E+4 ppl, logits > 1e3)" : times(paper, 3);
            t.stringColumn(0).append("uniform " + v.label() + " is worse than standard");
            t.stringColumn(1).append(paperText);
            t.stringColumn(2).append(here);
            t.stringColumn(3).append(verdict);
        }
        // Non-approximate's logits
        Table diag = result.table(DIAGNOSTICS);
        Table na = diag.where(diag.stringColumn("run").isEqualTo(AttentionKind.NON_APPROXIMATE.label() + "/" + UNIFORM)
                .and(diag.stringColumn("metric").isEqualTo("max_logit")));
        double maxLogit = na.rowCount() == 0 ? Double.NaN : na.doubleColumn("value").max();
        t.stringColumn(0).append("uniform non-approximate's logits blow up");
        t.stringColumn(1).append("above 1e3");
        t.stringColumn(2).append(Double.isNaN(maxLogit) ? "not measured" : String.format(Locale.ROOT, "max |logit| %.1f",
                maxLogit));
        t.stringColumn(3).append(Double.isNaN(maxLogit) ? "not measured" : maxLogit > 1e3 ? "shows"
                : "does not show at this scale");
        // hybrids: better than uniform, and close to standard
        int better = 0;
        int withinNoise = 0;
        double worstHybrid = 0;
        String worstHybridName = "";
        int counted = 0;
        for (AttentionKind v : VARIANTS) {
            double u = perplexity(result, v, UNIFORM) / std;
            double h = perplexity(result, v, HYBRID) / std;
            if (Double.isNaN(h)) {
                continue;
            }
            counted++;
            if (Double.isNaN(u) || u - h > (noSpread ? Double.POSITIVE_INFINITY : spread)) {
                better++;
            }
            if (!noSpread && Math.abs(h - 1) <= spread) {
                withinNoise++;
            }
            if (h > worstHybrid) {
                worstHybrid = h;
                worstHybridName = v.label();
            }
        }
        double paperWorstHybrid = PAPER_WIKITEXT_PPL.get(AttentionKind.MLP)[1] / PAPER_STANDARD_PPL;
        t.stringColumn(0).append("a hybrid beats its uniform model");
        t.stringColumn(1).append("every variant");
        t.stringColumn(2).append(better + " of " + counted + " by more than the spread");
        t.stringColumn(3).append(noSpread ? noise : better == counted ? "shows" : better > 0 ? "shows for " + better
                + " of " + counted : "does not show at this scale");
        t.stringColumn(0).append("hybrids stay close to standard");
        t.stringColumn(1).append("worst " + times(paperWorstHybrid, 3) + " (mlp), others <= "
                + times(PAPER_WIKITEXT_PPL.get(AttentionKind.APPROXIMATE)[1] / PAPER_STANDARD_PPL, 3));
        t.stringColumn(2).append("worst " + x.apply(worstHybrid) + " (" + worstHybridName + "); " + withinNoise + " of "
                + counted + " inside the spread");
        t.stringColumn(3).append(counted == 0 ? "not run" : worstHybrid <= paperWorstHybrid ? "shows"
                : "does not show at this scale");
        // skip
        double minSkip = Double.POSITIVE_INFINITY;
        for (AttentionKind v : VARIANTS) {
            double sk = perplexity(result, v, HYBRID_SKIP) / perplexity(result, v, HYBRID);
            if (!Double.isNaN(sk)) {
                minSkip = Math.min(minSkip, sk);
            }
        }
        t.stringColumn(0).append("a hybrid without its variant layers collapses");
        t.stringColumn(1).append("LAMBADA acc 0.0, every variant");
        t.stringColumn(2).append(Double.isInfinite(minSkip) ? "no hybrid completed"
                : "perplexity " + x.apply(minSkip) + " or more of the hybrid's");
        t.stringColumn(3).append(Double.isInfinite(minSkip) ? "not run" : minSkip >= 2 ? "shows (perplexity at least doubles)"
                : "does not show at this scale");
        // sinks
        Table stdDiag = diag.where(diag.stringColumn("run").isEqualTo(STANDARD));
        double sinks = stdDiag.rowCount() == 0 ? Double.NaN : AttentionDiagnostics.sinkHeadFraction(
                stdDiag.selectColumns("layer", "head", "metric", "value"));
        t.stringColumn(0).append("sink heads form in the standard model");
        t.stringColumn(1).append("18% of heads (Gu et al., 60M, 5B tokens)");
        t.stringColumn(2).append(Double.isNaN(sinks) ? "not measured" : String.format(Locale.ROOT, "%.0f%% of heads",
                100 * sinks));
        t.stringColumn(3).append(Double.isNaN(sinks) ? "not measured" : sinks > 0 ? "shows"
                : "does not show at this scale");
        return t;
    }

    /** A perplexity ratio as the tables write it, with {@code decimals} decimals: {@code x1.234}; {@code -} for NaN. */
    public static String times(double ratio, int decimals) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "x%." + decimals + "f", ratio);
    }

    /**
     * Decimals for the ratios of {@code result}: 3, or more (at most 6) until every ratio to standard that the
     * verdicts hold against the seed spread (uniform and hybrid models) reads differently from the spread's bounds
     * {@code x(1 - spread)} and {@code x(1 + spread)}, so a ratio just outside the spread does not print as equal to it
     * (x1.0334 beside a spread of x1.0327, not x1.033 beside x1.033). 3 when there is no second seed.
     */
    public static int ratioDecimals(ExperimentResult result) {
        double spread = seedSpread(result);
        if (Double.isNaN(spread)) {
            return 3;
        }
        double std = perplexity(result, AttentionKind.STANDARD, STANDARD);
        List<Double> ratios = new ArrayList<>();
        for (AttentionKind v : VARIANTS) {
            for (String config : List.of(UNIFORM, HYBRID)) {
                double r = perplexity(result, v, config) / std;
                if (Double.isFinite(r)) {
                    ratios.add(r);
                }
            }
        }
        int d = 3;
        for (; d < 6; d++) {
            final int dd = d;
            boolean apart = ratios.stream().allMatch(r -> !times(r, dd).equals(times(1 + spread, dd))
                    && !times(r, dd).equals(times(1 - spread, dd)));
            if (apart) {
                break;
            }
        }
        return d;
    }

    /**
     * Validation perplexity against step for standard attention and the runs of one {@code config}
     * ({@value #UNIFORM} or {@value #HYBRID}): at most seven lines, a linear axis with several ticks.
     */
    public static LineFigure trainingCurves(MetricsLog log, String config) {
        Table curves = log.table();
        curves = curves.where(curves.stringColumn("metric").isEqualTo("eval_perplexity")
                .and(curves.stringColumn("run").isEqualTo(STANDARD)
                        .or(curves.stringColumn("run").endsWith("/" + config))));
        return Plots.lines(renameValue(curves, "validation perplexity"), "step", "validation perplexity", "run")
                .markers().title("Validation perplexity during training: standard and each " + config + " model")
                .size(820, 420);
    }

    /**
     * One diagnostic per head of one run as a grid: rows "layer 1".."layer n" (numbered as the
     * {@value #DIAGNOSTICS_PER_LAYER} table and the paper number them), columns "head 1".., values in the cells.
     */
    public static org.attnlab.viz.HeatmapFigure headGrid(ExperimentResult result, String run, String metric) {
        Table d = result.table(DIAGNOSTICS);
        d = d.where(d.stringColumn("run").isEqualTo(run).and(d.stringColumn("metric").isEqualTo(metric)));
        if (d.rowCount() == 0) {
            throw new IllegalArgumentException("No '" + metric + "' rows for run '" + run + "' in " + DIAGNOSTICS);
        }
        int layers = (int) d.intColumn("layer").max() + 1;
        int heads = (int) d.intColumn("head").max() + 1;
        double[][] z = new double[layers][heads];
        for (double[] row : z) {
            Arrays.fill(row, Double.NaN);
        }
        for (int r = 0; r < d.rowCount(); r++) {
            z[d.intColumn("layer").getInt(r)][d.intColumn("head").getInt(r)] = d.doubleColumn("value").getDouble(r);
        }
        List<String> rows = new ArrayList<>();
        List<String> cols = new ArrayList<>();
        for (int l = 1; l <= layers; l++) {
            rows.add("layer " + l);
        }
        for (int h = 1; h <= heads; h++) {
            cols.add("head " + h);
        }
        return Plots.grid(run + " model: " + AttentionDiagnostics.describe(metric) + " per head", z, rows, "layer", cols,
                        "head", AttentionDiagnostics.name(metric))
                .showValues().size(620, 120 + 70 * layers);
    }

    /** What a preset trains, in words (for the "scale here" column of a findings table). */
    public static String scale(Preset preset) {
        return sizes(preset).scale();
    }

    private static void findingNotes(ExperimentResult result, Map<String, Double> ppl, Table diagnostics) {
        double std = ppl.getOrDefault(STANDARD, Double.NaN);
        double mlp = ppl.getOrDefault(AttentionKind.MLP.label() + "/" + UNIFORM, Double.NaN);
        double worstHybrid = 0;
        String worstHybridRun = "";
        double worstUniform = 0;
        String worstUniformRun = "";
        double minSkipRatio = Double.POSITIVE_INFINITY;
        for (AttentionKind v : VARIANTS) {
            double h = ppl.getOrDefault(v.label() + "/" + HYBRID, Double.NaN);
            double u = ppl.getOrDefault(v.label() + "/" + UNIFORM, Double.NaN);
            double s = ppl.getOrDefault(v.label() + "/" + HYBRID_SKIP, Double.NaN);
            if (h / std > worstHybrid) {
                worstHybrid = h / std;
                worstHybridRun = v.label();
            }
            if (!(u / std <= worstUniform)) {
                worstUniform = Double.isNaN(u) ? Double.POSITIVE_INFINITY : u / std;
                worstUniformRun = v.label();
            }
            if (s / h < minSkipRatio) {
                minSkipRatio = s / h;
            }
        }
        result.note(String.format(Locale.ROOT, "Uniform MLP: perplexity %.2f vs standard %.2f (x%.2f; paper x%.1f). "
                        + "Worst uniform variant here: %s.", mlp, std, mlp / std,
                PAPER_WIKITEXT_PPL.get(AttentionKind.MLP)[0] / PAPER_STANDARD_PPL, worstUniformRun));
        result.note(String.format(Locale.ROOT, "Hybrids: worst hybrid/standard ratio %.3f (%s); paper's worst 1.20 "
                + "(MLP).", worstHybrid, worstHybridRun));
        result.note(String.format(Locale.ROOT, "Hybrid-skip: perplexity at least x%.1f the trained hybrid's "
                + "(collapse; the paper's LAMBADA accuracy falls to 0).", minSkipRatio));
        Table stdDiag = diagnostics.where(diagnostics.stringColumn("run").isEqualTo(STANDARD));
        Table t = AttentionDiagnostics.emptyTable();
        for (int r = 0; r < stdDiag.rowCount(); r++) {
            t.intColumn(AttentionDiagnostics.LAYER).append(stdDiag.intColumn("layer").getInt(r));
            t.intColumn(AttentionDiagnostics.HEAD).append(stdDiag.intColumn("head").getInt(r));
            t.stringColumn(AttentionDiagnostics.METRIC).append(stdDiag.stringColumn("metric").get(r));
            t.doubleColumn(AttentionDiagnostics.VALUE).append(stdDiag.doubleColumn("value").getDouble(r));
        }
        result.note(String.format(Locale.ROOT, "Standard model: %.0f%% of heads are sink heads (mean attention to "
                + "token 0 > 0.3).", 100 * AttentionDiagnostics.sinkHeadFraction(t)));
    }

    /** A copy of {@code t} whose {@code value} column is called {@code name} (it becomes the y-axis title). */
    private static Table renameValue(Table t, String name) {
        Table copy = t.copy();
        copy.column("value").setName(name);
        return copy;
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : v;
    }

    /** CPU seconds this JVM has used (all threads, including PyTorch's). */
    static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }
}
