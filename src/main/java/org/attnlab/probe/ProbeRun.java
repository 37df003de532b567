package org.attnlab.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnlab.data.Batches;
import org.attnlab.model.HookedModel;
import org.attnlab.model.ModelWeights;

import java.util.function.BiFunction;

/** What every probe does around a model run: a sub-manager that frees what the run made, and token checks. */
final class ProbeRun {

    private ProbeRun() {
    }

    /**
     * Runs {@code body(sub, ps)} in a sub-manager of {@code manager} that holds the model's weights for the duration
     * (so arrays derived from them land in it) and is closed afterwards; {@code body} must return plain Java values.
     */
    static <T> T inSubManager(HookedModel model, NDManager manager, BiFunction<NDManager, ParameterStore, T> body) {
        try (NDManager sub = manager.newSubManager()) {
            sub.tempAttachAll(ModelWeights.arrays(model));
            return body.apply(sub, new ParameterStore(sub, false));
        }
    }

    /** {@code [B][L]} ids as an INT64 array, after checking they are a non-empty rectangle. */
    static NDArray tokens(NDManager manager, int[][] tokens) {
        checkTokens(tokens, "tokens");
        return Batches.toArray(manager, tokens, DataType.INT64);
    }

    static void checkTokens(int[][] tokens, String what) {
        if (tokens == null || tokens.length == 0 || tokens[0] == null || tokens[0].length == 0) {
            throw new IllegalArgumentException(what + " must be a non-empty [B][L] array");
        }
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b] == null || tokens[b].length != tokens[0].length) {
                throw new IllegalArgumentException(what + " rows differ in length: row " + b + " has "
                        + (tokens[b] == null ? "none" : tokens[b].length) + ", row 0 has " + tokens[0].length);
            }
        }
    }

    /** {@code [B, H, L, L]} -> {@code float[B][H][L][L]} (query rows), checking B and L against the tokens. */
    static float[][][][] pattern(NDArray pattern, int[][] tokens) {
        Shape s = pattern.getShape();
        int b = tokens.length;
        int l = tokens[0].length;
        if (s.dimension() != 4 || s.get(0) != b || s.get(2) != l || s.get(3) != l) {
            throw new IllegalArgumentException("pattern has shape " + s + "; expected [B, H, L, L] = [" + b + ", H, "
                    + l + ", " + l + "] for the tokens given");
        }
        int h = (int) s.get(1);
        float[] flat = pattern.toType(DataType.FLOAT32, false).toFloatArray();
        float[][][][] out = new float[b][h][l][l];
        int k = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < h; j++) {
                for (int q = 0; q < l; q++) {
                    System.arraycopy(flat, k, out[i][j][q], 0, l);
                    k += l;
                }
            }
        }
        return out;
    }

    /** A double scalar of any numeric array. */
    static double scalar(NDArray a) {
        return a.toType(DataType.FLOAT64, false).getDouble();
    }
}
