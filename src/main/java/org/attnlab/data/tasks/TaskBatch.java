package org.attnlab.data.tasks;

import org.attnlab.data.Batch;

import java.util.List;

/**
 * B examples of one task and split stacked into {@code [B][L]} arrays (shorter examples right-padded with the
 * task's pad token, ungraded). {@code examples()} keeps each example with its named positions.
 */
public record TaskBatch(String task, Split split, List<Example> examples, int[][] inputs, int[][] targets,
                        boolean[][] lossMask) implements Batch {

    public TaskBatch {
        examples = List.copyOf(examples);
    }

    /**
     * Stacks examples; if their lengths differ they are right-padded with {@code padId}, which must then be a
     * valid id (pass -1 for tasks whose examples always have equal length).
     */
    public static TaskBatch of(String task, Split split, List<Example> examples, int padId) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("A batch needs at least one example");
        }
        int len = examples.stream().mapToInt(Example::length).max().getAsInt();
        int b = examples.size();
        int[][] in = new int[b][];
        int[][] tg = new int[b][];
        boolean[][] m = new boolean[b][];
        for (int i = 0; i < b; i++) {
            Example e = examples.get(i);
            if (e.length() != len) {
                if (padId < 0) {
                    throw new IllegalArgumentException("Task " + task + " produced examples of lengths " + e.length()
                            + " and " + len + " but has no pad token");
                }
                e = e.padTo(len, padId);
            }
            in[i] = e.inputs().clone();
            tg[i] = e.targets().clone();
            m[i] = e.lossMask().clone();
        }
        return new TaskBatch(task, split, examples, in, tg, m);
    }

    /** Example b. */
    public Example example(int b) {
        return examples.get(b);
    }

    /** {@code positions(key)} of every example, row b for example b. */
    public int[][] positions(String key) {
        int[][] out = new int[examples.size()][];
        for (int b = 0; b < out.length; b++) {
            out[b] = examples.get(b).positions(key);
        }
        return out;
    }
}
