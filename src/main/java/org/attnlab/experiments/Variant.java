package org.attnlab.experiments;

import org.attnlab.attention.AttentionKind;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The attention variants the PaTH paper compares on state tracking (flip-flop, word problems, MQRAR), under the
 * paper's display names: the one place that maps a display name to an {@link AttentionKind}. Tables and notes
 * show {@link #displayName()}; code passes the enum.
 */
public enum Variant {
    /** Softmax attention with rotary positions: the paper's baseline. */
    ROPE("RoPE", AttentionKind.STANDARD),
    /** Softmax attention with no position encoding. */
    NOPE("NoPE", AttentionKind.NOPE),
    /** Forgetting attention. */
    FOX("FoX", AttentionKind.FOX),
    /** PaTH: data-dependent Householder products between key and query. */
    PATH("PaTH", AttentionKind.PATH),
    /** PaTH with FoX's forget gate. */
    PATH_FOX("PaTH-FoX", AttentionKind.PATH_FOX);

    private final String displayName;
    private final AttentionKind kind;

    Variant(String displayName, AttentionKind kind) {
        this.displayName = displayName;
        this.kind = kind;
    }

    /** The paper's name, as tables and figures show it: {@code RoPE}, {@code PaTH-FoX}. */
    public String displayName() {
        return displayName;
    }

    /** The attention in every layer of a model of this variant. */
    public AttentionKind kind() {
        return kind;
    }

    /**
     * The variant whose display name is {@code name} (case ignored): {@code "PaTH"}, {@code "rope"}; an unknown
     * name fails listing the known ones.
     */
    public static Variant named(String name) {
        for (Variant v : values()) {
            if (v.displayName.equalsIgnoreCase(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("Unknown variant '" + name + "'; known: " + Arrays.stream(values())
                .map(Variant::displayName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return displayName;
    }
}
