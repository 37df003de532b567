package org.attnlab.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import org.attnlab.Preset;
import org.attnlab.Seeds;
import org.attnlab.Settings;
import org.attnlab.data.tasks.NeedleTask;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.TaskBatch;
import org.attnlab.model.DecoderLM;
import org.attnlab.model.HookName;
import org.attnlab.model.ModelConfig;
import org.attnlab.model.ModelWeights;
import org.attnlab.probe.Ablation;
import org.attnlab.probe.DuoAttention;
import org.attnlab.probe.HeadScores;
import org.attnlab.probe.ProbeTable;
import org.attnlab.probe.RetrievalScores;
import org.attnlab.train.MetricsLog;
import org.attnlab.train.ProgressListener;
import org.attnlab.train.TensorBatch;
import org.attnlab.train.TrainConfig;
import org.attnlab.train.Trainer;
import org.attnlab.train.TrainingData;
import org.attnlab.viz.AttentionViewer;
import org.attnlab.viz.BarFigure;
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
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Retrieval heads and streaming heads (Wu et al. 2024, arXiv 2404.15574; Xiao et al. 2024, DuoAttention, arXiv
 * 2410.10819). A small {@link DecoderLM} (RoPE attention + SwiGLU MLP) is trained, at two seeds, on
 * needle-in-a-haystack retrieval ({@link NeedleTask}: a key and its values hidden in filler among distractor
 * needles; at the end the key is asked for again and the values must be produced). Then, per seed:
 * <ul>
 *   <li>every head's {@link RetrievalScores retrieval score} (the share of needle tokens it copies while the values
 *       are generated) and streaming score (its mass on the sink plus a recent window), on held-out needles;</li>
 *   <li>needle accuracy (the share of answer tokens predicted right) with the top-k retrieval heads mean-ablated,
 *       with k random other heads ({@code draws} draws; mean and spread), and with the k top streaming heads among
 *       the others ({@link Ablation});</li>
 *   <li>{@link DuoAttention}: the retrieval heads (score &gt;= 0.1) keep full attention, the rest get a sink +
 *       window view; needle accuracy and K/V cache bytes (counted from the entries each head keeps) as the haystack
 *       grows, beside every head full and every head streaming.</li>
 * </ul>
 * Paper: a 7B model loses needle accuracy 94.7% -&gt; 63.6% with 20 retrieval heads masked, and barely any with
 * streaming or random heads masked; DuoAttention keeps accuracy with about a quarter of the heads full.
 */
public final class RetrievalHeadsExperiment implements Experiment {

    /** Table: one row per seed: baseline and ablated accuracies, head counts, DuoAttention at the longest length. */
    public static final String SUMMARY = "summary";
    /** Table: {@code seed, layer, head, metric, value} with metric retrieval or streaming. */
    public static final String HEAD_SCORES = "head_scores";
    /** Table: {@code seed, ablated, draw, heads, accuracy}: one row per ablation (random draws numbered). */
    public static final String ABLATION = "ablation";
    /** Table: {@code seed, length, setting, accuracy, kv_bytes}: DuoAttention by haystack length. */
    public static final String DUO = "duo";
    /** Table: the example needle sequence: {@code position, token, role}. */
    public static final String EXAMPLE = "example";
    /** Table: every head's pattern on the example, first seed: {@code layer, head, query, key, weight}. */
    public static final String EXAMPLE_PATTERNS = "example_patterns";

    public static final String RETRIEVAL_GRID = "retrieval_scores";
    public static final String STREAMING_GRID = "streaming_scores";
    public static final String ABLATION_BARS = "ablation_accuracy";
    public static final String DUO_ACCURACY = "duo_accuracy";
    public static final String DUO_MEMORY = "duo_memory";

    /** Ablation groups (the {@code ablated} column). */
    public static final String NONE = "none";
    public static final String TOP_RETRIEVAL = "top-k retrieval";
    public static final String RANDOM = "k random";
    public static final String TOP_STREAMING = "top-k streaming";

    /** DuoAttention settings (the {@code setting} column). */
    public static final String ALL_FULL = "all heads full";
    public static final String DUO_MIXED = "DuoAttention (retrieval heads full)";
    public static final String ALL_STREAMING = "all heads streaming";

    /**
     * Run sizes of one preset; build with {@link #builder()}.
     *
     * @param fillers      F filler tokens
     * @param keys         K keys
     * @param values       V value tokens
     * @param valueLength  M values per needle
     * @param distractors  other needles in the haystack
     * @param minLength    shortest training sequence (input tokens); each step draws its length
     * @param maxLength    longest training sequence, and the one the heads are scored and ablated at
     * @param evalLengths  lengths DuoAttention is measured at
     * @param evalBatch    held-out needles per measurement
     * @param k            heads ablated per group
     * @param draws        random draws of k heads
     * @param sink         tokens at the start a streaming head keeps
     * @param window       recent tokens a streaming head keeps (the query included)
     * @param exampleLength length of the sequence shown in the viewer
     */
    record Sizes(int fillers, int keys, int values, int valueLength, int distractors, int layers, int dModel,
                 int heads, int steps, int batch, double lr, int minLength, int maxLength, int[] evalLengths,
                 int evalBatch, int k, int draws, int sink, int window, int exampleLength) {

        static Builder builder() {
            return new Builder();
        }

        /** Named setters for {@link Sizes}; every field is required. */
        static final class Builder {
            private int fillers;
            private int keys;
            private int values;
            private int valueLength;
            private int distractors = -1;
            private int layers;
            private int dModel;
            private int heads;
            private int steps;
            private int batch;
            private double lr;
            private int minLength;
            private int maxLength;
            private int[] evalLengths = new int[0];
            private int evalBatch;
            private int k;
            private int draws;
            private int sink = -1;
            private int window;
            private int exampleLength;

            /** The task: F fillers, K keys, V values, M values per needle, D distractor needles. */
            Builder task(int f, int kk, int v, int m, int d) {
                fillers = f;
                keys = kk;
                values = v;
                valueLength = m;
                distractors = d;
                return this;
            }

            Builder model(int nLayers, int d, int nHeads) {
                layers = nLayers;
                dModel = d;
                heads = nHeads;
                return this;
            }

            Builder training(int nSteps, int nBatch, double rate) {
                steps = nSteps;
                batch = nBatch;
                lr = rate;
                return this;
            }

            /** Training draws each step's length from {@code min..max}. */
            Builder lengths(int min, int max) {
                minLength = min;
                maxLength = max;
                return this;
            }

            Builder evalLengths(int... ls) {
                evalLengths = ls.clone();
                return this;
            }

            Builder evalBatch(int n) {
                evalBatch = n;
                return this;
            }

            /** k heads per ablation group, {@code n} random draws. */
            Builder ablate(int kHeads, int n) {
                k = kHeads;
                draws = n;
                return this;
            }

            /** A streaming head's view: the first {@code s} tokens and the {@code w} most recent. */
            Builder view(int s, int w) {
                sink = s;
                window = w;
                return this;
            }

            Builder exampleLength(int n) {
                exampleLength = n;
                return this;
            }

            Sizes build() {
                SizeChecks.positive("retrieval-heads sizes", "fillers", fillers, "keys", keys, "values", values,
                        "valueLength", valueLength, "layers", layers, "dModel", dModel, "heads", heads, "steps", steps,
                        "batch", batch, "minLength", minLength, "maxLength", maxLength, "evalBatch", evalBatch, "k", k,
                        "draws", draws, "window", window, "exampleLength", exampleLength);
                SizeChecks.positiveRate("retrieval-heads sizes", lr);
                if (distractors < 0 || sink < 0) {
                    throw new IllegalArgumentException("retrieval-heads sizes: distractors and sink must be set (>= 0); "
                            + "got distractors " + distractors + ", sink " + sink);
                }
                if (minLength > maxLength) {
                    throw new IllegalArgumentException("retrieval-heads sizes: lengths min " + minLength + " > max "
                            + maxLength);
                }
                if (evalLengths.length == 0) {
                    throw new IllegalArgumentException("retrieval-heads sizes: name at least one eval length");
                }
                for (int l : evalLengths) {
                    if (l < minLength || l > maxLength) {
                        throw new IllegalArgumentException("retrieval-heads sizes: eval length " + l + " is outside the "
                                + "trained lengths " + minLength + ".." + maxLength + " (RoPE does not extrapolate)");
                    }
                }
                if (2 * k > layers * heads) {
                    throw new IllegalArgumentException("retrieval-heads sizes: k = " + k + " needs at least 2k heads; the "
                            + "model has " + layers * heads);
                }
                Sizes s = new Sizes(fillers, keys, values, valueLength, distractors, layers, dModel, heads, steps, batch,
                        lr, minLength, maxLength, evalLengths, evalBatch, k, draws, sink, window, exampleLength);
                s.task().inputLength(minLength);                       // the shortest must hold the needles
                return s;
            }
        }

        NeedleTask task() {
            return new NeedleTask(fillers, keys, values, valueLength, distractors);
        }
    }

    static final Sizes SMOKE = Sizes.builder().task(8, 4, 8, 2, 1).model(2, 32, 2).training(20, 8, 3e-3)
            .lengths(16, 24).evalLengths(16, 24).evalBatch(8).ablate(1, 2).view(1, 4).exampleLength(16).build();
    static final Sizes QUICK = Sizes.builder().task(16, 8, 32, 4, 0).model(2, 64, 4).training(2000, 32, 5e-3)
            .lengths(48, 96).evalLengths(48, 64, 80, 96).evalBatch(128).ablate(2, 8).view(1, 4).exampleLength(48)
            .build();
    static final Sizes FULL = Sizes.builder().task(32, 16, 64, 4, 0).model(4, 128, 8).training(3000, 64, 2e-3)
            .lengths(48, 256).evalLengths(48, 112, 176, 256).evalBatch(256).ablate(4, 16).view(1, 16).exampleLength(40)
            .build();

    @Override
    public String name() {
        return "retrieval-heads";
    }

    @Override
    public String title() {
        return "Retrieval heads vs streaming heads on needle-in-a-haystack, and DuoAttention";
    }

    @Override
    public String description() {
        return "Wu et al. (2024): a few retrieval heads copy the needle out of a long context, and masking them breaks "
                + "retrieval while masking others does not; DuoAttention (Xiao et al. 2024) keeps full attention only in "
                + "those heads and gives the rest a sink + recent-window cache. We train a small decoder on needle "
                + "retrieval at two seeds, score every head (retrieval, streaming), ablate the top-k retrieval heads vs "
                + "k random vs k streaming heads, and run DuoAttention as the haystack grows (accuracy and K/V bytes).";
    }

    /** The two seeds every result is computed at: the settings' seed and one derived from it. */
    static long[] seeds(Settings settings) {
        return new long[] {settings.seed(), Seeds.derive(settings.seed(), "retrieval-heads second seed")};
    }

    @Override
    public ExperimentResult run(Settings settings, ProgressListener progress) {
        Sizes s = settings.preset().pick(SMOKE, QUICK, FULL);
        RunClock clock = new RunClock();
        MetricsLog log = new MetricsLog();
        ExperimentResult result = new ExperimentResult(this, settings, log);
        NeedleTask task = s.task();
        Table scores = Table.create(HEAD_SCORES, LongColumn.create("seed"), IntColumn.create(ProbeTable.LAYER),
                IntColumn.create(ProbeTable.HEAD), StringColumn.create(ProbeTable.METRIC),
                DoubleColumn.create(ProbeTable.VALUE));
        Table ablation = Table.create(ABLATION, LongColumn.create("seed"), StringColumn.create("ablated"),
                IntColumn.create("draw"), StringColumn.create("heads"), DoubleColumn.create("accuracy"));
        Table duo = Table.create(DUO, LongColumn.create("seed"), IntColumn.create("length"),
                StringColumn.create("setting"), DoubleColumn.create("accuracy"), LongColumn.create("kv_bytes"));
        Table example = Table.create(EXAMPLE, IntColumn.create("position"), StringColumn.create("token"),
                StringColumn.create("role"));
        Table examplePatterns = Table.create(EXAMPLE_PATTERNS, IntColumn.create(ProbeTable.LAYER),
                IntColumn.create(ProbeTable.HEAD), IntColumn.create("query"), IntColumn.create("key"),
                DoubleColumn.create("weight"));
        TaskBatch exampleBatch = task.sampleAtDepth(1, s.exampleLength(), 0.3, Split.TEST,
                Seeds.derive(settings.seed(), "retrieval-heads example"));
        addExample(example, task, exampleBatch);

        long[] seeds = seeds(settings);
        for (int si = 0; si < seeds.length; si++) {
            long seed = seeds[si];
            String run = "seed " + (si == 0 ? String.valueOf(seed) : "B");
            try (NDManager mm = NDManager.newBaseManager(settings.device())) {
                DecoderLM lm = train(task, s, seed, settings, mm, run, log, progress);
                // held-out needles at the longest trained length: the heads are scored and ablated on them
                TaskBatch probe = task.sample(s.evalBatch(), s.maxLength(), Split.TEST,
                        Seeds.derive(seed, "retrieval-heads probe"));
                Table t = RetrievalScores.measure(lm, mm, probe, s.sink(), s.window());
                for (int r = 0; r < t.rowCount(); r++) {
                    scores.longColumn("seed").append(seed);
                    scores.intColumn(ProbeTable.LAYER).append(t.intColumn(ProbeTable.LAYER).getInt(r));
                    scores.intColumn(ProbeTable.HEAD).append(t.intColumn(ProbeTable.HEAD).getInt(r));
                    scores.stringColumn(ProbeTable.METRIC).append(t.stringColumn(ProbeTable.METRIC).get(r));
                    scores.doubleColumn(ProbeTable.VALUE).append(t.doubleColumn(ProbeTable.VALUE).getDouble(r));
                }
                ablate(lm, mm, probe, t, s, seed, ablation);
                List<Ablation.Target> retrievalHeads = retrievalHeads(t);
                duo(lm, mm, task, s, seed, retrievalHeads, duo);
                if (si == 0) {
                    recordPatterns(lm, mm, exampleBatch.inputs(), examplePatterns);
                }
            }
        }
        finish(result, s, settings.seed(), scores, ablation, duo, example, examplePatterns);
        result.note("Cost: " + clock.summary() + ".");
        return result.seconds(clock.wallSeconds());
    }

    /** The summary, figures and notes, from the raw tables (a fresh run and a saved one alike). */
    private static void finish(ExperimentResult result, Sizes s, long seed, Table scores, Table ablation, Table duo,
                               Table example, Table examplePatterns) {
        Table summary = summary(scores, ablation, duo, s);
        result.table(SUMMARY, summary).table(HEAD_SCORES, scores).table(ABLATION, ablation).table(DUO, duo)
                .table(EXAMPLE, example).table(EXAMPLE_PATTERNS, examplePatterns);
        addFigures(result, scores, ablation, duo, s, seed);
        addNotes(result, summary, s);
    }

    /** A saved run's result: its raw tables and metrics, read back. */
    static ExperimentResult rebuild(Experiment experiment, Settings settings, SavedRuns.Tables saved) {
        MetricsLog log = saved.metrics();
        ExperimentResult result = new ExperimentResult(experiment, settings, log);
        Sizes s = settings.preset().pick(SMOKE, QUICK, FULL);
        finish(result, s, settings.seed(),
                saved.table(HEAD_SCORES, ColumnType.LONG, ColumnType.INTEGER, ColumnType.INTEGER, ColumnType.STRING,
                        ColumnType.DOUBLE),
                saved.table(ABLATION, ColumnType.LONG, ColumnType.STRING, ColumnType.INTEGER, ColumnType.STRING,
                        ColumnType.DOUBLE),
                saved.table(DUO, ColumnType.LONG, ColumnType.INTEGER, ColumnType.STRING, ColumnType.DOUBLE,
                        ColumnType.LONG),
                saved.table(EXAMPLE, ColumnType.INTEGER, ColumnType.STRING, ColumnType.STRING),
                saved.table(EXAMPLE_PATTERNS, ColumnType.INTEGER, ColumnType.INTEGER, ColumnType.INTEGER,
                        ColumnType.INTEGER, ColumnType.DOUBLE));
        return result;
    }

    /** The needle task trained at {@code preset}. */
    public static NeedleTask task(Preset preset) {
        return preset.pick(SMOKE, QUICK, FULL).task();
    }

    /** Heads ablated per group at {@code preset}. */
    public static int k(Preset preset) {
        return preset.pick(SMOKE, QUICK, FULL).k();
    }

    /** A streaming head's view at {@code preset}: {@code {sink, window}}. */
    public static int[] view(Preset preset) {
        Sizes s = preset.pick(SMOKE, QUICK, FULL);
        return new int[] {s.sink(), s.window()};
    }

    /** The scale trained at {@code preset}, for findings tables. */
    public static String scale(Preset preset) {
        Sizes s = preset.pick(SMOKE, QUICK, FULL);
        return String.format("%d layers x %d heads, d %d, %d steps of %d needles, %d..%d tokens, %d values per needle, "
                        + "%d distractor needles; streaming view %d sink + %d recent", s.layers(), s.heads(), s.dModel(),
                s.steps(), s.batch(), s.minLength(), s.maxLength(), s.valueLength(), s.distractors(), s.sink(),
                s.window());
    }

    // ---------------------------------------------------------------- training

    /** Trains one model at {@code seed}; each step's length is drawn from {@code minLength..maxLength}. */
    static DecoderLM train(NeedleTask task, Sizes s, long seed, Settings settings, NDManager mm, String run,
                           MetricsLog log, ProgressListener progress) {
        ModelConfig config = ModelConfig.builder(task.vocabulary().size(), s.dModel(), s.heads(), s.layers())
                .maxLength(s.maxLength()).build();
        DecoderLM lm = DecoderLM.create(config, mm, seed);
        TrainConfig tc = TrainConfig.builder(seed, settings.device()).seedName(Seeds.label(seed, settings.seed()))
                .steps(s.steps()).batchSize(s.batch())
                .context(s.maxLength()).lr(s.lr()).warmup(Math.max(1, s.steps() / 10)).weightDecay(0.1)
                .evalEvery(Math.max(1, s.steps() / 4)).evalBatches(1).build();
        TrainingData data = (m, req) -> {
            int len = s.minLength() + req.random().nextInt(s.maxLength() - s.minLength() + 1);
            TaskBatch b = task.sample(s.batch(), len, Split.TRAIN, req.seed());
            return new TensorBatch(b.inputArray(m), b.targetArray(m), b.maskArray(m));
        };
        TrainingData eval = (m, req) -> {
            TaskBatch b = task.sample(req.batchSize(), s.maxLength(), Split.TEST, req.seed());
            return new TensorBatch(b.inputArray(m), b.targetArray(m), b.maskArray(m));
        };
        try (Trainer trainer = Trainer.builder().model(lm).config(tc).trainData(data).evalData(eval).runName(run)
                .listener(progress).metrics(log).build()) {
            trainer.run();
        }
        return lm;
    }

    // ---------------------------------------------------------------- ablation

    /** The heads whose retrieval score is at least {@link RetrievalScores#RETRIEVAL_THRESHOLD}. */
    static List<Ablation.Target> retrievalHeads(Table scores) {
        List<Ablation.Target> out = new ArrayList<>();
        Table t = ProbeTable.only(scores, RetrievalScores.RETRIEVAL);
        for (int r = 0; r < t.rowCount(); r++) {
            if (t.doubleColumn(ProbeTable.VALUE).getDouble(r) >= RetrievalScores.RETRIEVAL_THRESHOLD) {
                out.add(Ablation.head(t.intColumn(ProbeTable.LAYER).getInt(r), t.intColumn(ProbeTable.HEAD).getInt(r)));
            }
        }
        return out;
    }

    private static void ablate(DecoderLM lm, NDManager mm, TaskBatch probe, Table scores, Sizes s, long seed,
                               Table out) {
        List<int[]> byRetrieval = RetrievalScores.ranked(scores, RetrievalScores.RETRIEVAL);
        List<Ablation.Target> topRetrieval = targets(byRetrieval.subList(0, s.k()));
        List<Ablation.Target> others = targets(byRetrieval.subList(s.k(), byRetrieval.size()));
        List<Ablation.Target> topStreaming = new ArrayList<>();
        for (int[] h : RetrievalScores.ranked(scores, RetrievalScores.STREAMING)) {
            Ablation.Target t = Ablation.head(h[0], h[1]);
            if (others.contains(t) && topStreaming.size() < s.k()) {
                topStreaming.add(t);
            }
        }
        Table first = Ablation.of(lm, mm, probe).mode(Ablation.Mode.MEAN).ablate(topRetrieval);
        addAblation(out, seed, NONE, 0, "", accuracy(first, Ablation.BEFORE));
        addAblation(out, seed, TOP_RETRIEVAL, 0, labels(topRetrieval), accuracy(first, Ablation.AFTER));
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, "retrieval-heads random heads"));
        for (int d = 0; d < s.draws(); d++) {
            List<Ablation.Target> pool = new ArrayList<>(others);
            List<Ablation.Target> drawn = new ArrayList<>();
            for (int i = 0; i < s.k(); i++) {
                drawn.add(pool.remove(rng.nextInt(pool.size())));
            }
            addAblation(out, seed, RANDOM, d, labels(drawn),
                    accuracy(Ablation.of(lm, mm, probe).mode(Ablation.Mode.MEAN).ablate(drawn), Ablation.AFTER));
        }
        addAblation(out, seed, TOP_STREAMING, 0, labels(topStreaming),
                accuracy(Ablation.of(lm, mm, probe).mode(Ablation.Mode.MEAN).ablate(topStreaming), Ablation.AFTER));
    }

    private static List<Ablation.Target> targets(List<int[]> heads) {
        return heads.stream().map(h -> Ablation.head(h[0], h[1])).toList();
    }

    private static String labels(List<Ablation.Target> ts) {
        return String.join(" ", ts.stream().map(Ablation.Target::label).toList());
    }

    private static double accuracy(Table t, String suffix) {
        Table rows = ProbeTable.only(t, Ablation.ACCURACY + suffix);
        return rows.doubleColumn(ProbeTable.VALUE).getDouble(0);
    }

    private static void addAblation(Table t, long seed, String ablated, int draw, String heads, double accuracy) {
        t.longColumn("seed").append(seed);
        t.stringColumn("ablated").append(ablated);
        t.intColumn("draw").append(draw);
        t.stringColumn("heads").append(heads);
        t.doubleColumn("accuracy").append(accuracy);
    }

    // ---------------------------------------------------------------- DuoAttention

    private static void duo(DecoderLM lm, NDManager mm, NeedleTask task, Sizes s, long seed,
                            List<Ablation.Target> retrievalHeads, Table out) {
        Map<String, DuoAttention> settings = new LinkedHashMap<>();
        settings.put(ALL_FULL, DuoAttention.allFull(lm));
        settings.put(DUO_MIXED, DuoAttention.of(lm, s.sink(), s.window(), retrievalHeads));
        settings.put(ALL_STREAMING, DuoAttention.of(lm, s.sink(), s.window(), List.of()));
        for (int len : s.evalLengths()) {
            TaskBatch b = task.sample(s.evalBatch(), len, Split.TEST, Seeds.derive(Seeds.derive(seed, "duo"), len));
            settings.forEach((name, d) -> {
                out.longColumn("seed").append(seed);
                out.intColumn("length").append(len);
                out.stringColumn("setting").append(name);
                out.doubleColumn("accuracy").append(d.accuracy(mm, b));
                out.longColumn("kv_bytes").append(d.cacheBytes(len, 4));
            });
        }
    }

    // ---------------------------------------------------------------- the example in the viewer

    private static void addExample(Table t, NeedleTask task, TaskBatch b) {
        int[] in = b.inputs()[0];
        Map<Integer, String> roles = new TreeMap<>();
        roles.put(b.example(0).positions(NeedleTask.NEEDLE_KEY)[0], "needle key");
        for (int p : b.example(0).positions(NeedleTask.NEEDLE_VALUES)) {
            roles.put(p, "needle value");
        }
        for (int p : b.example(0).positions(NeedleTask.DISTRACTOR_KEYS)) {
            roles.put(p, "distractor key");
        }
        int q = b.example(0).positions(NeedleTask.QUERY_KEY)[0];
        roles.put(q - 1, "query mark");
        roles.put(q, "query key");
        for (int p = q + 1; p < in.length; p++) {
            roles.put(p, "answer value");
        }
        for (int p = 0; p < in.length; p++) {
            t.intColumn("position").append(p);
            t.stringColumn("token").append(in[p] == NeedleTask.BOS ? "BOS" : task.vocabulary().token(in[p]));
            t.stringColumn("role").append(roles.getOrDefault(p, p == 0 ? "start" : "filler or distractor value"));
        }
    }

    private static void recordPatterns(DecoderLM lm, NDManager mm, int[][] tokens, Table out) {
        try (NDManager sub = mm.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(lm));
            Map<String, NDArray> patterns = lm.patterns(new ParameterStore(sub, false),
                    sub.create(tokens).toType(DataType.INT64, false));
            int len = tokens[0].length;
            for (Map.Entry<String, NDArray> e : patterns.entrySet()) {
                int layer = HookName.layerOf(e.getKey());
                float[] w = e.getValue().toType(DataType.FLOAT32, false).toFloatArray();   // (1,H,L,L)
                int heads = w.length / (len * len);
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < len; i++) {
                        for (int j = 0; j <= i; j++) {
                            out.intColumn(ProbeTable.LAYER).append(layer);
                            out.intColumn(ProbeTable.HEAD).append(h);
                            out.intColumn("query").append(i);
                            out.intColumn("key").append(j);
                            out.doubleColumn("weight").append(w[(h * len + i) * len + j]);
                        }
                    }
                }
            }
        }
    }

    /** The attention viewer on the example needle (first seed's model), built from the result's tables. */
    public static AttentionViewer viewer(ExperimentResult r) {
        Table ex = r.table(EXAMPLE);
        Table p = r.table(EXAMPLE_PATTERNS);
        int len = ex.rowCount();
        int layers = (int) p.intColumn(ProbeTable.LAYER).max() + 1;
        int heads = (int) p.intColumn(ProbeTable.HEAD).max() + 1;
        float[][][][] w = new float[layers][heads][len][len];
        for (int row = 0; row < p.rowCount(); row++) {
            w[p.intColumn(ProbeTable.LAYER).getInt(row)][p.intColumn(ProbeTable.HEAD).getInt(row)]
                    [p.intColumn("query").getInt(row)][p.intColumn("key").getInt(row)] =
                    (float) p.doubleColumn("weight").getDouble(row);
        }
        return AttentionViewer.of(ex.stringColumn("token").asList(), w);
    }

    // ---------------------------------------------------------------- summary, figures, notes

    private static Table summary(Table scores, Table ablation, Table duo, Sizes s) {
        Table t = Table.create(SUMMARY, LongColumn.create("seed"), DoubleColumn.create("accuracy"),
                DoubleColumn.create("top_retrieval_ablated"), DoubleColumn.create("random_mean"),
                DoubleColumn.create("random_sd"), DoubleColumn.create("random_min"),
                DoubleColumn.create("top_streaming_ablated"), IntColumn.create("retrieval_heads"),
                DoubleColumn.create("retrieval_share"), DoubleColumn.create("best_retrieval"),
                DoubleColumn.create("duo_accuracy"), DoubleColumn.create("all_streaming_accuracy"),
                DoubleColumn.create("duo_memory_share"), IntColumn.create("answer_tokens"));
        List<Long> seeds = new ArrayList<>(new java.util.LinkedHashSet<>(ablation.longColumn("seed").asList()));
        for (long seed : seeds) {
            Table a = ablation.where(ablation.longColumn("seed").isEqualTo(seed));
            double[] random = a.where(a.stringColumn("ablated").isEqualTo(RANDOM)).doubleColumn("accuracy")
                    .asDoubleArray();
            Table sc = scores.where(scores.longColumn("seed").isEqualTo(seed)
                    .and(scores.stringColumn(ProbeTable.METRIC).isEqualTo(RetrievalScores.RETRIEVAL)));
            int heads = sc.rowCount();
            int retrieval = 0;
            for (double v : sc.doubleColumn(ProbeTable.VALUE).asDoubleArray()) {
                retrieval += v >= RetrievalScores.RETRIEVAL_THRESHOLD ? 1 : 0;
            }
            Table d = duo.where(duo.longColumn("seed").isEqualTo(seed)
                    .and(duo.intColumn("length").isEqualTo(s.maxLength())));
            t.longColumn("seed").append(seed);
            t.doubleColumn("accuracy").append(only(a, NONE));
            t.doubleColumn("top_retrieval_ablated").append(only(a, TOP_RETRIEVAL));
            t.doubleColumn("random_mean").append(Arrays.stream(random).average().orElse(Double.NaN));
            t.doubleColumn("random_sd").append(sd(random));
            t.doubleColumn("random_min").append(Arrays.stream(random).min().orElse(Double.NaN));
            t.doubleColumn("top_streaming_ablated").append(only(a, TOP_STREAMING));
            t.intColumn("retrieval_heads").append(retrieval);
            t.doubleColumn("retrieval_share").append(retrieval / (double) heads);
            t.doubleColumn("best_retrieval").append(sc.doubleColumn(ProbeTable.VALUE).max());
            t.doubleColumn("duo_accuracy").append(setting(d, DUO_MIXED, "accuracy"));
            t.doubleColumn("all_streaming_accuracy").append(setting(d, ALL_STREAMING, "accuracy"));
            t.doubleColumn("duo_memory_share").append(setting(d, DUO_MIXED, "kv_bytes") / setting(d, ALL_FULL, "kv_bytes"));
            t.intColumn("answer_tokens").append(s.evalBatch() * s.valueLength());
        }
        return t;
    }

    private static double only(Table a, String ablated) {
        return a.where(a.stringColumn("ablated").isEqualTo(ablated)).doubleColumn("accuracy").getDouble(0);
    }

    private static double setting(Table d, String setting, String column) {
        Table r = d.where(d.stringColumn("setting").isEqualTo(setting));
        return column.equals("kv_bytes") ? r.longColumn(column).getLong(0) : r.doubleColumn(column).getDouble(0);
    }

    /** Sample standard deviation (n - 1); 0 for a single value. */
    static double sd(double[] x) {
        if (x.length < 2) {
            return 0;
        }
        double mean = Arrays.stream(x).average().orElse(0);
        double ss = 0;
        for (double v : x) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / (x.length - 1));
    }

    /** One score of one seed as a layer x head grid, the colour bar named after the score. */
    public static org.attnlab.viz.HeatmapFigure scoreGrid(Table scores, long seed, String metric) {
        Table t = scores.where(scores.longColumn("seed").isEqualTo(seed));
        Table heads = ProbeTable.heads(metric);
        for (int r = 0; r < t.rowCount(); r++) {
            heads.intColumn(ProbeTable.LAYER).append(t.intColumn(ProbeTable.LAYER).getInt(r));
            heads.intColumn(ProbeTable.HEAD).append(t.intColumn(ProbeTable.HEAD).getInt(r));
            heads.stringColumn(ProbeTable.METRIC).append(t.stringColumn(ProbeTable.METRIC).get(r));
            heads.doubleColumn(ProbeTable.VALUE).append(t.doubleColumn(ProbeTable.VALUE).getDouble(r));
        }
        return HeadScores.figure(heads, metric).valueName(metric + " score");
    }

    /** Needle accuracy per ablation group (bars, one series per seed), random draws as mean with a +-1 sd bar. */
    public static BarFigure ablationBars(Table ablation, int k) {
        List<String> groups = List.of(NONE, TOP_RETRIEVAL, RANDOM, TOP_STREAMING);
        List<String> categories = List.of("nothing", "top " + k + " retrieval", k + " random (mean +- sd)",
                "top " + k + " streaming");
        List<Long> seeds = new ArrayList<>(new java.util.LinkedHashSet<>(ablation.longColumn("seed").asList()));
        Table long_ = Table.create("bars", StringColumn.create("ablated heads"), StringColumn.create("seed"),
                DoubleColumn.create("needle accuracy"));
        double[][] err = new double[seeds.size()][groups.size()];
        for (int si = 0; si < seeds.size(); si++) {
            Table a = ablation.where(ablation.longColumn("seed").isEqualTo(seeds.get(si)));
            for (int g = 0; g < groups.size(); g++) {
                double[] v = a.where(a.stringColumn("ablated").isEqualTo(groups.get(g))).doubleColumn("accuracy")
                        .asDoubleArray();
                long_.stringColumn("ablated heads").append(categories.get(g));
                long_.stringColumn("seed").append(si == 0 ? "seed " + seeds.get(si) : "seed B");
                long_.doubleColumn("needle accuracy").append(Arrays.stream(v).average().orElse(Double.NaN));
                err[si][g] = groups.get(g).equals(RANDOM) ? sd(v) : Double.NaN;
            }
        }
        return Plots.bars(long_, "ablated heads", "needle accuracy", "seed").errors(err).labels("%.2f");
    }

    private static void addFigures(ExperimentResult result, Table scores, Table ablation, Table duo, Sizes s,
                                   long seed) {
        result.figure(RETRIEVAL_GRID, scoreGrid(scores, seed, RetrievalScores.RETRIEVAL)
                .title("Retrieval score per head (seed " + seed + ")"));
        result.figure(STREAMING_GRID, scoreGrid(scores, seed, RetrievalScores.STREAMING)
                .title("Streaming score per head (sink " + s.sink() + " + window " + s.window() + ", seed " + seed + ")"));
        result.figure(ABLATION_BARS, ablationBars(ablation, s.k())
                .title("Needle accuracy with " + s.k() + " heads mean-ablated (" + s.draws() + " random draws)"));
        Table acc = duo.copy();
        acc.addColumns(StringColumn.create("setting, seed", acc.rowCount()));
        for (int r = 0; r < acc.rowCount(); r++) {
            acc.stringColumn("setting, seed").set(r, acc.stringColumn("setting").get(r) + ", "
                    + (acc.longColumn("seed").getLong(r) == seed ? "seed " + seed : "seed B"));
        }
        acc.column("length").setName("input length (tokens)");
        acc.column("accuracy").setName("needle accuracy");
        result.figure(DUO_ACCURACY, Plots.lines(acc, "input length (tokens)", "needle accuracy", "setting, seed")
                .title("DuoAttention: needle accuracy as the haystack grows"));
        Table mem = duo.where(duo.longColumn("seed").isEqualTo(seed));
        Table kib = Table.create("memory", IntColumn.create("input length (tokens)"), StringColumn.create("setting"),
                DoubleColumn.create("K/V cache per sequence (KiB)"));
        for (int r = 0; r < mem.rowCount(); r++) {
            kib.intColumn(0).append(mem.intColumn("length").getInt(r));
            kib.stringColumn(1).append(mem.stringColumn("setting").get(r));
            kib.doubleColumn(2).append(mem.longColumn("kv_bytes").getLong(r) / 1024.0);
        }
        result.figure(DUO_MEMORY, Plots.lines(kib, "input length (tokens)", "K/V cache per sequence (KiB)", "setting")
                .title("K/V cache held (counted from the entries each head keeps, float32, seed " + seed + ")"));
    }

    private static void addNotes(ExperimentResult result, Table summary, Sizes s) {
        result.note(String.format("Scale here: %d layers x %d heads, d = %d, %d steps of %d needles of %d..%d tokens "
                        + "(%d fillers, %d keys, %d values, %d values per needle, %d distractors); a streaming head keeps "
                        + "%d sink + %d recent tokens. Wu et al. and DuoAttention use 7B-class models on contexts of "
                        + "thousands of tokens; compare the shape, not the numbers.", s.layers(), s.heads(), s.dModel(),
                s.steps(), s.batch(), s.minLength(), s.maxLength(), s.fillers(), s.keys(), s.values(), s.valueLength(),
                s.distractors(), s.sink(), s.window()));
        for (int r = 0; r < summary.rowCount(); r++) {
            result.note(String.format("%s: needle accuracy %.3f; top-%d retrieval heads ablated %.3f, %d random "
                            + "draws %.3f +- %.3f (min %.3f), top-%d streaming heads %.3f; %d retrieval heads (>= 0.1); "
                            + "DuoAttention at length %d: accuracy %.3f with %.0f%% of the full cache, all streaming %.3f.",
                    Seeds.label(summary.longColumn("seed").getLong(r), summary.longColumn("seed").getLong(0)),
                    summary.doubleColumn("accuracy").getDouble(r), s.k(),
                    summary.doubleColumn("top_retrieval_ablated").getDouble(r), s.draws(),
                    summary.doubleColumn("random_mean").getDouble(r), summary.doubleColumn("random_sd").getDouble(r),
                    summary.doubleColumn("random_min").getDouble(r), s.k(),
                    summary.doubleColumn("top_streaming_ablated").getDouble(r),
                    summary.intColumn("retrieval_heads").getInt(r), s.maxLength(),
                    summary.doubleColumn("duo_accuracy").getDouble(r),
                    100 * summary.doubleColumn("duo_memory_share").getDouble(r),
                    summary.doubleColumn("all_streaming_accuracy").getDouble(r)));
        }
    }
}
