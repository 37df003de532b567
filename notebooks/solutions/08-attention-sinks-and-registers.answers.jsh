// Solutions of 08 · Attention sinks and registers: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 08-attention-sinks-and-registers-solutions.ipynb.

//// P1
String predict1 = "b";   // softmax weights sum to 1: a head with nothing to do parks them on BOS, whose value it keeps harmless

//// P2
String predict2 = "b";   // eviction hurts through the sink heads; where the model has none, window and sink caches stay close

//// E1
double sinkMass(float[][] w) {
    if (w.length < 2) return Double.NaN;
    double sum = 0;
    for (int i = 1; i < w.length; i++) sum += w[i][0];   // query 0 can only see itself: left out
    return sum / (w.length - 1);
}

//// E2
float[] sees(int t, int sinks, int window) {
    float[] m = new float[64];
    for (int j = 0; j <= t && j < 64; j++) if (j < sinks || j > t - window) m[j] = 1f;   // the first tokens, and the last `window` up to t
    return m;
}
// With sinks = 0 the first position a query stops seeing is 0, the first token, once t >= window. A sink head had
// learned to park its weight there (a key every query could see, with a harmless value); with it gone, the same
// softmax must spread that weight over real tokens, and their values now flow into the residual stream.
