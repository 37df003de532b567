#!/usr/bin/env python3
"""Per-operator comparison of two profiler traces of the same training steps: DJL's (the Java `StepTrace`, libtorch's
profiler through `JniUtils.startProfile`) and PyTorch's (`bench/pytorch/step_trace.py`, torch.profiler). See
bench/README.md, "Kernel by kernel".

  python3 bench/kernel_table.py DJL.json PYTORCH.json [--steps 3] [--top 40] [--by name|shape] [--csv out.csv]

For every operator event (`X` events; PyTorch's user annotations such as `Optimizer.step#AdamW.step` and
`ProfilerStep` are left out, their children kept) the **self time** is its duration minus the durations of the
events directly inside it on the same thread: the time spent in that operator's own code (its kernel, or the
dispatch of a composite op). Summed per operator name (or name and input shapes with `--by shape`) and divided by
`--steps`: calls per step and self ms per step (by default each op and shape's calls times its median self time
per call, so that calls during which a process on a loaded machine was descheduled do not count; `--stat sum` for
the plain sum), DJL beside PyTorch, sorted by the larger self time, with the
difference. Times are wall-clock inside the profiler (both profilers add per-event overhead: compare kernels that
take tens of microseconds or more, and read the call counts exactly). Backward nodes
(`autograd::engine::evaluate_function: XBackward0`) keep only their own dispatch as self time; the kernels they run
are counted under their own names.
"""
from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys


def freeze(x):
    return tuple(freeze(y) for y in x) if isinstance(x, list) else x


def events(path: str):
    with open(path) as f:
        d = json.load(f)
    ev = d if isinstance(d, list) else d["traceEvents"]
    out = []
    for e in ev:
        if e.get("ph") != "X" or "dur" not in e:
            continue
        cat = e.get("cat")
        if cat not in (None, "cpu_op"):                    # PyTorch: user annotations, python functions, "Trace"
            continue
        name = e["name"]
        if name.startswith("ProfilerStep") or name.startswith("Optimizer.") or name.startswith("## "):
            continue
        if "shape" in e:                                    # DJL (legacy profiler)
            shapes = e["shape"]
        else:
            shapes = e.get("args", {}).get("Input Dims", [])
        shapes = freeze([s for s in shapes if s])
        out.append((e.get("tid", 0), float(e["ts"]), float(e["dur"]), name, shapes))
    return out


def self_times(evs):
    """(name, shapes, self_us) for every event, self = dur - sum of the durations of its direct children."""
    by_tid = collections.defaultdict(list)
    for e in evs:
        by_tid[e[0]].append(e)
    result = []
    for tid, lst in by_tid.items():
        lst.sort(key=lambda e: (e[1], -e[2]))               # parents first
        stack = []                                          # [end, index into result]
        for _, ts, dur, name, shapes in lst:
            while stack and stack[-1][0] <= ts + 1e-9:
                stack.pop()
            if stack:
                result[stack[-1][1]][2] -= dur
            result.append([name, shapes, dur])
            stack.append([ts + dur, len(result) - 1])
    return result


def aggregate(path: str, by: str, steps: int, stat: str, phase: str | None = None):
    """{key: (calls per step, self ms per step)}. stat "median": each (name, shapes)'s calls times the median self
    time of one of its calls (robust to a process being descheduled during a few calls on a loaded machine);
    "sum": the plain sum."""
    per = collections.defaultdict(list)
    for name, shapes, self_us, ph in labelled(path):
        if phase is None or ph == phase:
            per[(name, shapes)].append(self_us)
    agg = collections.defaultdict(lambda: [0, 0.0])
    for (name, shapes), times in per.items():
        key = name if by == "name" else f"{name} {shapes}"
        agg[key][0] += len(times)
        agg[key][1] += len(times) * statistics.median(times) if stat == "median" else sum(times)
    return {k: (c / steps, us / steps / 1e3) for k, (c, us) in agg.items()}


def labelled(path: str):
    """(name, shapes, self_us, phase) for every event. Phases: `forward` from a top-level `aten::embedding` (both
    steps start by looking up the tokens) to the first autograd node, `backward` while top-level events are
    autograd nodes or gradient accumulations, `optimizer` from there to the next embedding (loss and norm reads,
    clip, AdamW, zeroing; the next step's batch creation is counted here too, a few small copies)."""
    evs = sorted(events(path), key=lambda e: (e[1], -e[2]))
    tops, end = [], -1.0
    for e in evs:
        if e[1] >= end:
            tops.append(e)
            end = e[1] + e[2]
    spans, phase = [], "optimizer"
    for e in tops:
        name = e[3]
        if name == "aten::embedding":
            phase = "forward"
        elif name.startswith("autograd::engine") or name == "torch::autograd::AccumulateGrad":
            phase = "backward"
        elif phase == "backward":
            phase = "optimizer"
        spans.append((e[1] + e[2], phase))
    out, j = [], 0
    for (tid, ts, dur, name, shapes), (_, _, self_us) in zip(evs, self_times(evs)):
        while j + 1 < len(spans) and spans[j][0] <= ts:
            j += 1
        out.append((name, shapes, self_us, spans[j][1]))
    return out


def phase_times(path: str, steps: int):
    """Self ms per step by phase (plain sums)."""
    out = collections.defaultdict(float)
    for _, _, self_us, phase in labelled(path):
        out[phase] += self_us
    return {k: v / steps / 1e3 for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("djl")
    ap.add_argument("pytorch")
    ap.add_argument("--steps", type=int, default=3, help="steps in each trace (counts and times are per step)")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--by", choices=["name", "shape"], default="name")
    ap.add_argument("--stat", choices=["median", "sum"], default="median",
                    help="self time of an op and shape: calls x median per call (default), or the plain sum")
    ap.add_argument("--phases", action="store_true", help="also the self ms per phase (forward, backward, optimizer)")
    ap.add_argument("--phase", choices=["forward", "backward", "optimizer"], help="only the ops of this phase")
    ap.add_argument("--csv")
    ap.add_argument("--markdown", action="store_true", help="a markdown table instead of aligned columns")
    a = ap.parse_args()
    d = aggregate(a.djl, a.by, a.steps, a.stat, a.phase)
    p = aggregate(a.pytorch, a.by, a.steps, a.stat, a.phase)
    keys = sorted(set(d) | set(p), key=lambda k: -max(d.get(k, (0, 0))[1], p.get(k, (0, 0))[1]))
    td = sum(v[1] for v in d.values())
    tp = sum(v[1] for v in p.values())
    rows = []
    for k in keys:
        dc, dm = d.get(k, (0, 0.0))
        pc, pm = p.get(k, (0, 0.0))
        rows.append((k, dc, pc, dm, pm, dm - pm))
    if a.csv:
        with open(a.csv, "w") as f:
            f.write("op,calls_djl,calls_pytorch,self_ms_djl,self_ms_pytorch,diff_ms\n")
            for r in rows:
                f.write('"%s",%g,%g,%.4f,%.4f,%.4f\n' % (r[0].replace('"', "'"), *r[1:]))
    w = min(70, max([len(r[0]) for r in rows[: a.top]] + [18]))
    if a.markdown:
        print("| op | calls DJL | calls PyTorch | self ms DJL | self ms PyTorch | DJL - PyTorch ms |")
        print("|---|---|---|---|---|---|")
        for r in rows[: a.top]:
            print(f"| `{r[0]}` | {r[1]:g} | {r[2]:g} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:+.2f} |")
        print(f"| all ops | {sum(r[1] for r in rows):g} | {sum(r[2] for r in rows):g} | {td:.2f} | {tp:.2f} | "
              f"{td - tp:+.2f} |")
    else:
        print(f"{'op':<{w}} {'calls DJL':>9} {'calls PT':>9} {'self ms DJL':>11} {'self ms PT':>10} {'diff':>8}")
        for r in rows[: a.top]:
            print(f"{r[0][:w]:<{w}} {r[1]:>9g} {r[2]:>9g} {r[3]:>11.2f} {r[4]:>10.2f} {r[5]:>+8.2f}")
        print(f"{'all ops (per step)':<{w}} {sum(r[1] for r in rows):>9g} {sum(r[2] for r in rows):>9g} "
              f"{td:>11.2f} {tp:>10.2f} {td - tp:>+8.2f}")
    if a.phases:
        pd, pp = phase_times(a.djl, a.steps), phase_times(a.pytorch, a.steps)
        print("phase       self ms DJL  self ms PyTorch   (plain sums per step, not medians)")
        for ph in ("forward", "backward", "optimizer"):
            print(f"{ph:<11} {pd.get(ph, 0):>11.2f} {pp.get(ph, 0):>16.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
