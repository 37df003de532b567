package org.attnlab.experiments;

import org.attnlab.Settings;
import org.attnlab.train.ProgressListener;

/**
 * One headline result of the toolkit, reproduced: a plain class that trains models and returns tables and
 * figures. A notebook, {@code ./lab experiment NAME} and a test all run the same {@link #run}; the preset in
 * {@link Settings} decides the scale ({@code smoke}: seconds, proves it runs; {@code quick}: a few minutes on
 * a laptop CPU, shows the finding's direction; {@code full}: one GPU, the closest we get to the paper).
 */
public interface Experiment {

    /** The command-line name, lower-case with dashes: {@code flip-flop}. */
    String name();

    /** A one-line title for reports: {@code PaTH vs RoPE, NoPE and FoX on flip-flop}. */
    String title();

    /** What it reproduces, from which paper, and what each preset runs (a short paragraph). */
    String description();

    /**
     * Runs the experiment at {@code settings} (device, preset, seed), reporting training progress to
     * {@code progress}. The same settings give the same numbers on the same device.
     */
    ExperimentResult run(Settings settings, ProgressListener progress);

    /** {@link #run(Settings, ProgressListener)} with the progress display that fits (notebook or terminal). */
    default ExperimentResult run(Settings settings) {
        return run(settings, ProgressListener.auto());
    }
}
