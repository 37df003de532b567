package org.attnlab.train;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * Counts the NDArrays and managers alive in the whole engine: walks from the system manager (the root of every
 * base manager) through the managers' resource maps. A step that leaks an array or a sub-manager anywhere makes
 * the count grow.
 */
final class NDArrayCensus {

    private static final Field RESOURCES;

    static {
        try {
            RESOURCES = BaseNDManager.class.getDeclaredField("resources");
            RESOURCES.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private NDArrayCensus() {
    }

    /** Live arrays plus live managers under the system manager that {@code any} descends from. */
    static long count(NDManager any) {
        NDManager root = any;
        while (root.getParentManager() != null && root.getParentManager() != root) {
            root = root.getParentManager();
        }
        return countUnder(root);
    }

    @SuppressWarnings("unchecked")
    private static long countUnder(NDManager m) {
        Map<String, AutoCloseable> res;
        try {
            res = (Map<String, AutoCloseable>) RESOURCES.get(m);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        long n = 0;
        for (AutoCloseable r : res.values()) {
            if (r instanceof NDManager sub) {
                n += 1 + countUnder(sub);
            } else if (r instanceof NDArray) {
                n++;
            }
        }
        return n;
    }
}
