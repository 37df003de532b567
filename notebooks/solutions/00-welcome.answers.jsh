// Solutions of 00 · welcome: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 00-welcome-solutions.ipynb.

//// P1
String predict1 = "b";   // equal scores give equal weights: the uniform distribution, the most entropy there is

//// E1
NDArray myAttention(NDArray q, NDArray k, NDArray v, float scale) {
    int length = (int) q.getShape().get(2);
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);                      // [B, H, L, L]
    NDArray masked = scores.add(AttentionOps.causalBias(q.getManager(), length, DataType.FLOAT32));
    return masked.softmax(-1).matMul(v);                                                  // [B, H, L, D]
}
