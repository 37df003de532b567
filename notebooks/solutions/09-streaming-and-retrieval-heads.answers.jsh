// Solutions of 09 · Streaming heads and retrieval heads: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 09-streaming-and-retrieval-heads-solutions.ipynb.

//// P1
String predict1 = "a";   // the value reaches the answer through the heads that attend to the needle and copy it

//// P2
String predict2 = "b";   // no head with a short window can see the needle; DuoAttention's retrieval heads still can

//// E1
double retrievalScore(float[][] w, int[] tokens, int[] needle, int[] queries, int[] generated) {
    Set<Integer> inNeedle = Arrays.stream(needle).boxed().collect(Collectors.toSet());
    int copied = 0;
    for (int m = 0; m < queries.length; m++) {
        int q = queries[m], top = 0;
        for (int j = 1; j <= q; j++) if (w[q][j] > w[q][top]) top = j;                 // the first of the largest
        if (inNeedle.contains(top) && tokens[top] == generated[m]) copied++;            // copied from the needle
    }
    return copied / (double) queries.length;
}

//// E2
double streamingScore(float[][] w, int sink, int window) {
    int first = sink + window;
    if (first >= w.length) return Double.NaN;
    double sum = 0;
    for (int i = first; i < w.length; i++) {
        for (int j = 0; j < sink; j++) sum += w[i][j];                     // the sink
        for (int j = i - window + 1; j <= i; j++) sum += w[i][j];          // the recent window, the query included
    }
    return sum / (w.length - first);
}
// Not from the score alone: it averages over every query, and a retrieval head may rest on the sink at almost every
// filler token and look far back only at the few answer positions, which the mean hardly sees. Check the head's
// attention at the answer queries (its retrieval score), or better run the model with that head restricted to
// sink + window and measure needle accuracy, as section 5 does.
