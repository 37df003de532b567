package org.attnlab.data;

import org.attnlab.Seeds;
import org.attnlab.data.tasks.Split;
import org.attnlab.data.tasks.Task;

/**
 * The batch for each training step, as a pure function of the step: a trainer asks for {@code batch(step)} and a
 * restored checkpoint replays the same batches. Step k uses seed {@code Seeds.derive(seed, k)}.
 *
 * <pre>{@code
 * BatchSource text = BatchSource.of(Batches.of(tokens), 16, 128, seed);
 * BatchSource flip = BatchSource.of(FlipFlopTask.standard(), 32, 512, Split.TRAIN, seed);
 * Batch b = flip.batch(step);
 * }</pre>
 */
@FunctionalInterface
public interface BatchSource {

    Batch batch(long step);

    /** Random windows of {@code contextLength} tokens, {@code batchSize} per step. */
    static BatchSource of(Batches batches, int batchSize, int contextLength, long seed) {
        batches.sample(batchSize, contextLength, seed); // validates the arguments now, not at step 0
        return step -> batches.sample(batchSize, contextLength, Seeds.derive(seed, step));
    }

    /** {@code task.sample(batchSize, length, split, Seeds.derive(seed, step))}. */
    static BatchSource of(Task task, int batchSize, int length, Split split, long seed) {
        task.checkSplit(split);
        task.inputLength(length);
        return step -> task.sample(batchSize, length, split, Seeds.derive(seed, step));
    }
}
