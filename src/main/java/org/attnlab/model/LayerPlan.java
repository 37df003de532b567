package org.attnlab.model;

import org.attnlab.attention.AttentionKind;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which attention kind each layer holds. Layers are counted two ways: <b>index</b> 0..depth-1 in code (as in
 * hook names {@code blocks.0..}) and <b>number</b> 1..depth as in the paper's tables.
 *
 * <ul>
 *   <li>{@link #uniform}: every layer the same kind;</li>
 *   <li>{@link #hybrid}: the variant in odd layers (numbers 1, 3, 5, ..), the base (standard) in even ones;</li>
 *   <li>{@link #placement}: the paper's placement ablation; a {@link Placement} names the layers that
 *       <i>keep</i> the base kind, the rest get the variant.</li>
 * </ul>
 * The base kind is {@link AttentionKind#STANDARD} unless given; {@linkplain #isVariant variant layers} are the
 * ones whose kind differs from it (those {@link LayerSkip#variantLayers} drops at evaluation).
 */
public final class LayerPlan {

    /**
     * The placement configs of <i>Deconstructing Attention</i>: which layers keep standard attention. At 24 layers
     * (numbers): even 2,4..24; odd 1,3..23; top 1-12; middle 1-6,19-24; bottom 13-24; 25% 4,8..24; first 1;
     * last 24; bilateral 1,24. Scaled to depth n: even/odd as named; top the first floor(n/2), bottom the last
     * floor(n/2); middle keeps h = floor(n/2) layers at the ends (ceil(h/2) first, floor(h/2) last); 25% keeps
     * k = max(1, round(n/4)) layers at numbers round(i n / k), i = 1..k; first, last, bilateral as named.
     */
    public enum Placement {
        EVEN("even"), ODD("odd"), TOP("top"), MIDDLE("middle"), BOTTOM("bottom"), QUARTER("25%"),
        FIRST("first"), LAST("last"), BILATERAL("bilateral");

        private final String label;

        Placement(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** The layer numbers (1-based) keeping the base kind at this depth. */
        public SortedSet<Integer> standardLayers(int depth) {
            requireDepth(depth);
            int n = depth;
            int half = n / 2;
            TreeSet<Integer> keep = new TreeSet<>();
            switch (this) {
                case EVEN -> range(keep, 1, n).removeIf(l -> l % 2 != 0);
                case ODD -> range(keep, 1, n).removeIf(l -> l % 2 == 0);
                case TOP -> range(keep, 1, half);
                case BOTTOM -> range(keep, n - half + 1, n);
                case MIDDLE -> {
                    range(keep, 1, (half + 1) / 2);
                    range(keep, n - half / 2 + 1, n);
                }
                case QUARTER -> {
                    int k = (int) Math.max(1, Math.round(n / 4.0));
                    for (int i = 1; i <= k; i++) {
                        keep.add((int) Math.round((double) i * n / k));
                    }
                }
                case FIRST -> keep.add(1);
                case LAST -> keep.add(n);
                case BILATERAL -> {
                    keep.add(1);
                    keep.add(n);
                }
            }
            return Collections.unmodifiableSortedSet(keep);
        }

        /** Parses a placement by label ({@code even, odd, top, middle, bottom, 25%, first, last, bilateral}). */
        public static Placement parse(String name) {
            String v = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
            for (Placement p : values()) {
                if (p.label.equals(v) || p.name().toLowerCase(Locale.ROOT).equals(v)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("Unknown placement '" + name + "'; known: "
                    + Arrays.stream(values()).map(Placement::label).collect(Collectors.joining("|")));
        }

        private static TreeSet<Integer> range(TreeSet<Integer> into, int from, int to) {
            for (int l = from; l <= to; l++) {
                into.add(l);
            }
            return into;
        }
    }

    private final List<AttentionKind> kinds;
    private final AttentionKind base;

    private LayerPlan(List<AttentionKind> kinds, AttentionKind base) {
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("a LayerPlan needs at least one layer");
        }
        this.kinds = List.copyOf(kinds);
        this.base = base;
    }

    /** Every layer {@code kind}. */
    public static LayerPlan uniform(AttentionKind kind, int depth) {
        requireDepth(depth);
        return new LayerPlan(Collections.nCopies(depth, kind), AttentionKind.STANDARD);
    }

    /** The variant in odd layers (numbers 1, 3, ..), standard attention in even ones (= placement EVEN). */
    public static LayerPlan hybrid(AttentionKind variant, int depth) {
        return placement(Placement.EVEN, variant, AttentionKind.STANDARD, depth);
    }

    /** The layers {@code placement} names keep standard attention; the others get {@code variant}. */
    public static LayerPlan placement(Placement placement, AttentionKind variant, int depth) {
        return placement(placement, variant, AttentionKind.STANDARD, depth);
    }

    /** The layers {@code placement} names keep {@code base}; the others get {@code variant}. */
    public static LayerPlan placement(Placement placement, AttentionKind variant, AttentionKind base, int depth) {
        SortedSet<Integer> keep = placement.standardLayers(depth);
        List<AttentionKind> kinds = new ArrayList<>();
        for (int number = 1; number <= depth; number++) {
            kinds.add(keep.contains(number) ? base : variant);
        }
        return new LayerPlan(kinds, base);
    }

    /** An explicit list, base {@link AttentionKind#STANDARD}. */
    public static LayerPlan of(AttentionKind... kinds) {
        return new LayerPlan(Arrays.asList(kinds), AttentionKind.STANDARD);
    }

    /** An explicit list with its base kind. */
    public static LayerPlan of(List<AttentionKind> kinds, AttentionKind base) {
        return new LayerPlan(kinds, base);
    }

    /**
     * Parses {@code KIND} (uniform), {@code hybrid:KIND}, or {@code PLACEMENT:KIND} (e.g. {@code top:mlp},
     * {@code 25%:approximate}) at the given depth.
     */
    public static LayerPlan parse(String spec, int depth) {
        String s = spec == null ? "" : spec.trim();
        int colon = s.indexOf(':');
        if (colon < 0) {
            return uniform(AttentionKind.parse(s), depth);
        }
        String how = s.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        AttentionKind variant = AttentionKind.parse(s.substring(colon + 1));
        if (how.equals("hybrid")) {
            return hybrid(variant, depth);
        }
        if (how.equals("uniform")) {
            return uniform(variant, depth);
        }
        try {
            return placement(Placement.parse(how), variant, depth);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown layer plan '" + spec + "'; forms: KIND, uniform:KIND, "
                    + "hybrid:KIND, PLACEMENT:KIND with PLACEMENT in even|odd|top|middle|bottom|25%|first|last|bilateral"
                    + " and KIND in " + AttentionKind.known());
        }
    }

    public int depth() {
        return kinds.size();
    }

    /** The kind of layer {@code index} (0-based). */
    public AttentionKind kindAt(int index) {
        if (index < 0 || index >= kinds.size()) {
            throw new IndexOutOfBoundsException("layer index " + index + " outside 0.." + (kinds.size() - 1));
        }
        return kinds.get(index);
    }

    public List<AttentionKind> kinds() {
        return kinds;
    }

    /** The kind non-variant layers hold (standard attention unless given). */
    public AttentionKind base() {
        return base;
    }

    /** True when layer {@code index} (0-based) holds something other than the base kind. */
    public boolean isVariant(int index) {
        return kindAt(index) != base;
    }

    /** Indices (0-based) of the variant layers. */
    public List<Integer> variantIndices() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            if (isVariant(i)) {
                out.add(i);
            }
        }
        return out;
    }

    /** Layer numbers (1-based, as in the paper) holding the base kind. */
    public SortedSet<Integer> baseLayerNumbers() {
        TreeSet<Integer> out = new TreeSet<>();
        for (int i = 0; i < kinds.size(); i++) {
            if (!isVariant(i)) {
                out.add(i + 1);
            }
        }
        return Collections.unmodifiableSortedSet(out);
    }

    /** True when some layer holds {@code kind}. */
    public boolean uses(AttentionKind kind) {
        return kinds.contains(kind);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerPlan p && p.kinds.equals(kinds) && p.base == base;
    }

    @Override
    public int hashCode() {
        return kinds.hashCode() * 31 + base.hashCode();
    }

    /** E.g. {@code [mlp, standard, mlp, standard]}. */
    @Override
    public String toString() {
        return kinds.stream().map(AttentionKind::label).collect(Collectors.joining(", ", "[", "]"));
    }

    private static void requireDepth(int depth) {
        if (depth <= 0) {
            throw new IllegalArgumentException("depth must be positive; got depth=" + depth);
        }
    }
}
