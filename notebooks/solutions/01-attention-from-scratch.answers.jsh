// Solutions of 01 · attention from scratch: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 01-attention-from-scratch-solutions.ipynb.

//// P1
String predict1 = "b";   // a sum over (key, value) pairs has no order; the causal mask chooses keys by position

//// P2
String predict2 = "b";   // 4x the scores = 4x the gaps; softmax weight ratios are e^(gap)

//// E1
float[] row = masked.get(0, 0, 8).toFloatArray();
double z = 0;
for (int j = 0; j <= 8; j++) z += Math.exp(row[j]);
double exercise1 = Math.exp(row[0]) / z;

//// E2
NDArray exercise2 = q.matMul(k.transpose(0, 1, 3, 2)).add(AttentionOps.causalBias(manager, L, DataType.FLOAT32)).softmax(-1);
System.out.println(String.format("mean largest weight per row: scaled %.3f, unscaled %.3f",
        weights.max(new int[] {3}).mean().getFloat(), exercise2.max(new int[] {3}).mean().getFloat()));

//// E3
NDArray myRope(NDArray x, float base) {
    long len = x.getShape().get(2), dim = x.getShape().get(3), half = dim / 2;
    NDManager m = x.getManager();
    NDArray position = m.arange(0f, (float) len).reshape(len, 1);                          // [L, 1]
    NDArray frequency = m.arange(0f, (float) half).mul(-2.0 * Math.log(base) / dim).exp()  // base^(-2m/D), [D/2]
            .reshape(1, half);
    NDArray angle = position.matMul(frequency);                                            // [L, D/2]: p * theta_m
    NDArray cos = angle.cos(), sin = angle.sin();
    NDArray x1 = x.get(":, :, :, :{}", half), x2 = x.get(":, :, :, {}:", half);
    return NDArrays.concat(new NDList(x1.mul(cos).sub(x2.mul(sin)), x2.mul(cos).add(x1.mul(sin))), -1);
}

//// E4
NDArray qLong = qSame.get(":, :, :1").repeat(2, P + 5), kLong = kSame.get(":, :, :1").repeat(2, P + 5);
NDArray qShift = myRope(qLong, config.ropeBase()).get(":, :, 5:"), kShift = myRope(kLong, config.ropeBase()).get(":, :, 5:");
NDArray sShift = qShift.matMul(kShift.transpose(0, 1, 3, 2)).get(0, 0);                // positions 5..28
System.out.println(String.format("largest |s_shifted - s| = %.1e: both i and j moved by 5, so i - j did not change",
        sShift.sub(s).abs().max().getFloat()));
