/**
 * Data for training and probing: text corpora ({@link org.attnlab.data.Corpus}, read from
 * {@code datasets/text/} after {@code ./lab setup}), tokenizers ({@link org.attnlab.data.CharTokenizer},
 * byte-level {@link org.attnlab.data.BpeTokenizer}), and batches of (input, target, loss mask) rows
 * ({@link org.attnlab.data.Batch}, {@link org.attnlab.data.Batches}, {@link org.attnlab.data.BatchSource}).
 * The Brown Corpus comes tagged ({@link org.attnlab.data.BrownCorpus}); {@link org.attnlab.data.GrammarRelations}
 * reads relations off its tags and {@link org.attnlab.data.WordVocabulary} keeps one token per tagged word.
 * Synthetic tasks live in {@link org.attnlab.data.tasks}. Everything random takes an explicit seed
 * ({@link org.attnlab.Seeds}).
 */
package org.attnlab.data;

import org.attnlab.Seeds;