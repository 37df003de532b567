package org.attnlab.attention;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Hook points in the TransformerLens style: every activation a probe may want passes through
 * {@link #apply(String, NDArray)} under a name derived from the model's structure, e.g.
 * {@code blocks.3.attn.pattern}. A hook sees the array and returns it (recording) or a replacement (ablation,
 * patching). The names a {@code DecoderLM} fires are listed in {@code DecoderLM.hookNames()}.
 *
 * <p>A {@code Hooks} is mutable while hooks are being added, then passed to a forward pass. {@link #scope}
 * returns a view that prefixes names, which is how a block fires {@code pattern} and the probe sees
 * {@code blocks.3.attn.pattern}.
 */
public final class Hooks {

    private record Entry(Predicate<String> names, BiFunction<String, NDArray, NDArray> fn) {
    }

    private static final Hooks NONE = new Hooks(List.of(), "");

    private final List<Entry> entries;
    private final String prefix;

    private Hooks(List<Entry> entries, String prefix) {
        this.entries = entries;
        this.prefix = prefix;
    }

    /** No hooks: {@link #apply} returns its argument, {@link #wants} is false. */
    public static Hooks none() {
        return NONE;
    }

    /** An empty set of hooks to add to. */
    public static Hooks create() {
        return new Hooks(new ArrayList<>(), "");
    }

    /** Adds a hook on one full name; it returns the array to use from there on (its argument to only observe). */
    public Hooks add(String name, UnaryOperator<NDArray> fn) {
        return add(name::equals, (n, x) -> fn.apply(x));
    }

    /** Adds a hook on every full name {@code names} accepts; the function gets the full name and the array. */
    public Hooks add(Predicate<String> names, BiFunction<String, NDArray, NDArray> fn) {
        if (this == NONE || !prefix.isEmpty()) {
            throw new IllegalStateException("add hooks to a Hooks from Hooks.create(), not to none() or a scope");
        }
        entries.add(new Entry(names, fn));
        return this;
    }

    /** Records (without changing) every activation whose full name {@code names} accepts into {@code into}. */
    public Hooks record(Map<String, NDArray> into, Predicate<String> names) {
        return add(names, (n, x) -> {
            into.put(n, x);
            return x;
        });
    }

    /**
     * Hooks that run this set's hooks on a name, then {@code after}'s (a snapshot of both: hooks added to either
     * later are not seen). How a model wraps its own hooks around a caller's, e.g. the learned-positions model adds
     * its positions at {@code embed} before the caller's hooks see {@code embed}.
     */
    public Hooks then(Hooks after) {
        if (after == null) {
            throw new IllegalArgumentException("after must be a Hooks (Hooks.none() for none), not null");
        }
        if (!prefix.isEmpty() || !after.prefix.isEmpty()) {
            throw new IllegalStateException("compose top-level hooks, not scoped views ('" + prefix + "', '"
                    + after.prefix + "')");
        }
        if (entries.isEmpty() && after.entries.isEmpty()) {
            return NONE;
        }
        List<Entry> both = new ArrayList<>(entries);
        both.addAll(after.entries);
        return new Hooks(both, "");
    }

    /** True when no hook is set (a forward pass with these hooks is a plain forward pass). */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** A view whose names are prefixed with {@code name + "."}. */
    public Hooks scope(String name) {
        if (entries.isEmpty()) {
            return NONE;
        }
        return new Hooks(entries, prefix + name + ".");
    }

    /**
     * True when any hook is registered. Layers free their intermediates early only when no hook is (a hook may
     * keep, or derive arrays from, anything it sees, so with hooks everything lives until the caller's manager
     * closes, as before).
     */
    public boolean active() {
        return !entries.isEmpty();
    }

    /** The full name of a local name in this scope. */
    public String fullName(String localName) {
        return prefix + localName;
    }

    /** True when some hook listens to this local name (lets a block skip computing what nobody asked for). */
    public boolean wants(String localName) {
        if (entries.isEmpty()) {
            return false;
        }
        String full = prefix + localName;
        for (Entry e : entries) {
            if (e.names.test(full)) {
                return true;
            }
        }
        return false;
    }

    /** Passes {@code x} through every hook on this name, in the order they were added. */
    public NDArray apply(String localName, NDArray x) {
        if (entries.isEmpty()) {
            return x;
        }
        String full = prefix + localName;
        NDArray out = x;
        for (Entry e : entries) {
            if (e.names.test(full)) {
                out = e.fn.apply(full, out);
                if (out == null) {
                    throw new IllegalStateException("hook on " + full + " returned null; return the array to keep it");
                }
            }
        }
        return out;
    }
}
