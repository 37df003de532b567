// Solutions of 04 · PaTH attention: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 04-path-attention-solutions.ipynb.

//// P1
String predict1 = "b";   // RoPE: R((j - i) theta) is the same for every string of this length; PaTH: H_t depends on bit t

//// P2
String predict2 = "c";   // det = (-1)(-1) = +1: a rotation, by twice the angle between the mirrors

//// E1
NDArray applyProduct(NDArray w, NDArray beta, NDArray x) {
    for (int t = 0; t < w.getShape().get(0); t++) {
        NDArray wt = w.get(t);
        x = x.sub(wt.mul(wt.dot(x).mul(beta.get(t))));        // x - beta_t (w_t . x) w_t, H_1 first
    }
    return x;
}

//// E2
NDArray myPathLogits(NDArray q, NDArray k, NDArray w, NDArray beta) {
    NDManager m = q.getManager();
    long len = q.getShape().get(0);
    NDArray tril = AttentionOps.causalMask(m, len).toType(DataType.FLOAT32, false);   // j <= i
    NDArray strict = tril.sub(m.eye((int) len));                                      // j < i
    NDArray T = m.eye((int) len).add(w.matMul(w.transpose()).mul(beta.reshape(len, 1)).mul(strict)).inverse()
            .mul(beta.reshape(1, len));                                                // (I + strictLower(D W W^T))^-1 D
    return q.matMul(k.transpose()).mul(tril)
            .sub(q.matMul(w.transpose()).mul(tril).matMul(T).matMul(w.matMul(k.transpose()).mul(strict)));
}

//// E3
NDArray k0 = keysBefore.get(":, :, 0");                                       // [1,4,16]
NDArray exercise3 = k0.sub(k0.mul(wNew).sum(new int[] {2}, true).mul(betaNew.expandDims(2)).mul(wNew));
