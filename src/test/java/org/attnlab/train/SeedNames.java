package org.attnlab.train;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Test helper: a progress listener that records the seed name of every run it sees start, in order. */
public final class SeedNames implements ProgressListener {

    private final List<String> names = new ArrayList<>();

    @Override
    public synchronized void onStart(String run, TrainConfig config, long startStep) {
        names.add(config.seedName());
    }

    /** The distinct seed names, in the order their runs started. */
    public synchronized List<String> distinct() {
        return List.copyOf(new LinkedHashSet<>(names));
    }
}
