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
--threads N, --only crosscheck,model,ops, --baseline-cp CP (a second DJL build in the same rotation),
--device cpu|gpu (both engines on that device; gpu: CUDA device 0, TF32 off on both sides), --java-cmd CMD (how to
start a Java main: `CMD org.attnlab.bench.ModelBench ...`, e.g. 'bash .gpu/run' on the lab's GPU machine; instead of
`java -cp JAVA_CP`), --warmup N (untimed repetitions per worker before the timed ones; 0 on the CPU, 3 on a GPU),
--warmup-s S (model timing: and go on, up to WARMUP_MAX_REPS, until every worker has spent S seconds in them; 15 on
the CPU, 0 on a GPU: the JVM interprets DJL's Java side until it has compiled it, which at the tiny size takes a few
hundred steps, so a cold JVM's first steps cost up to 2x a warm one's; bench/README.md, "Warm-up").
"""
from __future__ import annotations

import argparse
import csv
import datetime
import itertools
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "pytorch"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from write_kernelspec import read_env_file  # noqa: E402  (the parser ./lab setup uses for the kernelspec)

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
# cross-check tolerance, |loss_DJL - loss_PyTorch| at every update (bench/README.md, "On CUDA", says why)
TOLERANCE = {"cpu": 1e-4, "gpu": 1e-4}
# on a GPU, a drift above this suggests TF32 in one engine's products (bench/pytorch/precision_sim.py: summation-order
# effects 2.4e-7..7.2e-7, TF32 operands 1.9e-5..2.7e-5 on the cross-check cases); reported, not a failure
FLOAT32_DRIFT = 5e-6
WARMUP = {"cpu": 0, "gpu": 3}
WARMUP_S = {"cpu": 15.0, "gpu": 0.0}
WARMUP_MAX_REPS = 1000
MODEL_BENCH = "org.attnlab.bench.ModelBench"


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


NATIVE_ENV_FILE = os.path.join(ROOT, "environment", "native.env")


def lab_native_env() -> dict:
    """The native-library settings ./lab gives every JVM (environment/native.env: glibc's allocator, ATen's kernels),
    for the DJL worker."""
    return read_env_file(NATIVE_ENV_FILE)


def is_lab_setting(name: str) -> bool:
    """A variable of the kind environment/native.env sets, which no worker inherits from the driver's environment."""
    return name.startswith(("MALLOC_", "ATEN_"))


def env_for(threads: int, device: str = "cpu") -> dict:
    """The workers' environment: this one without MALLOC_* and ATEN_* (./lab exports the JVMs' settings; each worker
    gets its own: the DJL worker the lab's, PyTorch the libraries' defaults unless --pytorch-env), with the thread
    settings."""
    env = {k: v for k, v in os.environ.items() if not is_lab_setting(k)}
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    if device == "gpu":
        env["NVIDIA_TF32_OVERRIDE"] = "0"   # cuBLAS / cuDNN never use TF32, in either process
        # DJL_OFFLINE as given: a GPU build may have to fetch its CUDA natives once (.gpu/run sets it itself)
    else:
        env["DJL_OFFLINE"] = "true"
    return env


def thread_flags(threads: int) -> list[str]:
    return [f"-Dai.djl.pytorch.num_threads={threads}", "-Dai.djl.pytorch.num_interop_threads=1"]


def java_cmd(args, *rest, cp=None):
    """`java <thread flags> -cp CP ModelBench <rest>`, or with --java-cmd `CMD ModelBench <rest>` (the thread flags
    then go through JAVA_OPTS and ATTNLAB_THREADS, see java_env)."""
    if args.java_cmd and cp is None:
        return shlex.split(args.java_cmd) + [MODEL_BENCH, *rest]
    return ["java", *thread_flags(args.threads), "-cp", cp or args.java_cp, MODEL_BENCH, *rest]


def java_env(args) -> dict:
    env = env_for(args.threads, args.device)
    if args.djl_env == "lab":
        env.update(lab_native_env())
    if args.java_cmd:
        env["JAVA_OPTS"] = " ".join(filter(None, [env.get("JAVA_OPTS", ""), *thread_flags(args.threads)]))
        env["ATTNLAB_THREADS"] = str(args.threads)
    return env


def pair(args):
    j = Worker("djl", java_cmd(args, "serve", "--device", args.device), java_env(args))
    t = Worker("pytorch", [sys.executable, os.path.join(HERE, "pytorch", "worker.py"), "--threads",
                           str(args.threads), "--device", args.device],
               {**env_for(args.threads, args.device), **args.pytorch_env})
    return j, t


def warm(workers: dict, what: str, n: int, seconds: float = 0.0) -> int:
    """Untimed repetitions of `what` on every worker (the JVM compiles DJL's Java side; kernel selection, allocator,
    clocks settle on a GPU): at least n, then more until every worker has spent `seconds` in them (its own wall
    time), at most WARMUP_MAX_REPS. Returns how many each worker ran."""
    spent = {name: 0.0 for name in workers}
    done = 0
    while done < n or (done < WARMUP_MAX_REPS and min(spent.values()) < seconds * 1e3):
        for name, w in workers.items():
            spent[name] += w.ask(cmd="time", what=what)["ms"]
        done += 1
    return done


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
        cmd = java_cmd(args, "export", "--device", args.device, "--dir", d, "--kind", kind, "--vocab", "64", "--d_model", "32", "--heads",
                       "2", "--layers", "2", "--batch", "4", "--length", str(length), "--chunk", str(chunk),
                       "--steps", str(args.steps), "--lr", "3e-3", "--warmup", "5")
        with open(os.path.join(OUT, "djl-export.log"), "a") as log:
            done = subprocess.run(cmd, cwd=ROOT, env=java_env(args), stdout=log, stderr=log)
        if done.returncode != 0:
            raise SystemExit(f"bench: DJL export for {case} failed (exit {done.returncode}); see {log.name}")
        meta, r = cc.run(d, args.device)
        rows += r
        worst = max(r, key=lambda x: x["abs_diff"])
        summary.append({"case": case, "kind": kind, "length": length, "chunk": chunk, "steps": len(r),
                        "loss_first": r[0]["djl_loss"], "loss_last": r[-1]["djl_loss"],
                        "max_abs_diff": worst["abs_diff"], "max_rel_diff": max(x["rel_diff"] for x in r),
                        "max_grad_norm_rel_diff": max(x["grad_norm_rel_diff"] for x in r),
                        "tolerance": args.tol, "pass": worst["abs_diff"] <= args.tol})
        note = ""
        if args.device == "gpu":
            summary[-1]["float32_like"] = worst["abs_diff"] <= FLOAT32_DRIFT
            note = ("" if summary[-1]["float32_like"] else f"; above {FLOAT32_DRIFT:g}, the size of TF32 rounding: "
                    "is TF32 on in one engine?")
        print(f"cross-check {case:>13}: loss {r[0]['djl_loss']:.4f} -> {r[-1]['djl_loss']:.4f}, max |diff| "
              f"{worst['abs_diff']:.1e} (tolerance {args.tol:g}) {'PASS' if summary[-1]['pass'] else 'FAIL'}{note}",
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
            for pair_index in range(args.pairs):
                _model_pair(args, size, kind, spec, pair_index, rows, raw)
            if args.pairs > 1:
                pairs_summary(rows, size, kind)
            # written after every size and kind, so a run stopped by a time limit keeps what it measured
            write_csv("model_timing.csv", rows)
            write_csv("model_timing_raw.csv", raw)
            write_csv("model_pairs.csv", pair_rows(rows))
    return rows


def pair_rows(rows: list[dict]) -> list[dict]:
    """One row per size, kind and pass over the --pairs fresh worker pairs: the median, minimum and maximum of the
    pairs' DJL / PyTorch ratios (medians of each pair's repetitions), wall and thread CPU."""
    out = []
    groups = {}   # in first-seen order
    for r in rows:
        groups.setdefault((r["size"], r["kind"], r["what"]), []).append(r)
    for k, mine in groups.items():
        ratios = [r["ratio"] for r in mine]
        cpu = [r["cpu_ratio"] for r in mine]
        out.append({"size": k[0], "kind": k[1], "what": k[2], "pairs": len(mine),
                    "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
                    "cpu_ratio_median": statistics.median(cpu), "cpu_ratio_min": min(cpu), "cpu_ratio_max": max(cpu),
                    "djl_ms_median": statistics.median(r["djl_ms"] for r in mine),
                    "pytorch_ms_median": statistics.median(r["pytorch_ms"] for r in mine)})
        if all("base_ratio" in r for r in mine):   # --baseline-cp: the second DJL build's ratios too
            base = [r["base_ratio"] for r in mine]
            out[-1].update({"base_ratio_median": statistics.median(base), "base_ratio_min": min(base),
                            "base_ratio_max": max(base)})
    return out


def pairs_summary(rows: list[dict], size: str, kind: str):
    for r in pair_rows([r for r in rows if r["size"] == size and r["kind"] == kind]):
        print(f"pairs {size:>5} {kind:>8} {r['what']:>7}: DJL / PyTorch over {r['pairs']} fresh pairs of workers: "
              f"median {r['ratio_median']:.2f} (pairs {r['ratio_min']:.2f}-{r['ratio_max']:.2f}), thread CPU "
              f"{r['cpu_ratio_median']:.2f} ({r['cpu_ratio_min']:.2f}-{r['cpu_ratio_max']:.2f})"
              + (f"; base / PyTorch {r['base_ratio_median']:.2f} ({r['base_ratio_min']:.2f}-{r['base_ratio_max']:.2f})"
                 if "base_ratio_median" in r else ""), flush=True)


def _model_pair(args, size, kind, spec, pair_index, rows, raw):
    """One fresh set of workers for one size and kind: set-up, op counts, warm-up and alternating repetitions of
    both passes; appends its rows to rows and its repetitions to raw."""
    v, d, h, n, b, length = SIZES[size]
    l0 = load()
    j, t = pair(args)
    workers = {"djl": j, "pytorch": t}
    if args.baseline_cp:
        workers = {"djl_base": Worker("djl_base", java_cmd(args, "serve", cp=args.baseline_cp),
                                      {**env_for(args.threads), **args.baseline_env}), **workers}
    try:
        setup = {e: w.ask(cmd="model", **spec) for e, w in workers.items()}
        ops = {e: w.ask(cmd="ops") for e, w in workers.items()}
        cpus = {what: {} for what in ("forward", "train")}
        times, warmed = {}, {}
        for what in ("forward", "train"):
            warmed[what] = warm(workers, what, args.warmup, args.warmup_s)
            times[what] = alternate(workers, what, args.reps, cpus[what])
    finally:
        for w in workers.values():
            w.close()
    l1 = load()
    for what, per in times.items():
        med = {e: statistics.median(ms) for e, ms in per.items()}
        cpu = cpus[what]
        for e, ms in per.items():
            raw += [{"size": size, "kind": kind, "what": what, "pair": pair_index, "engine": e, "rep": i, "ms": x,
                     "cpu_ms": cpu[e][i]} for i, x in enumerate(ms)]
        row = {"size": size, "kind": kind, "what": what, "pair": pair_index, "vocab": v, "d_model": d, "heads": h,
               "layers": n, "batch": b, "length": length, "params": setup["djl"]["params"],
               "warmup_reps": warmed[what]}
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
        if args.device == "gpu":
            row.update(gpu_memory(setup))
            for e in workers:   # wall time per top-level op: the host cost where the GPU waits on the host
                row[f"{e}_us_per_op"] = med[e] * 1e3 / ops[e]["step" if what == "train" else "forward"]
        row.update({"load_before": l0[0], "load_after": l1[0], "threads": args.threads, "reps": args.reps})
        rows.append(row)
        r = rows[-1]
        base = (f"  (base {r['djl_base_ms']:.1f} ms, ratio {r['base_ratio']:.2f}, ops {r['djl_base_ops_step']})"
                if "djl_base" in workers else "")
        base = base + (f" cpu {r['djl_base_cpu_ms']:.1f} ms, cpu ratio {r['base_cpu_ratio']:.2f}"
                       if "djl_base" in workers else "")
        gpu = (f"  GPU MB used {r['djl_gpu_used_mb']:.0f}/{r['pytorch_gpu_used_mb']:.0f} (PyTorch peak "
               f"allocated {r['pytorch_gpu_peak_alloc_mb']:.0f})" if args.device == "gpu" else "")
        print(f"model {size:>5} {kind:>8} {what:>7}: DJL {r['djl_ms']:9.1f} ms  PyTorch {r['pytorch_ms']:9.1f}"
              f" ms  ratio {r['ratio']:.2f}  cpu ms {r['djl_cpu_ms']:.1f}/{r['pytorch_cpu_ms']:.1f} cpu ratio"
              f" {r['cpu_ratio']:.2f}  peak MB {r['djl_step_peak_mb']:.0f}/{r['pytorch_step_peak_mb']:.0f}"
              f"{gpu}  ops/step {r['djl_ops_step']}/{r['pytorch_ops_step']}{base}  warm-up {r['warmup_reps']}  load {l0[0]:.1f}->{l1[0]:.1f}",
              flush=True)


def gpu_memory(setup: dict) -> dict:
    """GPU columns from the workers' first full-size step: device memory in use grew by `*_gpu_used_mb`
    (cudaMemGetInfo, both engines); PyTorch's allocator peak and reservation; DJL has no allocator statistics."""
    out = {}
    for e, s in setup.items():
        out[f"{e}_gpu_used_mb"] = s.get("gpu_used_mb", math.nan)
        out[f"{e}_gpu_peak_alloc_mb"] = s.get("gpu_peak_alloc_mb", math.nan)   # NaN for DJL: not measured
        if "gpu_reserved_mb" in s:
            out[f"{e}_gpu_reserved_mb"] = s["gpu_reserved_mb"]
    return out


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
                warmed = warm({"djl": j, "pytorch": t}, "op", args.warmup, args.op_warmup_s)
                per = alternate({"djl": j, "pytorch": t}, "op", args.reps)
                if op == "softmax":  # PyTorch's fused kernel, for reference (no DJL counterpart)
                    t.ask(cmd="op", **dict(spec, op="softmax_sdpa"))
                    warm({"pytorch": t}, "op", args.warmup, args.op_warmup_s)
                    sdpa = statistics.median(alternate({"pytorch": t}, "op", args.reps)["pytorch"])
            finally:
                j.close()
                t.close()
            med = {e: statistics.median(ms) for e, ms in per.items()}
            rows.append({"op": op, "length": length, "heads": 2, "dim": 64, "chunk": 64, "djl_ms": med["djl"],
                         "pytorch_ms": med["pytorch"], "ratio": med["djl"] / med["pytorch"],
                         "ratio_of_min": min(per["djl"]) / min(per["pytorch"]),
                         "djl_peak_mb": setup["djl"]["peak_mb"], "pytorch_peak_mb": setup["pytorch"]["peak_mb"],
                         "pytorch_sdpa_ms": sdpa if op == "softmax" else "", "warmup_reps": warmed, "load": l0[0],
                         "threads": args.threads, "reps": args.reps})
            if args.device == "gpu":
                rows[-1].update(gpu_memory(setup))
            r = rows[-1]
            gpu = (f"  GPU MB used {r['djl_gpu_used_mb']:.0f}/{r['pytorch_gpu_used_mb']:.0f}"
                   if args.device == "gpu" else "")
            print(f"op {op:>11} L={length:5d}: DJL {r['djl_ms']:9.1f} ms  PyTorch {r['pytorch_ms']:9.1f} ms  ratio "
                  f"{r['ratio']:.2f}  peak MB {r['djl_peak_mb']:.0f}/{r['pytorch_peak_mb']:.0f}{gpu}"
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


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--java-cp", default=None,
                    help="classpath with target/test-classes and target/classes (run.sh passes it); not with --java-cmd")
    ap.add_argument("--java-cmd", default=None,
                    help="command that runs a Java main class, as `CMD MAINCLASS ARGS` (e.g. 'bash .gpu/run'); JVM "
                         "flags go through JAVA_OPTS, threads also through ATTNLAB_THREADS")
    ap.add_argument("--device", default="cpu", choices=["cpu", "gpu"],
                    help="both engines on the CPU or on CUDA device 0 (default cpu)")
    ap.add_argument("--preset", default="quick", choices=sorted(PRESETS))
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=None,
                    help="untimed repetitions per worker before the timed ones (default: 0 cpu, 3 gpu)")
    ap.add_argument("--warmup-s", type=float, default=None,
                    help="model timing: then more untimed repetitions until every worker has spent this many seconds in them "
                         f"(at most {WARMUP_MAX_REPS}; default: 15 cpu, 0 gpu)")
    ap.add_argument("--op-warmup-s", type=float, default=5.0,
                    help="op timing: untimed calls until every worker has spent this many seconds in them (at most "
                         f"{WARMUP_MAX_REPS}; default 5: a cold JVM's Java side costs more per op than a warm one's)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20, help="cross-check training steps")
    ap.add_argument("--tol", type=float, default=None,
                    help="cross-check: max |loss difference| at any step (default: 1e-4 on both devices)")
    ap.add_argument("--only", default="crosscheck,model,ops")
    ap.add_argument("--baseline-cp", default=None,
                    help="classpath of a second DJL build (e.g. the branch point) timed in the same rotation as "
                         "'djl_base' (model timing only)")
    ap.add_argument("--baseline-env", default="",
                    help="with --baseline-cp: environment variables for the second DJL build only, as 'K=V K2=V2' "
                         "(e.g. native-library settings; --baseline-cp may then name the same classes)")
    ap.add_argument("--djl-env", default="lab", choices=["lab", "none"],
                    help="the DJL worker's native-library settings: the lab's (environment/native.env: glibc's "
                         "allocator, ATen's kernels, as ./lab runs every JVM; default) or none (the libraries' defaults)")
    ap.add_argument("--pytorch-env", default="",
                    help="environment variables for the PyTorch worker only, as 'K=V K2=V2' (e.g. the lab's native "
                         "settings, to see what they do for PyTorch)")
    ap.add_argument("--pairs", type=int, default=1,
                    help="model timing: fresh worker pairs per size and kind (1-20; default 1); with more than one, "
                         "model_pairs.csv and a 'pairs' line give the median and range of the pairs' ratios")
    ap.add_argument("--sizes", default=None, help="comma-separated subset of " + ",".join(SIZES))
    ap.add_argument("--kinds", default=None, help="comma-separated subset of standard,path")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    args = ap.parse_args(argv)
    if args.java_cp is None and args.java_cmd is None:
        ap.error("give --java-cp CP (java -cp CP ...; bench/run.sh does) or --java-cmd CMD (e.g. 'bash .gpu/run')")
    if args.java_cp is not None and args.java_cmd is not None:
        ap.error("give --java-cp or --java-cmd, not both: --java-cmd starts the JVM with its own classpath")
    if args.java_cmd is not None and not shlex.split(args.java_cmd):
        ap.error("--java-cmd is empty; give the command that runs a Java main class, e.g. 'bash .gpu/run'")
    pairs = shlex.split(args.baseline_env)
    bad_env = [p for p in pairs if "=" not in p or p.startswith("=")]
    if bad_env:
        ap.error(f"--baseline-env: each entry must be NAME=VALUE; got {bad_env}")
    if pairs and not args.baseline_cp:
        ap.error("--baseline-env applies to the --baseline-cp worker; give --baseline-cp too")
    args.baseline_env = dict(p.split("=", 1) for p in pairs)
    py_pairs = shlex.split(args.pytorch_env)
    bad_py = [p for p in py_pairs if "=" not in p or p.startswith("=")]
    if bad_py:
        ap.error(f"--pytorch-env: each entry must be NAME=VALUE; got {bad_py}")
    args.pytorch_env = dict(p.split("=", 1) for p in py_pairs)
    if args.baseline_cp and args.device != "cpu":
        ap.error("--baseline-cp runs a second DJL build with plain java on the CPU; it cannot be used with --device gpu")
    for name in ("reps", "threads", "steps"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1; got {getattr(args, name)}")
    if not 1 <= args.pairs <= 20:
        ap.error(f"--pairs must be 1 to 20 fresh worker pairs per size and kind; got {args.pairs}")
    if args.warmup is not None and args.warmup < 0:
        ap.error(f"--warmup must be 0 or more; got {args.warmup}")
    if not (args.op_warmup_s >= 0 and math.isfinite(args.op_warmup_s)):
        ap.error(f"--op-warmup-s must be a number of seconds >= 0; got {args.op_warmup_s}")
    if args.warmup_s is not None and not (args.warmup_s >= 0 and math.isfinite(args.warmup_s)):
        ap.error(f"--warmup-s must be a number of seconds >= 0; got {args.warmup_s}")
    parts = args.only.split(",")
    bad = [p for p in parts if p not in ("crosscheck", "model", "ops")]
    if bad:
        ap.error(f"--only: unknown part(s) {bad}; known: crosscheck, model, ops")
    for opt, known in (("sizes", list(SIZES)), ("kinds", ["standard", "path"])):
        given = getattr(args, opt)
        wrong = [x for x in given.split(",") if x not in known] if given else []
        if wrong:
            ap.error(f"--{opt}: unknown {wrong}; known: {', '.join(known)}")
    args.tol = TOLERANCE[args.device] if args.tol is None else args.tol
    args.warmup = WARMUP[args.device] if args.warmup is None else args.warmup
    args.warmup_s = WARMUP_S[args.device] if args.warmup_s is None else args.warmup_s
    return args


def check_torch(device: str):
    """Imports torch; for --device gpu fails at once, saying why, when it has no usable CUDA device."""
    try:
        import torch
    except ImportError as e:
        raise SystemExit(f"bench: torch does not import in {sys.executable} ({e}); bench/run.sh makes bench/.venv")
    if device == "gpu" and not torch.cuda.is_available():
        why = ("this torch is a CPU-only build" if torch.version.cuda is None
               else f"this torch is built for CUDA {torch.version.cuda} but sees no GPU (driver, CUDA_VISIBLE_DEVICES)")
        raise SystemExit(f"bench: --device gpu, but torch {torch.__version__} in {sys.executable} cannot use CUDA: "
                         f"torch.cuda.is_available() is False ({why}). Run the driver with a CUDA build of torch "
                         f"(BENCH_PYTHON=python3 bench/run.sh ..., or python3 bench/driver.py on the GPU machine), "
                         f"or use --device cpu.")
    return torch


def java_info(args) -> dict:
    """`ModelBench info --device D`: versions and the device DJL will use; fails at once when it cannot use it."""
    cmd = java_cmd(args, "info", "--device", args.device)
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=java_env(args), capture_output=True, text=True, timeout=600)
    except FileNotFoundError as e:
        raise SystemExit(f"bench: cannot start the Java side ({cmd[0]}: {e.strerror}); command: {shlex.join(cmd)}")
    replies = [json.loads(x[3:]) for x in done.stdout.splitlines() if x.startswith("@@ ")]
    if done.returncode != 0 or not replies or "error" in replies[-1]:
        why = replies[-1].get("error") if replies else (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"bench: the DJL side cannot run on {args.device} (exit {done.returncode}): {why}\n"
                         f"  command: {shlex.join(c if len(c) < 200 else c[:80] + '...' for c in cmd)}")
    return replies[-1]


def gpu_info(torch) -> dict:
    p = torch.cuda.get_device_properties(0)
    info = {"gpu": torch.cuda.get_device_name(0), "gpu_memory_gb": round(p.total_memory / 2 ** 30, 1),
            "compute_capability": f"{p.major}.{p.minor}", "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(), "gpu_count": torch.cuda.device_count()}
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        info["driver"] = smi.stdout.strip().splitlines()[0] if smi.returncode == 0 and smi.stdout.strip() else ""
    except (OSError, subprocess.TimeoutExpired):
        info["driver"] = ""
    return info


def main():
    global OUT
    args = parse_args()
    if args.device == "gpu":
        os.environ["NVIDIA_TF32_OVERRIDE"] = "0"   # before CUDA starts in this process (the cross-check's PyTorch)
    torch = check_torch(args.device)               # before anything slow: a missing GPU fails here
    OUT = args.out
    os.makedirs(OUT, exist_ok=True)
    preset = dict(PRESETS[args.preset])
    if args.sizes:
        preset["sizes"] = args.sizes.split(",")
    if args.kinds:
        preset["kinds"] = args.kinds.split(",")
    args.reps = args.reps or preset["reps"]
    parts = args.only.split(",")
    djl = java_info(args)
    info = {"started": datetime.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "load_start": load(), "threads": args.threads, "reps": args.reps, "preset": args.preset,
            "op_warmup_s": args.op_warmup_s,
            "djl_env": lab_native_env() if args.djl_env == "lab" else "the libraries' defaults",
            "pytorch_env": args.pytorch_env or "as given, without MALLOC_* and ATEN_*",
            "python": platform.python_version(), "torch": torch.__version__,
            "java": djl["java"], "machine": platform.machine(), "cpu": cpu_name(), "device": args.device,
            "djl": djl["djl"], "djl_engine": djl["engine"], "warmup": args.warmup, "warmup_s": args.warmup_s, "tolerance": args.tol}
    if args.device == "gpu":
        from attnlab_ref import full_float32
        info.update(gpu_info(torch))
        info["torch_precision"] = full_float32()
        info["djl_cuda"] = djl.get("cuda")
        info["djl_gpu_memory_total_mb"] = djl.get("gpu_memory_total_mb")
    print(f"bench: {info}", flush=True)
    with open(os.path.join(OUT, "bench_info.json"), "w") as f:   # again at the end, with the times
        json.dump(info, f, indent=1)
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
