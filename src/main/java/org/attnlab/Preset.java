package org.attnlab;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How big a run is. Every experiment and notebook reads the preset from {@link Settings}.
 * <ul>
 *   <li>{@code SMOKE}: CI, seconds; proves the code runs end to end.</li>
 *   <li>{@code QUICK}: the default; a laptop or Binder CPU shows the finding in a few minutes.</li>
 *   <li>{@code FULL}: one GPU; the closest we get to the paper's setting.</li>
 * </ul>
 */
public enum Preset {
    SMOKE, QUICK, FULL;

    /** Parses {@code smoke|quick|full} (any case); anything else fails naming the allowed values. */
    public static Preset parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (Preset p : values()) {
            if (p.label().equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown preset '" + value + "'; allowed: " + allowed());
    }

    /** The lower-case name used on the command line and in {@code ATTNLAB_PRESET}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Picks one of three values by preset: {@code preset.pick(smoke, quick, full)}. */
    public <T> T pick(T smoke, T quick, T full) {
        return switch (this) {
            case SMOKE -> smoke;
            case QUICK -> quick;
            case FULL -> full;
        };
    }

    /** {@code pick} for ints, so call sites read {@code preset.pick(20, 400, 5000)}. */
    public int pick(int smoke, int quick, int full) {
        return switch (this) {
            case SMOKE -> smoke;
            case QUICK -> quick;
            case FULL -> full;
        };
    }

    static String allowed() {
        return Arrays.stream(values()).map(Preset::label).collect(Collectors.joining("|"));
    }
}
