package org.attnlab.data.tasks;

import org.attnlab.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded synthetic task. Experiments treat every task the same way:
 *
 * <pre>{@code
 * Task task = FlipFlopTask.standard();
 * TaskBatch batch = task.sample(32, 512, Split.TRAIN, Seeds.derive(seed, step));
 * NDArray inputs = batch.inputArray(stepManager);   // INT64 [B, L]; targetArray, maskArray (FLOAT32) alike
 * }</pre>
 *
 * {@code length} is the task's size knob; {@link #lengthMeaning()} says what it counts and
 * {@link #inputLength(int)} how long the model's input rows then are (for learned position tables).
 * A batch is a pure function of (length, split, seed): the split's name is mixed into the seed, so train and
 * test draw different streams from one run seed.
 */
public interface Task {

    /** A short stable name, e.g. {@code "flip-flop"}. */
    String name();

    /** Token strings by id. */
    Vocabulary vocabulary();

    /** The splits {@link #sample} accepts, the first being the training split. */
    List<Split> splits();

    /** What {@code length} counts, e.g. "tokens per sequence (even, at least 4)". */
    String lengthMeaning();

    /** The length of input rows of examples of size {@code length}; fails on an invalid length. */
    int inputLength(int length);

    /** The id used to right-pad shorter examples, or -1 if all examples of one length are equally long. */
    default int padId() {
        return -1;
    }

    /** One example drawn with {@code rng}; {@code length} and {@code split} are already checked. */
    Example generate(int length, Split split, SplittableRandom rng);

    /** B examples of size {@code length} from {@code split}; a pure function of the arguments. */
    default TaskBatch sample(int batchSize, int length, Split split, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        checkSplit(split);
        inputLength(length); // validates
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, split.name()));
        List<Example> examples = new ArrayList<>(batchSize);
        for (int b = 0; b < batchSize; b++) {
            examples.add(generate(length, split, rng));
        }
        return TaskBatch.of(name(), split, examples, padId());
    }

    /** Fails unless {@code split} is one of {@link #splits()}, naming them. */
    default void checkSplit(Split split) {
        if (split == null || !splits().contains(split)) {
            throw new IllegalArgumentException("Task " + name() + " has no split '" + split + "'; allowed: " + splits());
        }
    }
}
