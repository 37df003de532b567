package org.attnlab.data.tasks;

/**
 * A named part of a task's data. Splits differ in the random stream (a split's seed is derived from the
 * run seed and the split's name) and, for some tasks, in the distribution (e.g. flip-flop's
 * {@link FlipFlopTask#OOD_SPARSE}). Each task lists the splits it accepts in {@link Task#splits()}.
 */
public record Split(String name) {

    public static final Split TRAIN = new Split("train");
    public static final Split VALIDATION = new Split("validation");
    public static final Split TEST = new Split("test");

    public Split {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A split needs a non-blank name");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
