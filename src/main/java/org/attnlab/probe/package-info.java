/**
 * Looking inside any model you can run with hooks ({@link org.attnlab.model.HookedModel}) through its hook points,
 * never through a second copy of the model code. Every probe returns a long Tablesaw table whose column names are
 * in {@link org.attnlab.probe.ProbeTable} ({@code layer, head, [position,] metric, value}):
 * <ul>
 *   <li>{@link org.attnlab.probe.HeadScores}: previous-token, duplicate-token, prefix-matching (induction), sink
 *       mass, local focus, entropy and logit-lens copying of every head, plus any {@link org.attnlab.probe.HeadScore}
 *       of your own;</li>
 *   <li>{@link org.attnlab.probe.Ablation}: zero-, mean- and resample-ablate heads or MLPs, loss and accuracy
 *       before and after;</li>
 *   <li>{@link org.attnlab.probe.ActivationPatching}: clean into corrupted, by (layer, position) of the residual
 *       stream or by (layer, head), the recovered fraction of a {@link org.attnlab.probe.LogitMetric}, as a table
 *       and a heatmap;</li>
 *   <li>{@link org.attnlab.probe.DirectLogitAttribution}: each head's, MLP's and the embedding's share of a logit;</li>
 *   <li>{@link org.attnlab.probe.FunctionVectors}: task-mean head outputs, each head's causal indirect effect on
 *       shuffled-label prompts, the function vector through {@code W_O}, and adding a vector to the residual
 *       stream;</li>
 *   <li>{@link org.attnlab.probe.HeadScoreTracker}: any head score at every evaluation of a training run;</li>
 *   <li>{@link org.attnlab.probe.AttentionDiagnostics}, {@link org.attnlab.probe.InductionScores},
 *       {@link org.attnlab.probe.IterationHeadScores}: the diagnostics and scores of particular papers.</li>
 * </ul>
 */
package org.attnlab.probe;
