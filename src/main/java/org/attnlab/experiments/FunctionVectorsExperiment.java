package org.attnlab.experiments;

import ai.djl.ndarray.NDManager;
import org.attnlab.Preset;
import org.attnlab.Seeds;
import org.attnlab.Settings;
import org.attnlab.attention.AttentionKind;
import org.attnlab.attention.Hooks;
import org.attnlab.data.tasks.FunctionTask;
import org.attnlab.data.tasks.FunctionTask.Function;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.lesson.Prose;
import org.attnlab.model.DecoderLM;
import org.attnlab.probe.FunctionVectors;
import org.attnlab.probe.FunctionVectors.Head;
import org.attnlab.probe.FunctionVectors.HeadMeans;
import org.attnlab.probe.FunctionVectors.Score;
import org.attnlab.probe.ProbeTable;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.viz.BarFigure;
import org.attnlab.viz.Plots;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Function vectors (Todd et al. ICLR 2024): a small {@link DecoderLM} is trained on {@link FunctionTask}'s mixture
 * (antonym and first letter, see {@link #FUNCTIONS}; {@code shots} demonstrations then a query, every answer graded) at two
 * seeds. For each seed:
 * <ol>
 *   <li>the baseline: accuracy on the query of {@code shots}-shot prompts, of the same prompts with the
 *       demonstrations' labels shuffled (Todd et al.'s corruption), with each label from a random function
 *       ({@link FunctionTask#mixedLabels}), and of zero-shot prompts ({@code <s> x ->}), per function;</li>
 *   <li>every head's causal indirect effect ({@link FunctionVectors#indirectEffects}) on the mixed-label prompts
 *       (shuffling keeps our functions visible: their answers differ in type) per function, its mean over the
 *       functions, and the top {@code topHeads} heads by that mean (the paper's "universal" heads);</li>
 *   <li>zero-shot accuracy with nothing added, with the function's vector (the top heads' task means through
 *       {@code W_O}) added to the residual stream entering each layer at the query, and with the vector of as many
 *       random heads ({@code randomDraws} draws, the same heads for every function of a draw).</li>
 * </ol>
 * Raw tables: {@value #ACCURACY}, {@value #INDIRECT_EFFECTS}, {@value #TOP_HEADS}, {@value #ZERO_SHOT}; the summary,
 * figures and verdicts are made from them alone ({@link #rebuild}), so a saved run loads without training.
 *
 * <p>The paper: GPT-J (28 layers x 16 heads), 10-shot prompts, the top 10 of 448 heads, the vector added at layer 9
 * (about a third of the way up). Ours adds at {@code round(L * 9 / 28)} for the headline bars and sweeps every layer.
 */
public final class FunctionVectorsExperiment implements Experiment {

    /** Table: seed, function, condition, accuracy, probability (the in-context baseline). */
    public static final String ACCURACY = "accuracy";
    /** Table: seed, function, layer, head, indirect_effect (function "mean": the mean over functions). */
    public static final String INDIRECT_EFFECTS = "indirect_effects";
    /** Table: seed, rank, layer, head, indirect_effect (mean over functions) of the heads the vector sums. */
    public static final String TOP_HEADS = "top_heads";
    /** Table: seed, function, vector, layer, draw, accuracy, probability (zero-shot prompts). */
    public static final String ZERO_SHOT = "zero_shot";
    /** Table: one row per function (and "mean"): baseline, zero-shot none / FV / random at the paper's layer. */
    public static final String SUMMARY = "summary";
    /** Figure: the baseline accuracy per function. */
    public static final String BASELINE_FIGURE = "baseline_accuracy";
    /** Figure: mean indirect effect per head (first seed). */
    public static final String IE_HEATMAP = "indirect_effect_heatmap";
    /** Figure: zero-shot accuracy, none / FV / random heads, at the paper's layer, with spread. */
    public static final String ZERO_SHOT_BARS = "zero_shot_bars";
    /** Figure: zero-shot accuracy against the layer the vector is added at. */
    public static final String BY_LAYER = "accuracy_by_layer";

    public static final String FEW_SHOT = "few-shot";
    public static final String SHUFFLED = "few-shot, shuffled labels";
    /** The corrupted prompts of the indirect effect: each demonstration's label from a random function. */
    public static final String MIXED = "few-shot, mixed-function labels";
    public static final String ZERO = "zero-shot";
    public static final String NONE = "none";
    public static final String FV = "function vector";
    public static final String RANDOM = "random heads";
    public static final String MEAN = "mean";
    /**
     * The functions trained and probed: antonym and first letter, told apart in context by the type of the
     * demonstrations' answers (a word or a capital letter). Copy and successor are left out: telling antonym, copy and
     * successor apart needs a learned relation between x and y inside each demonstration, and with them in the
     * mixture the quick model stayed on a plateau for its whole budget (it told letters from words, not one word
     * function from another) when this experiment was built.
     */
    public static final List<Function> FUNCTIONS = List.of(Function.ANTONYM, Function.FIRST_LETTER);
    /** Few-shot accuracy every function must reach at every seed before a function-vector claim is drawn. */
    public static final double BASELINE_TARGET = 0.9;

    /**
     * Sizes of one preset; build with {@link #builder()}.
     *
     * @param shots        demonstrations per prompt (training and the head means)
     * @param prompts      prompts per function for every accuracy and for the indirect effects
     * @param meanPrompts  prompts per function the head means are taken over
     * @param topHeads     heads summed into the function vector
     * @param randomDraws  random head sets for the control
     */
    record Sizes(int layers, int dModel, int heads, int shots, int steps, int batch, double lr, int evalEvery,
                 int prompts, int meanPrompts, int topHeads, int randomDraws) {

        static Builder builder() {
            return new Builder();
        }

        /** The layer the paper's rule picks: GPT-J's 9 of 28, scaled to our depth. */
        int paperLayer() {
            return Math.min(layers - 1, (int) Math.round(layers * 9.0 / 28));
        }

        static final class Builder {
            private int layers;
            private int dModel;
            private int heads;
            private int shots;
            private int steps;
            private int batch;
            private double lr;
            private int evalEvery;
            private int prompts;
            private int meanPrompts;
            private int topHeads;
            private int randomDraws;

            Builder model(int layers, int dModel, int heads) {
                this.layers = layers;
                this.dModel = dModel;
                this.heads = heads;
                return this;
            }

            Builder shots(int v) {
                shots = v;
                return this;
            }

            Builder training(int steps, int batch, double lr, int evalEvery) {
                this.steps = steps;
                this.batch = batch;
                this.lr = lr;
                this.evalEvery = evalEvery;
                return this;
            }

            Builder probing(int prompts, int meanPrompts, int topHeads, int randomDraws) {
                this.prompts = prompts;
                this.meanPrompts = meanPrompts;
                this.topHeads = topHeads;
                this.randomDraws = randomDraws;
                return this;
            }

            Sizes build() {
                SizeChecks.positive("function-vector sizes", "layers", layers, "dModel", dModel, "heads", heads,
                        "shots", shots, "steps", steps, "batch", batch, "evalEvery", evalEvery, "prompts", prompts,
                        "meanPrompts", meanPrompts, "topHeads", topHeads, "randomDraws", randomDraws);
                SizeChecks.positiveRate("function-vector sizes", lr);
                if (topHeads > layers * heads) {
                    throw new IllegalArgumentException("function-vector sizes: topHeads " + topHeads + " exceeds the "
                            + layers * heads + " heads of the model");
                }
                return new Sizes(layers, dModel, heads, shots, steps, batch, lr, evalEvery, prompts, meanPrompts,
                        topHeads, randomDraws);
            }
        }
    }

    static final Sizes SMOKE = Sizes.builder().model(2, 32, 2).shots(4).training(20, 8, 3e-3, 10)
            .probing(8, 8, 2, 2).build();
    static final Sizes QUICK = Sizes.builder().model(4, 64, 4).shots(10).training(400, 32, 3e-3, 100)
            .probing(64, 64, 3, 5).build();
    static final Sizes FULL = Sizes.builder().model(6, 128, 8).shots(10).training(3000, 64, 1e-3, 250)
            .probing(256, 256, 8, 10).build();

    static Sizes sizes(Preset preset) {
        return preset.pick(SMOKE, QUICK, FULL);
    }

    @Override
    public String name() {
        return "function-vectors";
    }

    @Override
    public String title() {
        return "Function vectors: the heads that carry the task, added to zero-shot prompts";
    }

    @Override
    public String description() {
        return "Todd et al. (ICLR 2024): the mean outputs of a few attention heads at the query of in-context prompts "
                + "form a 'function vector'; added to the residual stream of a prompt with no demonstrations, it makes "
                + "the model apply the function. We train a small decoder on in-context antonym and first-letter "
                + "prompts at two seeds, rank heads by their causal indirect effect on shuffled-label "
                + "prompts, and compare zero-shot accuracy with nothing, with the function vector at each layer, and "
                + "with the vector of as many random heads. Smoke: seconds; quick: a few minutes on a CPU; full: a "
                + "deeper, wider model.";
    }

    /** The two seeds: the settings' and one derived from it. */
    static long[] seeds(Settings settings) {
        return new long[] {settings.seed(), Seeds.derive(settings.seed(), "function vectors second seed")};
    }

    @Override
    public ExperimentResult run(Settings settings, ProgressListener progress) {
        Sizes s = sizes(settings.preset());
        RunClock clock = new RunClock();
        MetricsLog log = new MetricsLog();
        ExperimentResult result = new ExperimentResult(this, settings, log);
        FunctionTask task = FunctionTask.of(FUNCTIONS.toArray(new Function[0]));
        Table accuracy = accuracyTable();
        Table effects = effectsTable();
        Table top = topTable();
        Table zeroShot = zeroShotTable();
        List<String> diverged = new ArrayList<>();
        for (long seed : seeds(settings)) {
            TaskModelRun.Spec spec = TaskModelRun.Spec.builder(Seeds.label(seed, settings.seed()), AttentionKind.STANDARD, task)
                    .layers(s.layers()).dModel(s.dModel()).heads(s.heads()).trainLength(s.shots())
                    .batchSize(s.batch()).steps(s.steps()).lr(s.lr()).evalEvery(s.evalEvery()).build();
            try (TaskModelRun run = TaskModelRun.train(spec, s.shots(), settings.withSeed(seed),
                    Seeds.label(seed, settings.seed()), log, progress);
                 NDManager manager = NDManager.newBaseManager(settings.device())) {
                if (run.divergenceNote() != null) {
                    diverged.add(run.divergenceNote());
                }
                probe(run.model(), manager, task, s, seed, accuracy, effects, top, zeroShot);
            }
        }
        finish(result, s, accuracy, effects, top, zeroShot, log);
        diverged.forEach(result::note);
        result.note("Cost: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
    }

    /** Baseline, indirect effects, top heads and zero-shot accuracies of one trained model. */
    static void probe(DecoderLM model, NDManager manager, FunctionTask task, Sizes s, long seed, Table accuracy,
                      Table effects, Table top, Table zeroShot) {
        Map<Function, HeadMeans> means = new EnumMap<>(Function.class);
        Map<Function, TaskBatch> zeroPrompts = new EnumMap<>(Function.class);
        Table meanEffect = ProbeTable.heads("mean indirect effect");
        Map<Head, Double> sum = new LinkedHashMap<>();
        for (Function f : task.functions()) {
            TaskBatch clean = task.sample(s.prompts(), s.shots(), f, Split.TEST, Seeds.derive(seed, "fv clean prompts"));
            TaskBatch other = task.sample(s.prompts(), s.shots(), f, Split.TEST, Seeds.derive(seed, "fv corrupted prompts"));
            int[][] shuffled = FunctionTask.shuffledLabels(other, Seeds.derive(seed, "fv shuffles"));
            int[][] mixed = task.mixedLabels(other, Seeds.derive(seed, "fv mixed labels"));
            TaskBatch zero = task.sample(s.prompts(), 0, f, Split.TEST, Seeds.derive(seed, "fv zero-shot prompts"));
            zeroPrompts.put(f, zero);
            addAccuracy(accuracy, seed, f, FEW_SHOT, FunctionVectors.score(model, manager, clean.inputs(), -1,
                    FunctionTask.queryAnswers(clean), Hooks.none()));
            addAccuracy(accuracy, seed, f, SHUFFLED, FunctionVectors.score(model, manager, shuffled, -1,
                    FunctionTask.queryAnswers(other), Hooks.none()));
            addAccuracy(accuracy, seed, f, MIXED, FunctionVectors.score(model, manager, mixed, -1,
                    FunctionTask.queryAnswers(other), Hooks.none()));
            addAccuracy(accuracy, seed, f, ZERO, FunctionVectors.score(model, manager, zero.inputs(), -1,
                    FunctionTask.queryAnswers(zero), Hooks.none()));
            TaskBatch forMeans = task.sample(s.meanPrompts(), s.shots(), f, Split.TRAIN,
                    Seeds.derive(seed, "fv mean prompts"));
            HeadMeans m = FunctionVectors.meanHeadOutputs(model, manager, forMeans.inputs(), -1);
            means.put(f, m);
            Table ie = ProbeTable.only(FunctionVectors.indirectEffects(model, manager, m, mixed, -1,
                    FunctionTask.queryAnswers(other)), FunctionVectors.INDIRECT_EFFECT);
            for (int r = 0; r < ie.rowCount(); r++) {
                Head h = new Head(ie.intColumn(ProbeTable.LAYER).getInt(r), ie.intColumn(ProbeTable.HEAD).getInt(r));
                double v = ie.doubleColumn(ProbeTable.VALUE).getDouble(r);
                addEffect(effects, seed, label(f), h, v);
                sum.merge(h, v / task.functions().size(), Double::sum);
            }
        }
        sum.forEach((h, v) -> {
            addEffect(effects, seed, MEAN, h, v);
            meanEffect.intColumn(ProbeTable.LAYER).append(h.layer());
            meanEffect.intColumn(ProbeTable.HEAD).append(h.head());
            meanEffect.stringColumn(ProbeTable.METRIC).append(FunctionVectors.INDIRECT_EFFECT);
            meanEffect.doubleColumn(ProbeTable.VALUE).append(v);
        });
        List<Head> best = FunctionVectors.topHeads(meanEffect, s.topHeads());
        for (int i = 0; i < best.size(); i++) {
            top.longColumn("seed").append(seed);
            top.intColumn("rank").append(i + 1);
            top.intColumn("layer").append(best.get(i).layer());
            top.intColumn("head").append(best.get(i).head());
            top.doubleColumn("indirect_effect").append(sum.get(best.get(i)));
        }
        List<List<Head>> randomSets = randomHeads(FunctionVectors.allHeads(model), s.topHeads(), s.randomDraws(),
                Seeds.derive(seed, "fv random heads"));
        for (Function f : task.functions()) {
            TaskBatch zero = zeroPrompts.get(f);
            int[] answers = FunctionTask.queryAnswers(zero);
            addZeroShot(zeroShot, seed, f, NONE, ProbeTable.NONE, 0,
                    FunctionVectors.score(model, manager, zero.inputs(), -1, answers, Hooks.none()));
            float[] fv = FunctionVectors.functionVector(model, manager, means.get(f), best);
            List<float[]> controls = new ArrayList<>();
            for (List<Head> set : randomSets) {
                controls.add(FunctionVectors.functionVector(model, manager, means.get(f), set));
            }
            for (int layer = 0; layer < s.layers(); layer++) {
                addZeroShot(zeroShot, seed, f, FV, layer, 0, FunctionVectors.score(model, manager, zero.inputs(), -1,
                        answers, FunctionVectors.addToResidual(model, layer, -1, fv)));
                for (int d = 0; d < controls.size(); d++) {
                    addZeroShot(zeroShot, seed, f, RANDOM, layer, d, FunctionVectors.score(model, manager,
                            zero.inputs(), -1, answers, FunctionVectors.addToResidual(model, layer, -1,
                                    controls.get(d))));
                }
            }
        }
    }

    /** {@code draws} sets of {@code n} distinct heads, uniform over {@code all}. */
    static List<List<Head>> randomHeads(List<Head> all, int n, int draws, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<List<Head>> out = new ArrayList<>();
        for (int d = 0; d < draws; d++) {
            List<Head> pool = new ArrayList<>(all);
            List<Head> set = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                set.add(pool.remove(rng.nextInt(pool.size())));
            }
            out.add(set);
        }
        return out;
    }

    // ---------------------------------------------------------------- the tables, figures and verdicts

    /** The summary, figures and notes of a run, from its raw tables (also of a saved run). */
    static void finish(ExperimentResult result, Sizes s, Table accuracy, Table effects, Table top, Table zeroShot,
                       MetricsLog log) {
        result.table(ACCURACY, accuracy).table(INDIRECT_EFFECTS, effects).table(TOP_HEADS, top)
                .table(ZERO_SHOT, zeroShot);
        Table summary = summary(accuracy, zeroShot, s.paperLayer());
        result.table(SUMMARY, summary);
        result.figure(BASELINE_FIGURE, baselineFigure(accuracy, s));
        result.figure(IE_HEATMAP, indirectEffectFigure(effects, firstSeed(accuracy)));
        result.figure(ZERO_SHOT_BARS, zeroShotBars(zeroShot, s));
        result.figure(BY_LAYER, byLayerFigure(zeroShot, s));
        result.note(scale(s));
        result.note("Baseline: " + baselineVerdict(accuracy) + ".");
        result.note("Function vector at layer " + s.paperLayer() + ": " + liftVerdict(zeroShot, s.paperLayer()) + "; "
                + vectorVerdict(zeroShot, s.paperLayer()) + ".");
        result.note("Best layer: " + bestLayerLine(zeroShot) + ".");
    }

    /** A saved run's result, from its raw tables. */
    static ExperimentResult rebuild(Experiment experiment, Settings settings, SavedRuns.Tables saved) {
        MetricsLog log = saved.metrics();
        ExperimentResult result = new ExperimentResult(experiment, settings, log);
        finish(result, sizes(settings.preset()),
                saved.table(ACCURACY, ColumnType.LONG, ColumnType.STRING, ColumnType.STRING, ColumnType.DOUBLE,
                        ColumnType.DOUBLE),
                saved.table(INDIRECT_EFFECTS, ColumnType.LONG, ColumnType.STRING, ColumnType.INTEGER,
                        ColumnType.INTEGER, ColumnType.DOUBLE),
                saved.table(TOP_HEADS, ColumnType.LONG, ColumnType.INTEGER, ColumnType.INTEGER, ColumnType.INTEGER,
                        ColumnType.DOUBLE),
                saved.table(ZERO_SHOT, ColumnType.LONG, ColumnType.STRING, ColumnType.STRING, ColumnType.INTEGER,
                        ColumnType.INTEGER, ColumnType.DOUBLE, ColumnType.DOUBLE), log);
        return result;
    }

    /** The scale of a preset, beside the paper's. */
    public static String scale(Preset preset) {
        return scale(sizes(preset));
    }

    static String scale(Sizes s) {
        return String.format(Locale.ROOT, "Scale here: %d layers x %d heads (d %d), %d-shot prompts over %d functions, "
                        + "%d steps of %d prompts; the top %d of %d heads, added at layer %d of %d (paper: GPT-J, "
                        + "28 layers x 16 heads, 10-shot, the top 10 of 448 heads, layer 9 of 28)", s.layers(),
                s.heads(), s.dModel(), s.shots(), FUNCTIONS.size(), s.steps(), s.batch(), s.topHeads(), s.layers() * s.heads(),
                s.paperLayer(), s.layers());
    }

    /** "seed 42" for the settings' seed (a table's first), "seed B" for the one derived from it. */
    static String seedLabel(Table t, long seed) {
        return Seeds.label(seed, seedsOf(t).get(0));
    }

    /** The seeds of a run, in order. */
    public static List<Long> seedsOf(Table t) {
        List<Long> out = new ArrayList<>();
        for (long v : t.longColumn("seed").asList()) {
            if (!out.contains(v)) {
                out.add(v);
            }
        }
        return out;
    }

    private static long firstSeed(Table t) {
        return seedsOf(t).get(0);
    }

    /** The functions of a run, in order. */
    public static List<String> functionsOf(Table t) {
        List<String> out = new ArrayList<>();
        for (String f : t.stringColumn("function").asList()) {
            if (!out.contains(f) && !f.equals(MEAN)) {
                out.add(f);
            }
        }
        return out;
    }

    /** The accuracy of one (seed, function, condition) of the {@value #ACCURACY} table. */
    public static double baseline(Table accuracy, long seed, String function, String condition) {
        for (int r = 0; r < accuracy.rowCount(); r++) {
            if (accuracy.longColumn("seed").getLong(r) == seed && accuracy.stringColumn("function").get(r).equals(function)
                    && accuracy.stringColumn("condition").get(r).equals(condition)) {
                return accuracy.doubleColumn("accuracy").getDouble(r);
            }
        }
        throw new IllegalArgumentException("no accuracy for seed " + seed + ", " + function + ", " + condition);
    }

    /**
     * Zero-shot accuracy of {@code vector} at {@code layer} for one seed, averaged over {@code function} ("mean":
     * every function) and over random draws; {@link #NONE} ignores the layer.
     */
    public static double zeroShot(Table zeroShot, long seed, String function, String vector, int layer) {
        double[] v = zeroShotDraws(zeroShot, seed, function, vector, layer);
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return sum / v.length;
    }

    /** Per draw (averaged over the functions when {@code function} is "mean"): the values behind {@link #zeroShot}. */
    public static double[] zeroShotDraws(Table zeroShot, long seed, String function, String vector, int layer) {
        Map<Integer, double[]> byDraw = new LinkedHashMap<>();
        for (int r = 0; r < zeroShot.rowCount(); r++) {
            if (zeroShot.longColumn("seed").getLong(r) != seed || !zeroShot.stringColumn("vector").get(r).equals(vector)
                    || (!vector.equals(NONE) && zeroShot.intColumn("layer").getInt(r) != layer)
                    || (!function.equals(MEAN) && !zeroShot.stringColumn("function").get(r).equals(function))) {
                continue;
            }
            double[] acc = byDraw.computeIfAbsent(zeroShot.intColumn("draw").getInt(r), k -> new double[2]);
            acc[0] += zeroShot.doubleColumn("accuracy").getDouble(r);
            acc[1] += 1;
        }
        if (byDraw.isEmpty()) {
            throw new IllegalArgumentException("no zero-shot rows for seed " + seed + ", " + function + ", " + vector
                    + ", layer " + layer);
        }
        return byDraw.values().stream().mapToDouble(a -> a[0] / a[1]).toArray();
    }

    static Table summary(Table accuracy, Table zeroShot, int layer) {
        Table t = Table.create(SUMMARY, StringColumn.create("function"), DoubleColumn.create("few_shot"),
                DoubleColumn.create("shuffled_labels"), DoubleColumn.create("mixed_labels"),
                DoubleColumn.create("zero_shot_none"),
                DoubleColumn.create("zero_shot_fv"), DoubleColumn.create("zero_shot_random"),
                DoubleColumn.create("random_sd"), IntColumn.create("layer"));
        List<Long> seeds = seedsOf(accuracy);
        List<String> functions = new ArrayList<>(functionsOf(accuracy));
        functions.add(MEAN);
        for (String f : functions) {
            double few = 0;
            double shuffled = 0;
            double mixed = 0;
            double none = 0;
            double fv = 0;
            List<Double> random = new ArrayList<>();
            for (long seed : seeds) {
                few += meanBaseline(accuracy, seed, f, FEW_SHOT) / seeds.size();
                shuffled += meanBaseline(accuracy, seed, f, SHUFFLED) / seeds.size();
                mixed += meanBaseline(accuracy, seed, f, MIXED) / seeds.size();
                none += zeroShot(zeroShot, seed, f, NONE, layer) / seeds.size();
                fv += zeroShot(zeroShot, seed, f, FV, layer) / seeds.size();
                for (double v : zeroShotDraws(zeroShot, seed, f, RANDOM, layer)) {
                    random.add(v);
                }
            }
            t.stringColumn("function").append(f);
            t.doubleColumn("few_shot").append(few);
            t.doubleColumn("shuffled_labels").append(shuffled);
            t.doubleColumn("mixed_labels").append(mixed);
            t.doubleColumn("zero_shot_none").append(none);
            t.doubleColumn("zero_shot_fv").append(fv);
            t.doubleColumn("zero_shot_random").append(mean(random));
            t.doubleColumn("random_sd").append(sd(random));
            t.intColumn("layer").append(layer);
        }
        return t;
    }

    private static double meanBaseline(Table accuracy, long seed, String function, String condition) {
        if (!function.equals(MEAN)) {
            return baseline(accuracy, seed, function, condition);
        }
        List<String> fs = functionsOf(accuracy);
        double sum = 0;
        for (String f : fs) {
            sum += baseline(accuracy, seed, f, condition);
        }
        return sum / fs.size();
    }

    /** "the model does every function in context at both seeds (lowest 0.97)" or what falls short. */
    public static String baselineVerdict(Table accuracy) {
        double lowest = Double.POSITIVE_INFINITY;
        String where = "";
        for (long seed : seedsOf(accuracy)) {
            for (String f : functionsOf(accuracy)) {
                double a = baseline(accuracy, seed, f, FEW_SHOT);
                if (a < lowest || where.isEmpty()) {
                    lowest = a;
                    where = f + " at seed " + seed;
                }
            }
        }
        return baselineWorks(accuracy)
                ? String.format(Locale.ROOT, "the model does every function in context at every seed (lowest few-shot "
                + "accuracy %.2f, %s; target %.2f)", lowest, where, BASELINE_TARGET)
                : String.format(Locale.ROOT, "the baseline does not work yet: few-shot accuracy %.2f on %s, under the "
                + "%.2f target, so no function-vector claim is drawn from this run", lowest, where, BASELINE_TARGET);
    }

    /** Whether every function reaches {@link #BASELINE_TARGET} few-shot accuracy at every seed. */
    public static boolean baselineWorks(Table accuracy) {
        for (long seed : seedsOf(accuracy)) {
            for (String f : functionsOf(accuracy)) {
                if (!(baseline(accuracy, seed, f, FEW_SHOT) >= BASELINE_TARGET)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Whether the function vector raises zero-shot accuracy (mean over functions) at {@code layer} beyond the random
     * heads' vector at every seed, by more than the spread: the larger of the random draws' standard deviation and
     * the seed-to-seed difference of either mean.
     */
    public static boolean vectorShows(Table zeroShot, int layer) {
        return vectorGap(zeroShot, layer) > vectorSpread(zeroShot, layer);
    }

    /** The smaller, over seeds, of FV accuracy minus the random heads' mean accuracy (mean over functions). */
    public static double vectorGap(Table zeroShot, int layer) {
        double gap = Double.POSITIVE_INFINITY;
        for (long seed : seedsOf(zeroShot)) {
            gap = Math.min(gap, zeroShot(zeroShot, seed, MEAN, FV, layer) - zeroShot(zeroShot, seed, MEAN, RANDOM, layer));
        }
        return gap;
    }

    /** The spread the gap must beat: random draws' sd at any seed, or either mean's difference between seeds. */
    public static double vectorSpread(Table zeroShot, int layer) {
        List<Long> seeds = seedsOf(zeroShot);
        double spread = 0;
        for (long seed : seeds) {
            spread = Math.max(spread, sd(toList(zeroShotDraws(zeroShot, seed, MEAN, RANDOM, layer))));
        }
        for (int i = 1; i < seeds.size(); i++) {
            for (String v : List.of(FV, RANDOM)) {
                spread = Math.max(spread, Math.abs(zeroShot(zeroShot, seeds.get(i), MEAN, v, layer)
                        - zeroShot(zeroShot, seeds.get(0), MEAN, v, layer)));
            }
        }
        return spread;
    }

    /**
     * Whether the function vector raises zero-shot accuracy (mean over functions) at {@code layer} above nothing
     * added, at every seed, by more than the seed-to-seed difference of either mean.
     */
    public static boolean liftShows(Table zeroShot, int layer) {
        List<Long> seeds = seedsOf(zeroShot);
        double gap = Double.POSITIVE_INFINITY;
        double spread = 0;
        for (long seed : seeds) {
            gap = Math.min(gap, zeroShot(zeroShot, seed, MEAN, FV, layer) - zeroShot(zeroShot, seed, MEAN, NONE, layer));
        }
        for (int i = 1; i < seeds.size(); i++) {
            for (String v : List.of(FV, NONE)) {
                spread = Math.max(spread, Math.abs(zeroShot(zeroShot, seeds.get(i), MEAN, v, layer)
                        - zeroShot(zeroShot, seeds.get(0), MEAN, v, layer)));
            }
        }
        return gap > spread;
    }

    /** One line: FV minus nothing per seed at the layer, and whether it beats the seed spread. */
    public static String liftVerdict(Table zeroShot, int layer) {
        StringBuilder sb = new StringBuilder("FV minus nothing added ");
        for (long seed : seedsOf(zeroShot)) {
            sb.append(Prose.format("%s: %+.2f; ", seedLabel(zeroShot, seed), zeroShot(zeroShot, seed, MEAN, FV, layer)
                    - zeroShot(zeroShot, seed, MEAN, NONE, layer)));
        }
        return sb.append(liftShows(zeroShot, layer) ? "larger than the seed-to-seed spread: the vector moves zero-shot "
                + "prompts towards the function" : "not beyond the seed-to-seed spread").toString();
    }

    /** One line: none / FV / random at the layer, per seed, and whether the FV beats the random heads. */
    public static String vectorVerdict(Table zeroShot, int layer) {
        StringBuilder sb = new StringBuilder("zero-shot accuracy (mean over functions) ");
        for (long seed : seedsOf(zeroShot)) {
            sb.append(String.format(Locale.ROOT, "%s: none %.2f, FV %.2f, random heads %.2f; ", seedLabel(zeroShot, seed),
                    zeroShot(zeroShot, seed, MEAN, NONE, layer), zeroShot(zeroShot, seed, MEAN, FV, layer),
                    zeroShot(zeroShot, seed, MEAN, RANDOM, layer)));
        }
        double gap = vectorGap(zeroShot, layer);
        double spread = vectorSpread(zeroShot, layer);
        sb.append(Prose.format("FV minus random heads at least %+.2f against a spread of %.2f: %s", gap,
                spread, vectorShows(zeroShot, layer) ? "the function vector works beyond random heads at both seeds"
                        : "not beyond the spread, so it does not show at this scale"));
        return sb.toString();
    }

    /** The layer where the FV's zero-shot accuracy (mean over functions and seeds) is highest. */
    public static int bestLayer(Table zeroShot) {
        int layers = (int) zeroShot.intColumn("layer").max() + 1;
        int best = 0;
        double bestAcc = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < layers; l++) {
            double a = 0;
            for (long seed : seedsOf(zeroShot)) {
                a += zeroShot(zeroShot, seed, MEAN, FV, l);
            }
            if (a > bestAcc + 1e-12) {
                bestAcc = a;
                best = l;
            }
        }
        return best;
    }

    static String bestLayerLine(Table zeroShot) {
        int l = bestLayer(zeroShot);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "layer %d (", l));
        for (long seed : seedsOf(zeroShot)) {
            sb.append(String.format(Locale.ROOT, "%s: FV %.2f, random %.2f; ", seedLabel(zeroShot, seed),
                    zeroShot(zeroShot, seed, MEAN, FV, l), zeroShot(zeroShot, seed, MEAN, RANDOM, l)));
        }
        return sb.substring(0, sb.length() - 2) + ")";
    }

    private static BarFigure baselineFigure(Table accuracy, Sizes s) {
        Table t = accuracy.copy();
        t.addColumns(StringColumn.create("prompt", t.rowCount()));
        for (int r = 0; r < t.rowCount(); r++) {
            String c = t.stringColumn("condition").get(r);
            t.stringColumn("prompt").set(r, c.equals(FEW_SHOT) ? s.shots() + "-shot" : c.equals(SHUFFLED)
                    ? s.shots() + "-shot, labels shuffled" : c.equals(MIXED) ? s.shots() + "-shot, mixed-function labels"
                    : "zero-shot");
        }
        t.column("accuracy").setName("accuracy on the query");
        return Plots.bars(t, "function", "accuracy on the query", "prompt").labels("%.2f")
                .title("The baseline: query accuracy by prompt (mean of " + seedsOf(accuracy).size() + " seeds)");
    }

    private static org.attnlab.viz.HeatmapFigure indirectEffectFigure(Table effects, long seed) {
        Table t = effects.where(effects.longColumn("seed").isEqualTo(seed)
                .and(effects.stringColumn("function").isEqualTo(MEAN)));
        return Plots.headGrid(t, "layer", "head", "indirect_effect").valueName(FunctionVectors.INDIRECT_EFFECT_LABEL)
                .title("Indirect effect of each head, mean over functions (" + seedLabel(effects, seed) + ")");
    }

    private static BarFigure zeroShotBars(Table zeroShot, Sizes s) {
        int layer = s.paperLayer();
        List<Long> seeds = seedsOf(zeroShot);
        List<String> cats = new ArrayList<>(functionsOf(zeroShot));
        cats.add(MEAN);
        List<String> series = List.of(NONE, FV, RANDOM);
        double[][] values = new double[3][cats.size()];
        double[][] errors = new double[3][cats.size()];
        for (int c = 0; c < cats.size(); c++) {
            for (int v = 0; v < 3; v++) {
                List<Double> all = new ArrayList<>();
                for (long seed : seeds) {
                    for (double x : zeroShotDraws(zeroShot, seed, cats.get(c), series.get(v), layer)) {
                        all.add(x);
                    }
                }
                values[v][c] = mean(all);
                errors[v][c] = sd(all);
            }
        }
        return BarFigure.of("Zero-shot accuracy, vector added at layer " + layer + " (mean ± sd over " + seeds.size()
                        + " seeds and the draws)", cats,
                List.of("nothing added", "function vector (top " + s.topHeads() + " heads)",
                        s.topHeads() + " random heads (" + s.randomDraws() + " draws)"), values, "function",
                "zero-shot accuracy").errors(errors).size(860, 440);
    }

    private static org.attnlab.viz.LineFigure byLayerFigure(Table zeroShot, Sizes s) {
        Table t = Table.create("by layer", IntColumn.create("layer the vector is added at"),
                DoubleColumn.create("zero-shot accuracy (mean over functions)"), StringColumn.create("vector"));
        for (long seed : seedsOf(zeroShot)) {
            for (int l = 0; l < s.layers(); l++) {
                for (String v : List.of(FV, RANDOM, NONE)) {
                    t.intColumn(0).append(l);
                    t.doubleColumn(1).append(zeroShot(zeroShot, seed, MEAN, v, l));
                    t.stringColumn(2).append(v + ", " + seedLabel(zeroShot, seed));
                }
            }
        }
        return Plots.lines(t, "layer the vector is added at", "zero-shot accuracy (mean over functions)", "vector")
                .markX(s.paperLayer(), "the paper's third of the way up").markers().yRange(0, 1)
                .title("Zero-shot accuracy against the layer the vector is added at");
    }

    // ---------------------------------------------------------------- raw tables

    private static Table accuracyTable() {
        return Table.create(ACCURACY, LongColumn.create("seed"), StringColumn.create("function"),
                StringColumn.create("condition"), DoubleColumn.create("accuracy"), DoubleColumn.create("probability"));
    }

    private static Table effectsTable() {
        return Table.create(INDIRECT_EFFECTS, LongColumn.create("seed"), StringColumn.create("function"),
                IntColumn.create("layer"), IntColumn.create("head"), DoubleColumn.create("indirect_effect"));
    }

    private static Table topTable() {
        return Table.create(TOP_HEADS, LongColumn.create("seed"), IntColumn.create("rank"), IntColumn.create("layer"),
                IntColumn.create("head"), DoubleColumn.create("indirect_effect"));
    }

    private static Table zeroShotTable() {
        return Table.create(ZERO_SHOT, LongColumn.create("seed"), StringColumn.create("function"),
                StringColumn.create("vector"), IntColumn.create("layer"), IntColumn.create("draw"),
                DoubleColumn.create("accuracy"), DoubleColumn.create("probability"));
    }

    static String label(Function f) {
        return f.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static void addAccuracy(Table t, long seed, Function f, String condition, Score s) {
        t.longColumn("seed").append(seed);
        t.stringColumn("function").append(label(f));
        t.stringColumn("condition").append(condition);
        t.doubleColumn("accuracy").append(s.accuracy());
        t.doubleColumn("probability").append(s.probability());
    }

    private static void addEffect(Table t, long seed, String function, Head h, double v) {
        t.longColumn("seed").append(seed);
        t.stringColumn("function").append(function);
        t.intColumn("layer").append(h.layer());
        t.intColumn("head").append(h.head());
        t.doubleColumn("indirect_effect").append(v);
    }

    private static void addZeroShot(Table t, long seed, Function f, String vector, int layer, int draw, Score s) {
        t.longColumn("seed").append(seed);
        t.stringColumn("function").append(label(f));
        t.stringColumn("vector").append(vector);
        t.intColumn("layer").append(layer);
        t.intColumn("draw").append(draw);
        t.doubleColumn("accuracy").append(s.accuracy());
        t.doubleColumn("probability").append(s.probability());
    }

    private static List<Double> toList(double[] v) {
        List<Double> out = new ArrayList<>();
        for (double x : v) {
            out.add(x);
        }
        return out;
    }

    private static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static double sd(List<Double> v) {
        if (v.size() < 2) {
            return 0;
        }
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (v.size() - 1));
    }
}
