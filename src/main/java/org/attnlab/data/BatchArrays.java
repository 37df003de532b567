package org.attnlab.data;

import ai.djl.ndarray.NDArray;

/**
 * A {@link Batch} as NDArrays on one manager: {@code inputs} and {@code targets} are {@code INT64 [B, L]},
 * {@code mask} is {@code FLOAT32 [B, L]} (1 = graded). They belong to the manager they were created on; close that
 * manager (the step's sub-manager) to free them.
 */
public record BatchArrays(NDArray inputs, NDArray targets, NDArray mask) {
}
