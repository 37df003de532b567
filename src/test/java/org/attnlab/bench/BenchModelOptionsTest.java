package org.attnlab.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code BenchModel.from}: a named size or the six shape options, each missing or malformed one named. */
class BenchModelOptionsTest {

    @Test
    void aSizeGivesTheDriversShapeAndSingleOptionsOverrideIt() {
        BenchModel mid = BenchModel.from(Map.of("size", "mid", "kind", "path"));
        assertEquals(new BenchModel("path", 1024, 256, 4, 4, 8, 128, 64, 1), mid);
        BenchModel longer = BenchModel.from(Map.of("size", "tiny", "length", "48", "chunk", "16"));
        assertEquals(new BenchModel("standard", 256, 64, 2, 2, 4, 48, 16, 1), longer);
        assertEquals(BenchModel.from(Map.of("size", "small")), BenchModel.from(Map.of("vocab", "512", "d_model", "128",
                "heads", "4", "layers", "4", "batch", "8", "length", "64")));
    }

    @Test
    void missingUnknownAndMalformedOptionsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchModel.from(Map.of("vocab", "512")));
        assertEquals("--d_model is missing: give --size tiny|small|mid|large, or all of --vocab --d_model --heads "
                + "--layers --batch --length", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchModel.from(Map.of("size", "huge")));
        assertEquals("--size huge is not a bench size; known: [tiny, small, mid, large]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchModel.from(Map.of("size", "mid", "batch", "0")));
        assertEquals("--batch must be a whole number >= 1; got '0'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BenchModel.from(Map.of("size", "mid", "chunk", "x")));
        assertEquals("--chunk must be a whole number >= 1; got 'x'", e.getMessage());
    }
}
