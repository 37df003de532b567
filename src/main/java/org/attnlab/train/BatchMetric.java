package org.attnlab.train;

import ai.djl.ndarray.NDArray;

/**
 * An extra evaluation metric computed batch by batch and pooled as {@code sum of numerators / sum of
 * denominators} over the eval batches, logged as {@code eval_<name>}. Example, whole-sequence accuracy:
 * <pre>{@code
 * BatchMetric seqAcc = BatchMetric.of("seq_accuracy", (batch, logits) -> {
 *     NDArray wrong = logits.argMax(-1).neq(batch.targets().toType(DataType.INT64, false))
 *             .toType(DataType.FLOAT32, false).mul(batch.lossMask()).sum(new int[] {1});   // [B]
 *     return new double[] {wrong.eq(0).sum().getLong(), batch.batchSize()};
 * });
 * }</pre>
 */
public interface BatchMetric {

    /** The metric's name (logged with the {@code eval_} prefix). */
    String name();

    /**
     * The numerator and denominator contributed by one eval batch.
     *
     * @param batch  the eval batch
     * @param logits the model's {@code [B, L, V]} output for {@code batch.tokens()}
     * @return {@code {numerator, denominator}}
     */
    double[] accumulate(Batch batch, NDArray logits);

    /** A metric from a name and a function. */
    static BatchMetric of(String name, java.util.function.BiFunction<Batch, NDArray, double[]> f) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("BatchMetric name is empty");
        }
        return new BatchMetric() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double[] accumulate(Batch batch, NDArray logits) {
                return f.apply(batch, logits);
            }
        };
    }
}
