// Solutions of 11 · Grammar heads: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 11-grammar-heads-solutions.ipynb.

//// P1
String predict1 = "b";   // determiners sit one or two words before their noun: a fixed offset already scores high

//// P2
String predict2 = "b";   // an order in time is not a cause: only removing or suppressing the head tests the dependence

//// E1
double relationAccuracy(float[][] w, int[][] arcs) {
    if (arcs.length == 0) return Double.NaN;
    int hits = 0;
    for (int[] arc : arcs) {
        int i = arc[0], best = 0;
        for (int j = 1; j <= i; j++) if (w[i][j] > w[i][best]) best = j;   // strictly greater: the earliest of ties stays
        if (best == arc[1]) hits++;
    }
    return hits / (double) arcs.length;
}
