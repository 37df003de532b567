// Solutions of 06 · Induction heads: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 06-induction-heads-solutions.ipynb.

//// P1
String predict1 = "b";   // a key at j is made from token j alone in layer 0; "the token before me" must be copied there first

//// P2
String predict2 = "b";   // K-composition: the induction head's key at prev(i)+1 reads what the previous-token head wrote

//// E1
double prefixMatching(float[][] w, int[] tokens) {
    double sum = 0;
    int count = 0;
    for (int i = 1; i < tokens.length; i++) {
        int prev = -1;
        for (int j = i - 1; j >= 0; j--) if (tokens[j] == tokens[i]) { prev = j; break; }   // the latest earlier copy
        if (prev >= 0 && prev + 1 < i) { sum += w[i][prev + 1]; count++; }                // the token after it
    }
    return count == 0 ? Double.NaN : sum / count;
}

//// E2
double duplicateToken(float[][] w, int[] tokens) {
    double sum = 0;
    int count = 0;
    for (int i = 1; i < tokens.length; i++) {
        for (int j = i - 1; j >= 0; j--) if (tokens[j] == tokens[i]) { sum += w[i][j]; count++; break; }   // the earlier copy itself
    }
    return count == 0 ? Double.NaN : sum / count;
}
// A 1-layer model can push the duplicate-token score towards 1: query and key both see the token itself, so "same
// token" is a match one layer can make. But the value it reads is the earlier copy of the *current* token, A, not
// the B that followed it; predicting B needs the prefix-matching pattern, whose key must know its predecessor.
