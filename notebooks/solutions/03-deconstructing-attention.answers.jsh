// Solutions of 03 · Deconstructing attention: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 03-deconstructing-attention-solutions.ipynb.

//// P1
String predict1 = "b";   // every other variant still mixes tokens; the MLP leaves each position with its own token only

//// P2
String predict2 = "c";   // the later layers were trained on a residual stream that held the variant layers' outputs

//// E1
NDArray myNonApproxWeights(NDArray q, NDArray k, float scale) {
    long len = q.getShape().get(0);
    NDArray s = q.mul(k).sum(new int[] {1}).mul(scale);                          // [L]: s_j = scale q_j . k_j
    NDArray e = s.sub(s.max()).exp().reshape(1, len);                            // e^(s_j - max), the same in every row
    NDArray lower = AttentionOps.causalMask(q.getManager(), len).toType(DataType.FLOAT32, false);
    NDArray a = lower.mul(e);                                                    // [L, L], 0 where j > i
    return a.div(a.sum(new int[] {1}, true));
}

//// E2
List<AttentionKind> myHybrid(AttentionKind variant, int depth) {
    List<AttentionKind> kinds = new ArrayList<>();
    for (int number = 1; number <= depth; number++) {
        kinds.add(number % 2 == 1 ? variant : AttentionKind.STANDARD);   // odd layer numbers get the variant
    }
    return kinds;
}
