package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnlab.data.Batch;
import org.attnlab.train.MaskedLoss;

/**
 * A number read from a model's logits {@code [B, L, V]}: what {@link ActivationPatching} measures recovery of
 * and {@link Ablation} reports besides loss and accuracy. Any lambda will do; the factories cover the usual ones.
 *
 * <pre>{@code
 * LogitMetric diff = LogitMetric.logitDifference(-1, correct, wrong);   // at the last position
 * LogitMetric mine = logits -> logits.get(0, -1, 7).getFloat();        // your own
 * }</pre>
 */
@FunctionalInterface
public interface LogitMetric {

    /** The metric of logits {@code [B, L, V]}. */
    double of(NDArray logits);

    /**
     * {@code mean_b (logits[b, p, correct_b] - logits[b, p, wrong_b])}: how much the model prefers the right
     * answer to a wrong one at position {@code p} (negative counts from the end: -1 is the last position).
     */
    static LogitMetric logitDifference(int position, int[] correct, int[] wrong) {
        if (correct == null || wrong == null || correct.length != wrong.length || correct.length == 0) {
            throw new IllegalArgumentException("logitDifference needs one correct and one wrong token per sequence; "
                    + "got "
                    + (correct == null ? "null" : correct.length) + " correct and "
                    + (wrong == null ? "null" : wrong.length) + " wrong");
        }
        return logits -> {
            NDArray at = pick(logits, position, correct).sub(pick(logits, position, wrong));
            return ProbeRun.scalar(at.mean());
        };
    }

    /** {@code mean_b logits[b, p, correct_b]} (negative p counts from the end). */
    static LogitMetric logit(int position, int[] correct) {
        if (correct == null || correct.length == 0) {
            throw new IllegalArgumentException("logit needs one correct token per sequence");
        }
        return logits -> ProbeRun.scalar(pick(logits, position, correct).mean());
    }

    /**
     * {@code mean_b softmax(logits[b, p, :])[correct_b]}: the probability the model gives the right answer at
     * position {@code p} (negative counts from the end).
     */
    static LogitMetric probability(int position, int[] correct) {
        if (correct == null || correct.length == 0) {
            throw new IllegalArgumentException("probability needs one correct token per sequence");
        }
        return logits -> {
            NDArray logProbs = logits.toType(DataType.FLOAT32, false).logSoftmax(-1);
            return ProbeRun.scalar(pick(logProbs, position, correct).exp().mean());
        };
    }

    /** {@code mean_b [argmax_v logits[b, p, v] == correct_b]}: top-1 accuracy at position {@code p}. */
    static LogitMetric accuracyAt(int position, int[] correct) {
        if (correct == null || correct.length == 0) {
            throw new IllegalArgumentException("accuracyAt needs one correct token per sequence");
        }
        return logits -> {
            pick(logits, position, correct);                                               // checks shape and ids
            long len = logits.getShape().get(1);
            long p = position < 0 ? len + position : position;
            NDArray predicted = logits.get(new NDIndex(":, {}, :", p)).argMax(-1);              // (B)
            NDArray target = logits.getManager().create(toLong(correct));
            return ProbeRun.scalar(predicted.toType(DataType.INT64, false).eq(target).toType(DataType.FLOAT32, false)
                    .mean());
        };
    }

    /** The masked next-token loss of {@code batch} ({@link MaskedLoss}): mean cross-entropy over graded positions. */
    static LogitMetric loss(Batch batch) {
        return logits -> {
            NDArray targets = batch.targetArray(logits.getManager());
            NDArray mask = batch.maskArray(logits.getManager());
            return ProbeRun.scalar(MaskedLoss.crossEntropy(logits, targets, mask));
        };
    }

    /** The masked next-token accuracy of {@code batch} ({@link MaskedLoss#accuracy}). */
    static LogitMetric accuracy(Batch batch) {
        return logits -> {
            NDArray targets = batch.targetArray(logits.getManager());
            NDArray mask = batch.maskArray(logits.getManager());
            return ProbeRun.scalar(MaskedLoss.accuracy(logits, targets, mask));
        };
    }

    /** {@code logits[b, p, ids[b]]} for every b: {@code [B]}. */
    static NDArray pick(NDArray logits, int position, int[] ids) {
        Shape s = logits.getShape();
        if (s.dimension() != 3 || s.get(0) != ids.length) {
            throw new IllegalArgumentException("logits " + s + " must be [B, L, V] with B = " + ids.length
                    + " (one token id per sequence)");
        }
        long len = s.get(1);
        long p = position < 0 ? len + position : position;
        if (p < 0 || p >= len) {
            throw new IllegalArgumentException("position " + position + " is outside a sequence of length " + len);
        }
        for (int id : ids) {
            if (id < 0 || id >= s.get(2)) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.."
                        + (s.get(2) - 1));
            }
        }
        NDArray row = logits.get(new NDIndex(":, {}, :", p));                          // (B,V)
        NDArray idx = logits.getManager().create(toLong(ids)).reshape(ids.length, 1);
        return row.gather(idx, 1).squeeze(1).toType(DataType.FLOAT64, false);         // (B)
    }

    private static long[] toLong(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }
}
