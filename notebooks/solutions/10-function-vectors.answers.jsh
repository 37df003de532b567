// Solutions of 10 · Function vectors: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 10-function-vectors-solutions.ipynb.

//// P1
String predict1 = "b";   // `<s> x ->` does not say which function: the model can only fall back on one default guess

//// E1
NDArray layerPart(NDArray meanZ, NDArray wo, int[] chosen) {
    int D = (int) meanZ.getShape().get(1);
    NDArray sum = null;
    for (int h : chosen) {
        NDArray z = meanZ.get(h).reshape(1, D);                              // (1, D)
        NDArray rows = wo.get(new NDIndex("{}:{}, :", h * D, (h + 1) * D));  // (D, d): head h's slice of W_O
        NDArray part = z.matMul(rows).reshape(-1);                           // (d)
        sum = sum == null ? part : sum.add(part);
    }
    return sum;
}

//// P2
String predict2 = "b";   // the vector is the top heads' average message at the query of first-letter prompts; later layers read it
