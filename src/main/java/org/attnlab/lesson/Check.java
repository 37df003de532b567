package org.attnlab.lesson;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.attnlab.viz.Displayable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;

/**
 * The verdict on one exercise answer, shown in the notebook as a green "correct" or an amber "not yet" with a
 * hint. A check never throws: an unanswered exercise must not stop "Run All" for the rest of the class.
 *
 * <pre>{@code
 * Check.close("Exercise 1: the weight token 3 gives token 1", myAnswer, weights.getFloat(0, 0, 3, 1), 1e-4)
 * }</pre>
 *
 * An exercise where the student implements a piece is checked on random inputs drawn from a seed, against the
 * library's own function, so that no constant (a number or array read off an output above) can pass:
 *
 * <pre>{@code
 * Check.onRandomInputs(manager, seed).normal("x", 1, 2, 6, 8)
 *      .compare("Exercise 3: RoPE", in -> myRope(in.get(0)), in -> AttentionOps.rope(in.get(0), 10000f), 1e-5)
 * }</pre>
 *
 * A prediction made before running a cell is checked with {@link #choice}: the options name a principle and a
 * direction, and the verdict explains the right one.
 *
 * <p>The HTML carries {@code data-attnlab-check="pass|fail"}, so the solutions notebooks can be tested to pass
 * every check ({@code tools/run_notebooks.py --require-checks}).
 */
public final class Check implements Displayable {

    private final String exercise;
    private final boolean passed;
    private final String detail;

    private Check(String exercise, boolean passed, String detail) {
        this.exercise = exercise;
        this.passed = passed;
        this.detail = detail;
    }

    /** A verdict you decided yourself: {@code Check.that("Exercise 2", ok, "hint when not ok")}. */
    public static Check that(String exercise, boolean passed, String hintIfNot) {
        return new Check(exercise, passed, passed ? "" : hintIfNot);
    }

    /** Passes when {@code answer} equals {@code expected} ({@link Objects#equals}). */
    public static Check equal(String exercise, Object answer, Object expected) {
        boolean ok = Objects.equals(answer, expected);
        boolean empty = answer == null || (answer instanceof CharSequence c && c.toString().isBlank());
        String hint = empty ? "fill in your answer (it is still " + (answer == null ? "null" : "empty") + ")"
                : "your answer is " + answer + "; look again at the cells above";
        return new Check(exercise, ok, ok ? "" : hint);
    }

    /** Passes when {@code |answer - expected| <= tolerance}; a NaN answer (not filled in yet) does not pass. */
    public static Check close(String exercise, double answer, double expected, double tolerance) {
        boolean ok = !Double.isNaN(answer) && Math.abs(answer - expected) <= tolerance;
        String hint = Double.isNaN(answer) ? "fill in your answer (it is still NaN)"
                : String.format("your answer %.6g is off by %.3g (allowed %.1g)", answer, Math.abs(answer - expected),
                tolerance);
        return new Check(exercise, ok, ok ? "" : hint);
    }

    /** Passes when {@code answer} has {@code expected}'s shape and every element is within {@code tolerance}. */
    public static Check allClose(String exercise, NDArray answer, NDArray expected, double tolerance) {
        if (answer == null) {
            return new Check(exercise, false, "fill in your answer (it is still null)");
        }
        if (!answer.getShape().equals(expected.getShape())) {
            return new Check(exercise, false, "your array has shape " + answer.getShape() + "; expected "
                    + expected.getShape());
        }
        double diff = answer.toType(expected.getDataType(), false).sub(expected).abs().max().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
        boolean ok = diff <= tolerance;
        return new Check(exercise, ok, ok ? "" : String.format("largest difference %.3g (allowed %.1g)", diff,
                tolerance));
    }

    /**
     * A prediction written down before running a cell: {@code answer} is the letter of an option (case, spaces and
     * brackets ignored). The verdict shows {@code whyIfRight} when right, {@code hintIfNot} when not.
     */
    public static Check choice(String exercise, String answer, String correct, String hintIfNot, String whyIfRight) {
        String a = answer == null ? "" : answer.replaceAll("[\\s()\\[\\].]", "").toLowerCase(Locale.ROOT);
        if (a.isEmpty()) {
            return new Check(exercise, false, "write your prediction first (the letter of one option)");
        }
        boolean ok = a.equals(correct.toLowerCase(Locale.ROOT));
        return new Check(exercise, ok, ok ? whyIfRight : "not (" + a + "): " + hintIfNot);
    }

    /**
     * Random inputs drawn from {@code seed} (with {@link Random}, independent of the engine's generator) on a
     * sub-manager of {@code manager}, for {@link RandomInputs#compare}.
     */
    public static RandomInputs onRandomInputs(NDManager manager, long seed) {
        return new RandomInputs(manager, seed);
    }

    /** The inputs of a random-input check: named arrays of given shapes and distributions, drawn afresh per trial. */
    public static final class RandomInputs {

        private enum Law { NORMAL, UNIFORM, UNIT }

        private record Input(String name, Shape shape, Law law, float lo, float hi) {
        }

        private final NDManager manager;
        private final long seed;
        private final List<Input> inputs = new ArrayList<>();
        private int trials = 3;

        private RandomInputs(NDManager manager, long seed) {
            this.manager = Objects.requireNonNull(manager, "manager");
            this.seed = seed;
        }

        /** An input with entries ~ N(0, 1). */
        public RandomInputs normal(String name, long... shape) {
            return add(new Input(name, new Shape(shape), Law.NORMAL, 0, 0));
        }

        /** An input with entries uniform in {@code [lo, hi)}. */
        public RandomInputs uniform(String name, float lo, float hi, long... shape) {
            if (!(hi > lo)) {
                throw new IllegalArgumentException("uniform input '" + name + "' needs lo < hi, got [" + lo + ", " + hi + ")");
            }
            return add(new Input(name, new Shape(shape), Law.UNIFORM, lo, hi));
        }

        /** An input whose vectors along the last axis have unit length (directions, such as PaTH's w). */
        public RandomInputs unitVectors(String name, long... shape) {
            return add(new Input(name, new Shape(shape), Law.UNIT, 0, 0));
        }

        /** How many independent draws the answer must match on (default 3). */
        public RandomInputs trials(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("trials must be >= 2 (one draw could be matched by a constant), got " + n);
            }
            this.trials = n;
            return this;
        }

        private RandomInputs add(Input in) {
            if (in.shape().size() < 1) {
                throw new IllegalArgumentException("input '" + in.name() + "' needs a shape with at least one element, got "
                        + in.shape());
            }
            inputs.add(in);
            return this;
        }

        /**
         * Passes when {@code answer} returns {@code reference}'s shape and values (within {@code tolerance}) on every
         * trial. Both get the inputs in the order they were declared. The student's function may throw or return
         * null: that is a "not yet", never an exception in the notebook.
         *
         * @throws IllegalStateException when the reference gives the same output on every draw: then a constant
         *                               could pass, and the exercise is wrong, not the student
         */
        public Check compare(String exercise, Function<NDList, NDArray> answer, Function<NDList, NDArray> reference,
                double tolerance) {
            if (inputs.isEmpty()) {
                throw new IllegalStateException("declare the inputs first (normal, uniform or unitVectors)");
            }
            Random rnd = new Random(seed);
            float[] firstExpected = null;
            boolean referenceVaries = false;
            String verdict = null;
            for (int t = 0; t < trials; t++) {
                try (NDManager sub = manager.newSubManager()) {
                    NDList drawn = draw(sub, rnd);
                    NDArray expected = reference.apply(drawn);
                    float[] e = expected.toType(ai.djl.ndarray.types.DataType.FLOAT32, true).toFloatArray();
                    if (firstExpected == null) {
                        firstExpected = e;
                    } else if (maxAbsDiff(firstExpected, e) > 2 * tolerance) {
                        referenceVaries = true; // no constant is within tolerance of both draws' answers
                    }
                    if (verdict != null) {
                        continue; // already failed: keep drawing only to validate the reference
                    }
                    NDArray got;
                    try {
                        got = answer.apply(drawn);
                    } catch (RuntimeException ex) {
                        verdict = "your function threw " + ex.getClass().getSimpleName()
                                + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
                        continue;
                    }
                    if (got == null) {
                        verdict = "fill in your function (it still returns null)";
                        continue;
                    }
                    if (!got.getShape().equals(expected.getShape())) {
                        verdict = "on inputs " + describe() + " your result has shape " + got.getShape() + "; expected "
                                + expected.getShape();
                        continue;
                    }
                    double diff = got.toType(expected.getDataType(), false).sub(expected).abs().max().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
                    if (!(diff <= tolerance)) {
                        verdict = String.format(Locale.ROOT, "on random draw %d of %d (inputs %s) the largest difference"
                                + " is %.3g (allowed %.1g)", t + 1, trials, describe(), diff, tolerance);
                    }
                }
            }
            if (!referenceVaries) {
                throw new IllegalStateException("the reference gives the same output on all " + trials
                        + " random draws of " + describe() + ": a constant answer could pass this check");
            }
            return new Check(exercise, verdict == null, verdict == null
                    ? String.format(Locale.ROOT, "matches the library on %d random draws", trials) : verdict);
        }

        private static double maxAbsDiff(float[] a, float[] b) {
            if (a.length != b.length) {
                return Double.POSITIVE_INFINITY;
            }
            double m = 0;
            for (int i = 0; i < a.length; i++) {
                m = Math.max(m, Math.abs(a[i] - b[i]));
            }
            return m;
        }

        private NDList draw(NDManager m, Random rnd) {
            NDList out = new NDList();
            for (Input in : inputs) {
                float[] x = new float[Math.toIntExact(in.shape().size())];
                for (int i = 0; i < x.length; i++) {
                    x[i] = in.law() == Law.UNIFORM ? in.lo() + (in.hi() - in.lo()) * rnd.nextFloat()
                            : (float) rnd.nextGaussian();
                }
                if (in.law() == Law.UNIT) {
                    int d = Math.toIntExact(in.shape().get(in.shape().dimension() - 1));
                    for (int start = 0; start < x.length; start += d) {
                        double norm = 0;
                        for (int i = start; i < start + d; i++) {
                            norm += x[i] * x[i];
                        }
                        norm = Math.sqrt(norm);
                        for (int i = start; i < start + d; i++) {
                            x[i] /= (float) norm;
                        }
                    }
                }
                NDArray a = m.create(x, in.shape());
                a.setName(in.name());
                out.add(a);
            }
            return out;
        }

        private String describe() {
            StringBuilder sb = new StringBuilder();
            for (Input in : inputs) {
                sb.append(sb.length() == 0 ? "" : ", ").append(in.name()).append(' ').append(in.shape());
            }
            return sb.toString();
        }
    }

    public boolean passed() {
        return passed;
    }

    public String exercise() {
        return exercise;
    }

    @Override
    public Map<String, String> mimeBundle() {
        String color = passed ? "#1a7f37" : "#9a6700";
        String bg = passed ? "#dafbe1" : "#fff8c5";
        String verdict = passed ? "&#10004; correct" : "&#9998; not yet";
        String html = "<div data-attnlab-check=\"" + (passed ? "pass" : "fail") + "\" style=\"border-left:4px solid "
                + color + ";background:" + bg + ";padding:6px 10px;margin:4px 0;font-family:sans-serif\"><b>"
                + esc(exercise) + "</b>: <span style=\"color:" + color + "\"><b>" + verdict + "</b></span>"
                + (detail.isEmpty() ? "" : " &mdash; " + esc(detail)) + "</div>";
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/html", html);
        m.put("text/plain", toString());
        return m;
    }

    @Override
    public String toString() {
        return exercise + ": " + (passed ? "correct" : "not yet") + (detail.isEmpty() ? "" : " (" + detail + ")");
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
