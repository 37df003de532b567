package org.attnlab.lesson;

import ai.djl.ndarray.NDArray;
import org.attnlab.viz.Displayable;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The verdict on one exercise answer, shown in the notebook as a green "correct" or an amber "not yet" with a
 * hint. A check never throws: an unanswered exercise must not stop "Run All" for the rest of the class.
 *
 * <pre>{@code
 * Check.close("Exercise 1: the weight token 3 gives token 1", myAnswer, weights.getFloat(0, 0, 3, 1), 1e-4)
 * }</pre>
 *
 * The HTML carries {@code data-attnlab-check="pass|fail"}, so the solutions notebooks can be tested to pass
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
        return new Check(exercise, ok, ok ? "" : "your answer is " + answer + "; look again at the cells above");
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
        double diff = answer.toType(expected.getDataType(), false).sub(expected).abs().max().getFloat();
        boolean ok = diff <= tolerance;
        return new Check(exercise, ok, ok ? "" : String.format("largest difference %.3g (allowed %.1g)", diff,
                tolerance));
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
