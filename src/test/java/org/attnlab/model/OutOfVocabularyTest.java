package org.attnlab.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A token id outside the vocabulary names the token and the vocabulary, not PyTorch's "index out of range". */
class OutOfVocabularyTest {

    @Test
    void tooLargeAndNegativeTokensAreNamed() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            DecoderLM model = DecoderLM.create(ModelConfig.builder(16, 8, 2, 1).maxLength(8).build(), m, 1);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray big = m.create(new int[] {1, 2, 99, 3}).reshape(1, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(ps, new NDList(big), false));
            assertEquals("token id 99 is outside the model's vocabulary of 16 (ids 0..15); encode the input with the "
                    + "tokenizer or task the model was built for, or build it with vocabSize > 99", e.getMessage());
            NDArray negative = m.create(new int[] {1, -4, 2, 3}).reshape(1, 4);
            IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(ps, new NDList(negative), false));
            assertEquals("token id -4 is outside", n.getMessage().substring(0, 22));
            NDArray fine = m.create(new int[] {0, 15, 2, 3}).reshape(1, 4);
            assertEquals(16, model.forward(ps, new NDList(fine), false).singletonOrThrow().getShape().get(2));
        }
    }
}
