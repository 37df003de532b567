package org.attnlab.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/** The weight arrays of a model, for code that must keep them alive while a sub-manager closes. */
public final class ModelWeights {

    private ModelWeights() {
    }

    /**
     * The distinct arrays of {@code block}'s parameters (a tied weight counts once). Probes pass them to
     * {@code sub.tempAttachAll(...)}: arrays a block derives from its weights then land in {@code sub} and are freed
     * with it, while the weights go back to their own manager.
     */
    public static NDArray[] arrays(Block block) {
        Set<NDArray> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        block.getParameters().forEach(p -> distinct.add(p.getValue().getArray()));
        return distinct.toArray(new NDArray[0]);
    }
}
