package org.attnlab.train;

import org.attnlab.Seeds;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exact state of a run in one file: every model parameter (trainable or not), AdamW's moments and update
 * count, the number of steps done and the run seed. The random state of a run is (seed, step) (see
 * {@link Seeds}), so restoring these gives bit-identical next steps. Arrays are stored with DJL's
 * {@code NDArray.encode()} (raw bytes, shape, type), so values round-trip bit for bit.
 *
 * <pre>
 *   "ATTNLAB-CKPT" int version=2
 *   long seed, long step, long optimizerStep
 *   int n; n x (utf name, int bytes, encoded array)          model parameters
 *   int k; k x (utf name, encoded m, encoded v)               optimiser moments
 *   32 bytes: SHA-256 of everything above
 * </pre>
 * Files are written to a temporary name and moved into place, so a crash never leaves a half checkpoint. Reading
 * checks the SHA-256 before it looks at anything else: a damaged file (a flipped bit, a truncated copy) is refused
 * by name instead of loading different weights or an optimiser state that later looks like divergence.
 */
public final class Checkpoint {

    private static final String MAGIC = "ATTNLAB-CKPT";
    private static final int VERSION = 2;
    private static final String DIGEST = "SHA-256";
    private static final int DIGEST_BYTES = 32;

    /**
     * What a checkpoint holds besides the arrays.
     *
     * @param seed the run seed
     * @param step updates done when it was written
     */
    public record Header(long seed, long step) {
    }

    private Checkpoint() {
    }

    /** Writes {@code params} (all of the model's), {@code optimizer}'s state, {@code seed} and {@code step}. */
    public static void write(Path file, long seed, long step, PairList<String, Parameter> params, AdamW optimizer) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            MessageDigest sha = sha256();
            try (DigestOutputStream digesting = new DigestOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(tmp)), sha);
                 DataOutputStream out = new DataOutputStream(digesting)) {
                out.writeUTF(MAGIC);
                out.writeInt(VERSION);
                out.writeLong(seed);
                out.writeLong(step);
                out.writeLong(optimizer.stepCount());
                Map<String, NDArray> arrays = arrays(params);
                out.writeInt(arrays.size());
                for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
                    out.writeUTF(e.getKey());
                    writeArray(out, e.getValue());
                }
                List<String> names = optimizer.parameterNames();
                out.writeInt(names.size());
                for (String name : names) {
                    out.writeUTF(name);
                    writeArray(out, optimizer.firstMoment(name));
                    writeArray(out, optimizer.secondMoment(name));
                }
                out.flush();
                digesting.on(false);
                out.write(sha.digest()); // the checksum of all that came before it
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write checkpoint " + file, e);
        }
    }

    /** Reads only the header of a checkpoint. */
    public static Header readHeader(Path file) {
        try (DataInputStream in = open(file)) {
            return readHeaderFrom(in, file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read checkpoint " + file, e);
        }
    }

    /**
     * Copies the checkpoint's arrays into {@code params} and {@code optimizer} in place (the arrays keep their
     * identity, so blocks and parameter stores holding them see the new values) and returns the header. Fails,
     * changing nothing, if a name, shape or type does not match.
     */
    public static Header read(Path file, PairList<String, Parameter> params, AdamW optimizer, NDManager scratchParent) {
        try (DataInputStream in = open(file); NDManager scratch = scratchParent.newSubManager()) {
            Header h = readHeaderFrom(in, file);
            long optStep = in.readLong();
            Map<String, NDArray> targets = arrays(params);
            int n = in.readInt();
            Map<String, NDArray> loaded = new HashMap<>();
            for (int i = 0; i < n; i++) {
                loaded.put(in.readUTF(), readArray(in, scratch));
            }
            if (!loaded.keySet().equals(targets.keySet())) {
                throw new IllegalArgumentException("checkpoint " + file + " has parameters " + loaded.keySet()
                        + " but the model has " + targets.keySet());
            }
            int k = in.readInt();
            Map<String, NDArray[]> moments = new HashMap<>();
            for (int i = 0; i < k; i++) {
                String name = in.readUTF();
                moments.put(name, new NDArray[] {readArray(in, scratch), readArray(in, scratch)});
            }
            if (!moments.keySet().equals(new java.util.HashSet<>(optimizer.parameterNames()))) {
                throw new IllegalArgumentException("checkpoint " + file + " has optimiser state for " + moments.keySet()
                        + " but the optimiser updates " + optimizer.parameterNames());
            }
            for (Map.Entry<String, NDArray> e : targets.entrySet()) {
                checkLike(file, e.getKey(), loaded.get(e.getKey()), e.getValue());
            }
            for (String name : optimizer.parameterNames()) {
                checkLike(file, name + " (m)", moments.get(name)[0], optimizer.firstMoment(name));
                checkLike(file, name + " (v)", moments.get(name)[1], optimizer.secondMoment(name));
            }
            // all checked: now overwrite
            for (Map.Entry<String, NDArray> e : targets.entrySet()) {
                copyInto(loaded.get(e.getKey()), e.getValue());
            }
            for (String name : optimizer.parameterNames()) {
                copyInto(moments.get(name)[0], optimizer.firstMoment(name));
                copyInto(moments.get(name)[1], optimizer.secondMoment(name));
            }
            optimizer.setStepCount(optStep);
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read checkpoint " + file, e);
        }
    }

    /** The file's contents after its checksum is verified; fails naming the file if it is damaged. */
    private static DataInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no checkpoint file at " + file.toAbsolutePath());
        }
        byte[] bytes = Files.readAllBytes(file);
        // the magic and version first, so another kind of file is called that, not "damaged"
        DataInputStream head = new DataInputStream(new ByteArrayInputStream(bytes));
        readHeaderFrom(head, file);
        int body = bytes.length - DIGEST_BYTES;
        MessageDigest sha = sha256();
        sha.update(bytes, 0, Math.max(body, 0));
        byte[] stored = Arrays.copyOfRange(bytes, Math.max(body, 0), bytes.length);
        byte[] computed = sha.digest();
        if (body < 0 || !MessageDigest.isEqual(stored, computed)) {
            throw new IllegalArgumentException("checkpoint " + file.toAbsolutePath() + " is damaged: its SHA-256 ("
                    + HexFormat.of().formatHex(computed) + ") does not match the one stored in it ("
                    + HexFormat.of().formatHex(stored) + "), so it was changed after it was written (a bad disk or "
                    + "copy). It was not loaded; delete it and train from the start or from another checkpoint.");
        }
        return new DataInputStream(new ByteArrayInputStream(bytes, 0, body));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance(DIGEST);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no " + DIGEST, e);
        }
    }

    private static Header readHeaderFrom(DataInputStream in, Path file) throws IOException {
        String magic;
        try {
            magic = in.readUTF();
        } catch (IOException e) {
            magic = "";
        }
        if (!MAGIC.equals(magic)) {
            throw new IllegalArgumentException(file + " is not an Attention Lab checkpoint");
        }
        int version = in.readInt();
        if (version == 1) {
            throw new IllegalArgumentException("checkpoint " + file + " has format version 1, which has no checksum,"
                    + " so it cannot be told from a damaged file; this code reads version " + VERSION
                    + ". Delete it and train again.");
        }
        if (version != VERSION) {
            throw new IllegalArgumentException("checkpoint " + file + " has format version " + version
                    + "; this code reads version " + VERSION);
        }
        return new Header(in.readLong(), in.readLong());
    }

    /** Parameter arrays by name, tied arrays once (first name wins). */
    private static Map<String, NDArray> arrays(PairList<String, Parameter> params) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        java.util.Set<NDArray> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Pair<String, Parameter> p : params) {
            if (!p.getValue().isInitialized()) {
                throw new IllegalArgumentException("parameter '" + p.getKey() + "' is not initialized");
            }
            NDArray a = p.getValue().getArray();
            if (seen.add(a)) {
                out.put(p.getKey(), a);
            }
        }
        return out;
    }

    private static void writeArray(DataOutputStream out, NDArray a) throws IOException {
        byte[] bytes = a.encode();
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static NDArray readArray(DataInputStream in, NDManager manager) throws IOException {
        int len = in.readInt();
        byte[] bytes = in.readNBytes(len);
        if (bytes.length != len) {
            throw new IOException("checkpoint ends early");
        }
        return NDArray.decode(manager, bytes);
    }

    private static void checkLike(Path file, String name, NDArray loaded, NDArray target) {
        if (!loaded.getShape().equals(target.getShape()) || loaded.getDataType() != target.getDataType()) {
            throw new IllegalArgumentException("checkpoint " + file + ": '" + name + "' is " + loaded.getShape() + " "
                    + loaded.getDataType() + " but the model's is " + target.getShape() + " " + target.getDataType());
        }
    }

    /** Copies values in place (torch copy_ through a full-slice index), keeping the target's identity and grad flag. */
    private static void copyInto(NDArray source, NDArray target) {
        NDArray src = source.toDevice(target.getDevice(), false);
        if (target.getShape().dimension() == 0) {
            target.set(new NDIndex(), src);
        } else {
            target.set(new NDIndex(":"), src);
        }
    }
}
