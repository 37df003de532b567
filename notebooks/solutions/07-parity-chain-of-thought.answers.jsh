// Solutions of 07 · Parity, chain of thought and iteration heads: one section per answer cell of the lesson
// (metadata attnlab.answer). tools/make_solutions.py puts them into the lesson and writes
// 07-parity-chain-of-thought-solutions.ipynb.

//// P1
String predict1 = "b";   // one CoT step needs one bit and one state; the answer without CoT needs all L bits at once

//// P2
String predict2 = "b";   // without the iteration head x_t is unknown, and s_t = s_{t-1} XOR x_t becomes a coin flip

//// E1
int[] cotTargets(int[] bits) {
    int[] s = new int[bits.length];
    int parity = 0;
    for (int t = 0; t < bits.length; t++) {
        parity ^= bits[t];          // s_t = s_{t-1} XOR x_t, with s_0 = 0
        s[t] = parity;
    }
    return s;
}

//// E2
double iterationPeaked(float[][] w, int bits) {
    int hits = 0;
    for (int t = 1; t <= bits; t++) {
        if (w[bits + t][t] > 0.5) hits++;   // the query at L + t predicts s_t and needs x_t, at position t
    }
    return (double) hits / bits;
}
