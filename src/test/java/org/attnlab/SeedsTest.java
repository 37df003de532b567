package org.attnlab;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SeedsTest {

    @Test
    void theChosenSeedIsShownAsTypedAndADerivedOneAsSeedB() {
        long derived = Seeds.derive(42, "second seed");
        assertEquals("seed 42", Seeds.label(42, 42));
        assertEquals("seed B", Seeds.label(derived, 42));
        assertEquals("seed 7", Seeds.label(7, 7));
    }
}
