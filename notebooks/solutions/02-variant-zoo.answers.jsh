// Solutions of 02 · the variant zoo: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 02-variant-zoo-solutions.ipynb.

//// P1
String predict1 = "b";   // 1 + s + s^2/2 = ((1 + s)^2 + 1) / 2: smallest at s = -1, 41 at s = -10, 5 at s = 2

//// E1
int exercise1 = (int) Math.round(4.0 * 64 * 64 / (3 * 64));   // 4d/3 = 85.3 -> 85

//// E2
NDArray nonApprox = mapA.get(AttentionKind.NON_APPROXIMATE);
double exercise2 = nonApprox.getFloat(0, 20, 3) / nonApprox.getFloat(0, 20, 5);

//// E3
NDArray myTaylorWeights(NDArray q, NDArray k, float scale) {
    long len = q.getShape().get(2);
    NDArray s = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);                          // [B,H,L,L]
    NDArray lower = AttentionOps.causalMask(q.getManager(), len).toType(DataType.FLOAT32, false);
    NDArray a = s.mul(s).mul(0.5f).add(s).add(1f).mul(lower);                         // 1 + s + s^2/2 for j <= i
    return a.div(a.sum(new int[] {3}, true));
}
