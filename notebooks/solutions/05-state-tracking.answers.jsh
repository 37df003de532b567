// Solutions of 05 · State tracking: one section per answer cell of the lesson (metadata attnlab.answer).
// tools/make_solutions.py puts them into the lesson and writes 05-state-tracking-solutions.ipynb.

//// P1
String predict1 = "c";   // 30% in-distribution error: not learned, so the OOD column cannot show a generalisation failure

//// P2
String predict2 = "b";   // the per-position mean includes the easy short prefixes; s_L needs the whole word composed

//// P3
String predict3 = "c";   // FoX must learn plain recall (N = 1) before its N = 2 accuracy says anything

//// E1
int[] flipFlopReads(int[] seq) {
    List<Integer> out = new ArrayList<>();
    int lastWritten = -1;
    for (int t = 0; t + 1 < seq.length; t += 2) {            // pairs (instruction, bit)
        if (seq[t] == FlipFlopTask.W) lastWritten = seq[t + 1];
        else if (seq[t] == FlipFlopTask.R) out.add(lastWritten);
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
}

//// E2
int[] runningStates(PermutationGroup group, int[] elements) {
    int[] state = {0, 1, 2, 3, 4};                             // s_0 = e
    int[] out = new int[elements.length];
    for (int t = 0; t < elements.length; t++) {
        state = PermutationGroup.compose(state, group.element(elements[t]));   // s_t = s_{t-1} g_t: g_t acts first
        out[t] = group.indexOf(state);
    }
    return out;
}

//// E3
NDArray forgetBias(NDArray logForget) {
    NDArray g = logForget.cumSum(0);                           // G_i = sum_{s <= i} log f_s
    return g.expandDims(1).sub(g.expandDims(0));               // (L,1) - (1,L): G_i - G_j
}

//// E4
String composed = "(12345)";
