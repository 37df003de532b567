package org.attnlab.bench;

import com.google.gson.GsonBuilder;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of named arrays in two files that any language reads without a library: {@code prefix.bin}, the arrays'
 * elements back to back as little-endian float32 or int32, and {@code prefix.json},
 * <pre>
 *   {"meta": {...}, "tensors": {"name": {"dtype": "float32"|"int32", "shape": [..], "offset": bytes}, ..}}
 * </pre>
 * Read by {@code read_tensors} in {@code bench/pytorch/attnlab_ref.py}.
 */
final class TensorFile {

    private final Map<String, Object> tensors = new LinkedHashMap<>();
    private final Map<String, Object> meta = new LinkedHashMap<>();
    private final java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();

    TensorFile meta(String key, Object value) {
        meta.put(key, value);
        return this;
    }

    TensorFile put(String name, float[] values, long[] shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return add(name, "float32", shape, b.array(), values.length);
    }

    TensorFile put(String name, int[] values, long[] shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return add(name, "int32", shape, b.array(), values.length);
    }

    private TensorFile add(String name, String dtype, long[] shape, byte[] bytes, int count) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (n != count) {
            throw new IllegalArgumentException(name + ": shape " + java.util.Arrays.toString(shape) + " holds " + n
                    + " elements but " + count + " were given");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor " + name + " written twice");
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("dtype", dtype);
        e.put("shape", java.util.Arrays.stream(shape).boxed().toList());
        e.put("offset", data.size());
        tensors.put(name, e);
        data.writeBytes(bytes);
        return this;
    }

    void write(Path prefix) throws IOException {
        if (prefix.getParent() != null) {
            Files.createDirectories(prefix.getParent());
        }
        try (OutputStream out = Files.newOutputStream(Path.of(prefix + ".bin"))) {
            data.writeTo(out);
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("meta", meta);
        index.put("tensors", tensors);
        Files.writeString(Path.of(prefix + ".json"), new GsonBuilder().setPrettyPrinting().create().toJson(index));
    }

    static List<Long> boxed(long[] s) {
        return java.util.Arrays.stream(s).boxed().toList();
    }
}
