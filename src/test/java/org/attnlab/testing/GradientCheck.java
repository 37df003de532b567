package org.attnlab.testing;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finite-difference gradient checks in float64. The forward takes a parameter store and the input arrays and
 * returns any array {@code y}; the checked scalar is {@code loss = sum(y * R)} for a fixed random {@code R}.
 * Parameters are perturbed through a {@link ParameterStore} that hands out a modified copy, so the model's
 * own arrays are never written to.
 */
public final class GradientCheck {

    private static final double H = 1e-6;

    private final NDManager manager;
    private final BiFunction<ParameterStore, List<NDArray>, NDArray> forward;
    private final Random random = new Random(7);
    private NDArray weights;

    public GradientCheck(NDManager manager, BiFunction<ParameterStore, List<NDArray>, NDArray> forward) {
        this.manager = manager;
        this.forward = forward;
    }

    /** A store that returns {@code replacement} for {@code target} and the parameter's own array otherwise. */
    private static final class SwapStore extends ParameterStore {
        private final Parameter target;
        private final NDArray replacement;

        SwapStore(NDManager m, Parameter target, NDArray replacement) {
            super(m, false);
            this.target = target;
            this.replacement = replacement;
        }

        @Override
        public NDArray getValue(Parameter p, Device device, boolean training) {
            return p == target ? replacement : super.getValue(p, device, training);
        }
    }

    private double loss(ParameterStore ps, List<NDArray> inputs) {
        NDArray y = forward.apply(ps, inputs);
        if (weights == null) {
            double[] r = new double[(int) y.getShape().size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = random.nextGaussian();
            }
            weights = manager.create(r, y.getShape());
        }
        return y.mul(weights).sum().getDouble();
    }

    /**
     * Compares autograd with central differences on {@code coordsPerArray} random coordinates of every input and
     * of every trainable parameter of {@code block}; also fails if a parameter gets no gradient at all.
     */
    public void check(Block block, List<NDArray> inputs, int coordsPerArray) {
        check(block, inputs, coordsPerArray, p -> true);
    }

    /**
     * As {@link #check(Block, List, int)}, with finite differences only for the parameters {@code differenced}
     * accepts (every parameter must still get some gradient).
     */
    public void check(Block block, List<NDArray> inputs, int coordsPerArray,
                      java.util.function.Predicate<Parameter> differenced) {
        ParameterStore ps = new ParameterStore(manager, false);
        loss(ps, inputs); // fixes R
        for (NDArray x : inputs) {
            x.setRequiresGradient(true);
        }
        List<Parameter> params = new ArrayList<>();
        for (var p : block.getParameters().values()) {
            if (p.requiresGradient()) {
                params.add(p);
            }
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = forward.apply(ps, inputs);
            gc.backward(y.mul(weights).sum());
        }
        List<double[]> inputGrads = new ArrayList<>();
        for (NDArray x : inputs) {
            inputGrads.add(x.getGradient().toDoubleArray());
        }
        List<double[]> paramGrads = new ArrayList<>();
        for (Parameter p : params) {
            paramGrads.add(p.getArray().getGradient().toDoubleArray());
        }

        for (int a = 0; a < inputs.size(); a++) {
            NDArray x = inputs.get(a);
            int which = a;
            double[] base = x.toDoubleArray();
            for (int c = 0; c < coordsPerArray; c++) {
                int idx = random.nextInt(base.length);
                double num = difference(base, idx, data -> {
                    List<NDArray> moved = new ArrayList<>(inputs);
                    moved.set(which, manager.create(data, x.getShape()));
                    return loss(new ParameterStore(manager, false), moved);
                });
                compare("input " + a + "[" + idx + "]", inputGrads.get(a)[idx], num);
            }
        }
        for (int pi = 0; pi < params.size(); pi++) {
            Parameter p = params.get(pi);
            double[] g = paramGrads.get(pi);
            double total = 0;
            for (double v : g) {
                total += Math.abs(v);
            }
            assertTrue(total > 0, "parameter " + p.getName() + " gets no gradient");
            if (!differenced.test(p)) {
                continue;
            }
            double[] base = p.getArray().toDoubleArray();
            for (int c = 0; c < coordsPerArray; c++) {
                int idx = random.nextInt(base.length);
                double num = difference(base, idx, data ->
                        loss(new SwapStore(manager, p, manager.create(data, p.getShape())), inputs));
                compare("parameter " + p.getName() + "[" + idx + "]", g[idx], num);
            }
        }
    }

    private interface Eval {
        double at(double[] data);
    }

    private static double difference(double[] base, int idx, Eval eval) {
        double[] plus = base.clone();
        plus[idx] += H;
        double[] minus = base.clone();
        minus[idx] -= H;
        return (eval.at(plus) - eval.at(minus)) / (2 * H);
    }

    private static void compare(String what, double analytic, double numeric) {
        double tol = 1e-6 + 1e-5 * Math.abs(numeric);
        if (Math.abs(analytic - numeric) > tol) {
            fail(what + ": autograd " + analytic + " vs finite difference " + numeric);
        }
    }
}
