package org.attnlab.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts the operators a piece of DJL code runs in libtorch, with libtorch's own profiler (DJL's
 * {@code JniUtils.startProfile}, which writes a Chrome trace). What is counted:
 * <ul>
 *   <li>{@code ops}: <b>top-level</b> operator events on the calling thread, i.e. events not nested in another
 *       event. In a forward pass or an optimiser step each one is one DJL call that reached libtorch (a DJL
 *       {@code get} slice can issue several); in a backward pass each one is one autograd node
 *       ({@code autograd::engine::evaluate_function: XBackward0}) or one gradient accumulation;</li>
 *   <li>{@code nested}: every operator event, nested ones included (what libtorch ran in all).</li>
 * </ul>
 * Not counted: DJL calls that run no operator (reading a shape, wrapping the gradient, attaching to a manager).
 * The same rule counts PyTorch's events in {@code bench/pytorch/worker.py}, so the two columns compare, except
 * that PyTorch's {@code Optimizer.step} annotation is looked through (its ops are counted).
 * The counts are deterministic: the same code on the same shapes gives the same numbers, whatever the load.
 */
final class OpCounter {

    /**
     * Counts of one profiled region; {@code byName} holds the top-level events by operator name, {@code allByName}
     * every event (nested ones too) by name.
     */
    record Counts(int ops, int nested, Map<String, Integer> byName, Map<String, Integer> allByName) {

        /** The counts of several regions together. */
        static Counts sum(Counts... parts) {
            int ops = 0;
            int nested = 0;
            Map<String, Integer> byName = new TreeMap<>();
            Map<String, Integer> allByName = new TreeMap<>();
            for (Counts c : parts) {
                ops += c.ops();
                nested += c.nested();
                c.byName().forEach((k, v) -> byName.merge(k, v, Integer::sum));
                c.allByName().forEach((k, v) -> allByName.merge(k, v, Integer::sum));
            }
            return new Counts(ops, nested, byName, allByName);
        }
    }

    private OpCounter() {
    }

    /** Runs {@code body} under the profiler and counts its operators. Not reentrant. */
    static Counts count(Runnable body) {
        Path file;
        try {
            file = Files.createTempFile("attnlab-ops", ".json");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary file for the profiler trace", e);
        }
        try {
            JniUtils.startProfile(false, false, false);
            try {
                body.run();
            } finally {
                JniUtils.stopProfile(file.toString());
            }
            return parse(file);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    private record Event(String name, double start, double end, String tid) {
    }

    static Counts parse(Path trace) {
        JsonElement root;
        try (Reader r = Files.newBufferedReader(trace)) {
            root = JsonParser.parseReader(r);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the profiler trace " + trace, e);
        }
        JsonArray events = root.isJsonArray() ? root.getAsJsonArray() : root.getAsJsonObject().getAsJsonArray("traceEvents");
        List<Event> list = new ArrayList<>();
        for (JsonElement e : events) {
            JsonObject o = e.getAsJsonObject();
            if (!o.has("ph") || !"X".equals(o.get("ph").getAsString()) || !o.has("dur")) {
                continue;
            }
            double ts = o.get("ts").getAsDouble();
            list.add(new Event(o.get("name").getAsString(), ts, ts + o.get("dur").getAsDouble(),
                    o.has("tid") ? o.get("tid").getAsString() : ""));
        }
        // parents first: earlier start, and at equal start the longer event
        list.sort(Comparator.comparingDouble(Event::start).thenComparing(Comparator.comparingDouble(Event::end).reversed()));
        Map<String, Deque<Double>> open = new TreeMap<>();
        Map<String, Integer> byName = new TreeMap<>();
        Map<String, Integer> allByName = new TreeMap<>();
        int top = 0;
        for (Event e : list) {
            allByName.merge(e.name(), 1, Integer::sum);
            Deque<Double> stack = open.computeIfAbsent(e.tid(), k -> new ArrayDeque<>());
            while (!stack.isEmpty() && stack.peek() <= e.start()) {
                stack.pop();
            }
            if (stack.isEmpty()) {
                top++;
                byName.merge(e.name(), 1, Integer::sum);
            }
            stack.push(e.end());
        }
        return new Counts(top, list.size(), byName, allByName);
    }
}
