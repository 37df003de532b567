"""bench/kernel_table.py on hand-built traces: self time (a parent minus its direct children), medians per call,
phases, and both trace formats (DJL's list with `shape`, torch.profiler's object with `Input Dims`)."""
import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import kernel_table as kt  # noqa: E402


def djl_event(name, ts, dur, shape=()):
    return {"name": name, "ph": "X", "ts": ts, "dur": dur, "tid": 1, "pid": "CPU Functions", "shape": [list(s) for s in shape]}


def pt_event(name, ts, dur, dims=(), cat="cpu_op"):
    return {"ph": "X", "cat": cat, "name": name, "tid": 7, "ts": ts, "dur": dur, "args": {"Input Dims": [list(d) for d in dims]}}


class KernelTableTest(unittest.TestCase):
    def write(self, obj):
        f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(obj, f)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_self_time_is_the_duration_minus_direct_children(self):
        # one step: embedding, a matmul containing an mm containing an empty, then a backward node, then an add_
        djl = self.write([
            djl_event("aten::embedding", 0, 10),
            djl_event("aten::matmul", 20, 100, [(4, 8), (8, 2)]),
            djl_event("aten::mm", 25, 80, [(4, 8), (8, 2)]),
            djl_event("aten::empty", 30, 5),
            djl_event("autograd::engine::evaluate_function: MmBackward0", 200, 50),
            djl_event("aten::mm", 210, 30, [(2, 4), (4, 8)]),
            djl_event("aten::add_", 300, 7),
        ])
        got = {name: round(us, 6) for name, _, us in kt.self_times(sorted(kt.events(djl), key=lambda e: (e[1], -e[2])))}
        self.assertEqual(20.0, got["aten::matmul"])                      # 100 - 80
        self.assertEqual(5.0, got["aten::empty"])
        self.assertEqual(20.0, got["autograd::engine::evaluate_function: MmBackward0"])   # 50 - 30
        phases = kt.phase_times(djl, 1)
        self.assertAlmostEqual((10 + 20 + 75 + 5) / 1e3, phases["forward"])
        self.assertAlmostEqual((20 + 30) / 1e3, phases["backward"])
        self.assertAlmostEqual(7 / 1e3, phases["optimizer"])

    def test_medians_per_call_ignore_one_descheduled_call_and_sums_do_not(self):
        evs = [pt_event("ProfilerStep#1", 0, 10_000, cat="user_annotation")]
        for i, dur in enumerate([10, 11, 12, 500]):                     # one call descheduled
            evs.append(pt_event("aten::mul", 100 + i * 1000, dur, [(3, 4), (3, 4)]))
        pt = self.write({"traceEvents": evs})
        med = kt.aggregate(pt, "name", 1, "median")["aten::mul"]
        tot = kt.aggregate(pt, "name", 1, "sum")["aten::mul"]
        self.assertEqual(4, med[0])
        self.assertAlmostEqual(4 * 11.5 / 1e3, med[1])
        self.assertAlmostEqual(533 / 1e3, tot[1])
        self.assertNotIn("ProfilerStep#1", kt.aggregate(pt, "name", 1, "sum"))
        by_shape = kt.aggregate(pt, "shape", 2, "sum")
        self.assertEqual(["aten::mul ((3, 4), (3, 4))"], list(by_shape))
        self.assertEqual(2.0, by_shape["aten::mul ((3, 4), (3, 4))"][0])   # calls per step over 2 steps

    def test_the_table_puts_both_engines_side_by_side(self):
        djl = self.write([djl_event("aten::embedding", 0, 5), djl_event("aten::mm", 10, 40, [(2, 2), (2, 2)])])
        pt = self.write({"traceEvents": [pt_event("aten::embedding", 0, 5), pt_event("aten::mm", 10, 30, [(2, 2), (2, 2)]),
                                         pt_event("aten::lerp_", 50, 6, [(2,), (2,)])]})
        out = io.StringIO()
        sys.argv = ["kernel_table.py", djl, pt, "--steps", "1", "--markdown"]
        with redirect_stdout(out):
            kt.main()
        text = out.getvalue()
        self.assertIn("| `aten::mm` | 1 | 1 | 0.04 | 0.03 | +0.01 |", text)
        self.assertIn("| `aten::lerp_` | 0 | 1 | 0.00 | 0.01 | -0.01 |", text)
        self.assertIn("| all ops | 2 | 3 |", text)


if __name__ == "__main__":
    unittest.main()
