package org.attnlab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnlab.WeightInit;

/**
 * A test language model: tokens [B, L] -> one-hot [B, L, V] -> embedding [B, L, D] -> (optional dropout)
 * -> tanh -> linear [B, L, V]. Enough to learn "predict a function of the current token"; dropout uses the
 * engine's random generator so tests see whether the trainer's RNG handling is exact.
 */
final class TinyLM extends AbstractBlock {

    final int vocab;
    final int dim;
    final float dropout;
    /** Compute the output layer as (w^T)^T, an op whose result belongs to the weight's manager. */
    boolean deriveFromWeights;
    private final Parameter embedding;
    private final Parameter weight;
    private final Parameter bias;

    TinyLM(int vocab, int dim, float dropout) {
        this.vocab = vocab;
        this.dim = dim;
        this.dropout = dropout;
        embedding = addParameter(Parameter.builder().setName("embedding").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(vocab, dim)).optInitializer(WeightInit.normal(0.5f)).build());
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(dim, vocab)).optInitializer(WeightInit.normal(0.5f)).build());
        bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(vocab)).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray tokens = inputs.singletonOrThrow();
        NDArray e = ps.getValue(embedding, tokens.getDevice(), training);
        NDArray w = ps.getValue(weight, tokens.getDevice(), training);
        NDArray b = ps.getValue(bias, tokens.getDevice(), training);
        NDArray h = tokens.oneHot(vocab).toType(DataType.FLOAT32, false).matMul(e); // [B,L,V] x [V,D] -> [B,L,D]
        if (training && dropout > 0) {
            NDArray keep = h.getManager().randomUniform(0, 1, h.getShape()).gt(dropout)
                    .toType(DataType.FLOAT32, false);
            // the 1/(1-p) goes into the mask, off the gradient path: div(number) on h is the DJL defect
            // (AttentionOps.times) that left gradients garbage after a GC (MemoryFlatTest diverged once in CI)
            h = h.mul(keep.mul(1 / (1 - dropout)));
        }
        if (deriveFromWeights) {
            w = w.transpose().transpose(); // created in w's manager: a leak unless the trainer guards against it
        }
        return new NDList(h.tanh().matMul(w).add(b)); // [B,L,D] x [D,V] -> [B,L,V]
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), s.get(1), vocab)};
    }
}
