package org.attnlab.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.attnlab.attention.AttentionOps;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory layout RoPE hands on. Projections are split into heads as views ({@code [B, L, H, D]} in memory, read
 * as {@code [B, H, L, D]}); rotated queries and keys must come out laid out in {@code [B, H, L, D]} order, or
 * libtorch copies both before every {@code q k^T} (it cannot batch the product over heads in place). Counted with
 * libtorch's profiler: the copies a matrix product makes show as nested {@code aten::clone} events.
 */
class AttentionLayoutTest {

    /** q k^T of rotated heads split from {@code [B, L, H*D]} projections: the nested clones the product makes. */
    private static int clonesInScores(boolean rope) {
        try (NDManager m = NDManager.newBaseManager()) {
            long b = 2;
            long len = 16;
            long h = 4;
            long d = 8;
            NDArray qp = m.randomNormal(new Shape(b, len, h * d));
            NDArray kp = m.randomNormal(new Shape(b, len, h * d));
            NDArray q = qp.reshape(b, len, h, d).transpose(0, 2, 1, 3);     // as AttentionBlock.splitHeads
            NDArray k = kp.reshape(b, len, h, d).transpose(0, 2, 1, 3);
            NDArray qr = rope ? AttentionOps.rope(q, 10000f) : q;
            NDArray kr = rope ? AttentionOps.rope(k, 10000f) : k;
            Map<String, Integer> all = OpCounter.count(() -> qr.matMul(kr.transpose(0, 1, 3, 2))).allByName();
            return all.getOrDefault("aten::clone", 0) + all.getOrDefault("aten::contiguous", 0);
        }
    }

    @Test
    void rotatedQueriesAndKeysNeedNoCopyForTheirProduct() {
        assertEquals(0, clonesInScores(true), "q k^T of rotated heads copied its operands");
        // the check can fail: un-rotated head views (laid out [B, L, H, D]) are copied
        assertTrue(clonesInScores(false) > 0, "expected the product of head views to copy them");
    }
}
