/**
 * Looking inside a trained model through its hook points, never through a second copy of the model code.
 * {@link org.attnlab.probe.AttentionDiagnostics}: per layer and head, from the attention weights
 * {@code DecoderLM.patterns} hands out, the entropy, attention-sink mass, local focus, concentration and head
 * diversity of <i>Deconstructing Attention</i> and the attention-sink papers, plus the largest pre-softmax logit,
 * as a long table {@code (layer, head, metric, value)}.
 */
package org.attnlab.probe;
