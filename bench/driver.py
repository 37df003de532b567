"""Side-by-side benchmark driver: DJL (Java, `org.attnlab.bench.ModelBench serve`) against the PyTorch reference
(`bench/pytorch/worker.py`), taking turns measurement by measurement so both see the same machine load.

  1. cross-check: Java exports weights + batches and trains N steps; PyTorch repeats it; loss curves compared;
  2. model timing: for each size and attention kind, a fresh Java worker and a fresh PyTorch worker; each measures
     the peak memory of its first full-size training step, then they alternate timed repetitions of forward and
     of a training step (forward + backward + clip + AdamW), order swapped every repetition (A B B A ...);
  3. op timing: the same for softmax / path / pathChunked forward + backward across sequence lengths
     (plus PyTorch's fused scaled_dot_product_attention as a PyTorch-only reference row);
  4. writes build/bench/*.csv and build/bench/index.html.

Run through bench/run.sh (it builds the Java side and the venv). Options: --preset smoke|quick|full, --reps N,
--threads N, --only crosscheck,model,ops, --baseline-cp CP (a second DJL build in the same rotation).
"""
from __future__ import annotations

import argparse
import csv
import datetime
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "pytorch"))

# name: (vocab, d_model, heads, layers, batch, length)
SIZES = {
    "tiny": (256, 64, 2, 2, 4, 32),
    "small": (512, 128, 4, 4, 8, 64),
    "mid": (1024, 256, 4, 4, 8, 128),
    "large": (2048, 384, 6, 6, 8, 256),
}
PRESETS = {
    "smoke": {"sizes": ["tiny"], "kinds": ["standard", "path"], "lengths": [128], "reps": 2},
    "quick": {"sizes": ["tiny", "small", "mid", "large"], "kinds": ["standard", "path"],
              "lengths": [256, 512, 1024], "reps": 5},
    "full": {"sizes": ["tiny", "small", "mid", "large"], "kinds": ["standard", "path"],
             "lengths": [256, 512, 1024, 2048], "reps": 7},
}
CROSSCHECK = [  # case, kind, L, chunk: dense PaTH up to the chunk size, blockwise beyond (80 = 2.5 chunks)
    ("standard", "standard", 32, 64),
    ("path-dense", "path", 32, 64),
    ("path-chunked", "path", 80, 32),
]
OPS = ["softmax", "path", "pathChunked"]
DENSE_PATH_MAX_L = 1024  # the dense UT form is O(L^3); beyond this it only measures an inverse


def load() -> tuple[float, float, float]:
    with open("/proc/loadavg") as f:
        a = f.read().split()
    return float(a[0]), float(a[1]), float(a[2])


class Worker:
    """A line-protocol worker process: send one JSON command, read one `@@ {json}` answer."""

    def __init__(self, name: str, cmd: list[str], env: dict):
        self.name = name
        self.log = open(os.path.join(OUT, f"{name}-worker.log"), "a")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                  env=env, cwd=ROOT)

    def ask(self, **cmd) -> dict:
        self.p.stdin.write(json.dumps({k: str(v) for k, v in cmd.items()}) + "\n")
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError(f"{self.name} worker died (see {self.log.name})")
            if line.startswith("@@ "):
                reply = json.loads(line[3:])
                if "error" in reply:
                    raise RuntimeError(f"{self.name}: {reply['error']} for {cmd}")
                return reply
            self.log.write(line)

    def close(self):
        try:
            self.ask(cmd="quit")
        except Exception:
            pass
        self.p.wait(timeout=60)
        self.log.close()


def env_for(threads: int) -> dict:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), DJL_OFFLINE="true")
    return env


def java_cmd(args, *rest, cp=None):
    return ["java", f"-Dai.djl.pytorch.num_threads={args.threads}", "-Dai.djl.pytorch.num_interop_threads=1",
            "-cp", cp or args.java_cp, "org.attnlab.bench.ModelBench", *rest]


def pair(args):
    env = env_for(args.threads)
    j = Worker("djl", java_cmd(args, "serve"), env)
    t = Worker("pytorch", [sys.executable, os.path.join(HERE, "pytorch", "worker.py"), "--threads",
                           str(args.threads)], env)
    return j, t


def alternate(workers: dict, what: str, reps: int, cpu: dict | None = None) -> dict:
    """Times `what` reps times on every worker, swapping the order each repetition; returns name -> [ms] (wall)
    and, when `cpu` is given, fills it with name -> [thread CPU ms]."""
    names = list(workers)
    out = {n: [] for n in names}
    # every order in turn (A B, B A; with three workers all six), so no worker is always first, last or between
    orders = list(itertools.permutations(names))
    for r in range(reps):
        order = orders[r % len(orders)]
        for n in order:
            reply = workers[n].ask(cmd="time", what=what)
            out[n].append(reply["ms"])
            if cpu is not None:
                cpu.setdefault(n, []).append(reply.get("cpu_ms", float("nan")))
    return out


# ------------------------------------------------------------------------------------------------ cross-check

def crosscheck(args):
    import crosscheck as cc  # noqa: needs torch (the venv)
    import attnlab_ref as ref
    ref.set_threads(args.threads)
    rows, summary = [], []
    for case, kind, length, chunk in CROSSCHECK:
        d = os.path.join(OUT, "crosscheck", case)
        cmd = java_cmd(args, "export", "--dir", d, "--kind", kind, "--vocab", "64", "--d_model", "32", "--heads",
                       "2", "--layers", "2", "--batch", "4", "--length", str(length), "--chunk", str(chunk),
                       "--steps", str(args.steps), "--lr", "3e-3", "--warmup", "5")
        subprocess.run(cmd, check=True, cwd=ROOT, env=env_for(args.threads), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        meta, r = cc.run(d)
        rows += r
        worst = max(r, key=lambda x: x["abs_diff"])
        summary.append({"case": case, "kind": kind, "length": length, "chunk": chunk, "steps": len(r),
                        "loss_first": r[0]["djl_loss"], "loss_last": r[-1]["djl_loss"],
                        "max_abs_diff": worst["abs_diff"], "max_rel_diff": max(x["rel_diff"] for x in r),
                        "max_grad_norm_rel_diff": max(x["grad_norm_rel_diff"] for x in r),
                        "tolerance": args.tol, "pass": worst["abs_diff"] <= args.tol})
        print(f"cross-check {case:>13}: loss {r[0]['djl_loss']:.4f} -> {r[-1]['djl_loss']:.4f}, max |diff| "
              f"{worst['abs_diff']:.1e} (tolerance {args.tol:g}) {'PASS' if summary[-1]['pass'] else 'FAIL'}",
              flush=True)
    write_csv("crosscheck_curves.csv", rows)
    write_csv("crosscheck.csv", summary)
    return summary, rows


# ------------------------------------------------------------------------------------------------ timing

def model_timing(args, preset):
    """Per size and kind: DJL and PyTorch (and, with --baseline-cp, a second DJL build, 'djl_base') take turns.

    Times: medians, minima and the spread (max - min) / median of the repetitions, with the load average before and
    after; op counts (top-level libtorch ops per phase of one step, deterministic) from every worker."""
    rows, raw = [], []
    for size in preset["sizes"]:
        v, d, h, n, b, length = SIZES[size]
        for kind in preset["kinds"]:
            spec = dict(kind=kind, vocab=v, d_model=d, heads=h, layers=n, batch=b, length=length, chunk=64, seed=1)
            l0 = load()
            j, t = pair(args)
            workers = {"djl": j, "pytorch": t}
            if args.baseline_cp:
                workers = {"djl_base": Worker("djl_base", java_cmd(args, "serve", cp=args.baseline_cp),
                                              env_for(args.threads)), **workers}
            try:
                setup = {e: w.ask(cmd="model", **spec) for e, w in workers.items()}
                ops = {e: w.ask(cmd="ops") for e, w in workers.items()}
                cpus = {what: {} for what in ("forward", "train")}
                times = {what: alternate(workers, what, args.reps, cpus[what]) for what in ("forward", "train")}
            finally:
                for w in workers.values():
                    w.close()
            l1 = load()
            for what, per in times.items():
                med = {e: statistics.median(ms) for e, ms in per.items()}
                cpu = cpus[what]
                for e, ms in per.items():
                    raw += [{"size": size, "kind": kind, "what": what, "engine": e, "rep": i, "ms": x,
                             "cpu_ms": cpu[e][i]} for i, x in enumerate(ms)]
                row = {"size": size, "kind": kind, "what": what, "vocab": v, "d_model": d, "heads": h,
                       "layers": n, "batch": b, "length": length, "params": setup["djl"]["params"]}
                for e in workers:
                    row[f"{e}_ms"] = med[e]
                    row[f"{e}_min_ms"] = min(per[e])
                    row[f"{e}_spread"] = (max(per[e]) - min(per[e])) / med[e]
                    row[f"{e}_cpu_ms"] = statistics.median(cpu[e])
                    row[f"{e}_cpu_spread"] = (max(cpu[e]) - min(cpu[e])) / row[f"{e}_cpu_ms"]
                row["cpu_ratio"] = row["djl_cpu_ms"] / row["pytorch_cpu_ms"]
                if "djl_base" in workers:
                    row["base_cpu_ratio"] = row["djl_base_cpu_ms"] / row["pytorch_cpu_ms"]
                row.update({"ratio": med["djl"] / med["pytorch"],
                            "ratio_of_min": min(per["djl"]) / min(per["pytorch"])})
                if "djl_base" in workers:
                    row["base_ratio"] = med["djl_base"] / med["pytorch"]
                    row["speedup_vs_base"] = med["djl_base"] / med["djl"]
                for e in workers:
                    row[f"{e}_tokens_per_s"] = b * length / med[e] * 1e3
                    row[f"{e}_step_peak_mb"] = setup[e]["peak_mb"]
                    row[f"{e}_rss_mb"] = setup[e]["rss_mb"]
                    for ph in ("forward", "backward", "optimizer", "step"):
                        row[f"{e}_ops_{ph}"] = ops[e][ph]
                row.update({"load_before": l0[0], "load_after": l1[0], "threads": args.threads, "reps": args.reps})
                rows.append(row)
                r = rows[-1]
                base = (f"  (base {r['djl_base_ms']:.1f} ms, ratio {r['base_ratio']:.2f}, ops {r['djl_base_ops_step']})"
                        if "djl_base" in workers else "")
                base = base + (f" cpu {r['djl_base_cpu_ms']:.1f} ms, cpu ratio {r['base_cpu_ratio']:.2f}"
                               if "djl_base" in workers else "")
                print(f"model {size:>5} {kind:>8} {what:>7}: DJL {r['djl_ms']:9.1f} ms  PyTorch {r['pytorch_ms']:9.1f}"
                      f" ms  ratio {r['ratio']:.2f}  cpu ms {r['djl_cpu_ms']:.1f}/{r['pytorch_cpu_ms']:.1f} cpu ratio"
                      f" {r['cpu_ratio']:.2f}  peak MB {r['djl_step_peak_mb']:.0f}/{r['pytorch_step_peak_mb']:.0f}"
                      f"  ops/step {r['djl_ops_step']}/{r['pytorch_ops_step']}{base}  load {l0[0]:.1f}->{l1[0]:.1f}",
                      flush=True)
    write_csv("model_timing.csv", rows)
    write_csv("model_timing_raw.csv", raw)
    return rows


def op_timing(args, preset):
    rows = []
    for length in preset["lengths"]:
        for op in OPS:
            if op == "path" and length > DENSE_PATH_MAX_L:
                continue
            spec = dict(op=op, length=length, heads=2, dim=64, chunk=64)
            l0 = load()
            j, t = pair(args)
            try:
                setup = {"djl": j.ask(cmd="op", **spec), "pytorch": t.ask(cmd="op", **spec)}
                per = alternate({"djl": j, "pytorch": t}, "op", args.reps)
                if op == "softmax":  # PyTorch's fused kernel, for reference (no DJL counterpart)
                    t.ask(cmd="op", **dict(spec, op="softmax_sdpa"))
                    sdpa = statistics.median(alternate({"pytorch": t}, "op", args.reps)["pytorch"])
            finally:
                j.close()
                t.close()
            med = {e: statistics.median(ms) for e, ms in per.items()}
            rows.append({"op": op, "length": length, "heads": 2, "dim": 64, "chunk": 64, "djl_ms": med["djl"],
                         "pytorch_ms": med["pytorch"], "ratio": med["djl"] / med["pytorch"],
                         "ratio_of_min": min(per["djl"]) / min(per["pytorch"]),
                         "djl_peak_mb": setup["djl"]["peak_mb"], "pytorch_peak_mb": setup["pytorch"]["peak_mb"],
                         "pytorch_sdpa_ms": sdpa if op == "softmax" else "", "load": l0[0],
                         "threads": args.threads, "reps": args.reps})
            r = rows[-1]
            print(f"op {op:>11} L={length:5d}: DJL {r['djl_ms']:9.1f} ms  PyTorch {r['pytorch_ms']:9.1f} ms  ratio "
                  f"{r['ratio']:.2f}  peak MB {r['djl_peak_mb']:.0f}/{r['pytorch_peak_mb']:.0f}"
                  + (f"  (PyTorch SDPA {sdpa:.1f} ms)" if op == "softmax" else ""), flush=True)
    write_csv("ops_timing.csv", rows)
    return rows


def write_csv(name: str, rows: list[dict]):
    if not rows:
        return
    with open(os.path.join(OUT, name), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def main():
    global OUT
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--java-cp", required=True, help="classpath with target/test-classes and target/classes")
    ap.add_argument("--preset", default="quick", choices=sorted(PRESETS))
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20, help="cross-check training steps")
    ap.add_argument("--tol", type=float, default=1e-4, help="cross-check: max |loss difference| at any step")
    ap.add_argument("--only", default="crosscheck,model,ops")
    ap.add_argument("--baseline-cp", default=None,
                    help="classpath of a second DJL build (e.g. the branch point) timed in the same rotation as "
                         "'djl_base' (model timing only)")
    ap.add_argument("--sizes", default=None, help="comma-separated subset of " + ",".join(SIZES))
    ap.add_argument("--kinds", default=None, help="comma-separated subset of standard,path")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    args = ap.parse_args()
    OUT = args.out
    os.makedirs(OUT, exist_ok=True)
    preset = dict(PRESETS[args.preset])
    if args.sizes:
        preset["sizes"] = args.sizes.split(",")
    if args.kinds:
        preset["kinds"] = args.kinds.split(",")
    args.reps = args.reps or preset["reps"]
    parts = args.only.split(",")
    import torch
    info = {"started": datetime.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "load_start": load(), "threads": args.threads, "reps": args.reps, "preset": args.preset,
            "python": platform.python_version(), "torch": torch.__version__,
            "java": subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0],
            "machine": platform.machine(), "cpu": cpu_name()}
    print(f"bench: {info}", flush=True)
    t0 = time.time()
    cc = crosscheck(args) if "crosscheck" in parts else None
    model = model_timing(args, preset) if "model" in parts else None
    ops = op_timing(args, preset) if "ops" in parts else None
    info.update(load_end=load(), seconds=round(time.time() - t0))
    with open(os.path.join(OUT, "bench_info.json"), "w") as f:
        json.dump(info, f, indent=1)
    import report
    report.write(OUT, info, cc, model, ops)
    print(f"wrote {OUT}/index.html and CSVs in {info['seconds']} s; load {info['load_start']} -> {info['load_end']}")
    if cc and not all(s["pass"] for s in cc[0]):
        sys.exit(1)


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


OUT = ""

if __name__ == "__main__":
    main()
