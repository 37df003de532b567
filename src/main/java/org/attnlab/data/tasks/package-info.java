/**
 * Seeded synthetic tasks, one class each, behind one interface ({@link org.attnlab.data.tasks.Task}):
 * flip-flop language modelling, A5/S5 word problems, MQRAR-N, repeated random tokens (induction), parity with and
 * without chain of thought, an agreement grammar with minimal pairs, needle-in-a-haystack retrieval and
 * in-context function tasks. Each class's Javadoc shows its format on a concrete example; every example carries a
 * loss mask (only graded positions count) and named positions for probes.
 */
package org.attnlab.data.tasks;
