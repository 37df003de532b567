package org.attnlab.experiments;

import java.util.List;
import java.util.stream.Collectors;

/** Every experiment the toolkit has, by name: the list {@code ./lab experiment --list} prints. */
public final class Experiments {

    private Experiments() {
    }

    /** All experiments, in the order the notebooks meet them. */
    public static List<Experiment> all() {
        return List.of(
                new DesignPrinciplesExperiment(),
                new FlipFlopExperiment(),
                new WordProblemsExperiment(),
                new MqrarExperiment(),
                new InductionExperiment(),
                new ParityCotExperiment(),
                new FunctionVectorsExperiment(),
                new GrammarHeadsExperiment(),
                new SinksExperiment(),
                new RetrievalHeadsExperiment()
        );
    }

    /** The experiment called {@code name}; an unknown name fails listing the known ones. */
    public static Experiment named(String name) {
        for (Experiment e : all()) {
            if (e.name().equalsIgnoreCase(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("Unknown experiment '" + name + "'; known: " + names());
    }

    /** The known names, comma-separated. */
    public static String names() {
        return all().stream().map(Experiment::name).collect(Collectors.joining(", "));
    }
}
