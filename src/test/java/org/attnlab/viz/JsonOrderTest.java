package org.attnlab.viz;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** JSON written for a report is the same in every JVM: Map.of's per-JVM order is replaced by key order. */
class JsonOrderTest {

    @Test
    void mapsWithoutAnOrderAreWrittenByKeyAndOrderedMapsKeepTheirs() {
        Map<String, Object> any = Map.of("t", 50, "l", 70, "b", 55, "r", 20, "x", 1, "a", 2, "m", 3, "z", 4);
        assertEquals("{\"a\":2,\"b\":55,\"l\":70,\"m\":3,\"r\":20,\"t\":50,\"x\":1,\"z\":4}", Json.write(any));
        Map<String, Object> inserted = new LinkedHashMap<>();
        inserted.put("z", 1);
        inserted.put("a", Map.of("y", 1, "b", 2));
        assertEquals("{\"z\":1,\"a\":{\"b\":2,\"y\":1}}", Json.write(inserted));
    }
}
