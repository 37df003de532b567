"""A torch.profiler trace (Chrome-trace JSON, with input shapes) of a few warm PyTorch training steps of a bench model:
the counterpart of the Java `StepTrace` (see bench/README.md, "Kernel by kernel"). The step is the timing worker's
(`worker.Worker.step`: reference model, masked cross-entropy, backward, loss and norm reads, clip_grad_norm_,
torch.optim.AdamW, zero_grad).

  python bench/pytorch/step_trace.py [--size mid] [--kind standard] [--warmup-s 20] [--steps 3] [--threads 1]
                                     [--out build/bench/trace-pytorch-mid-standard.json]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attnlab_ref as ref  # noqa: E402
from kernel_bench import minor_faults  # noqa: E402
from worker import Worker  # noqa: E402

SIZES = {  # vocab, d_model, heads, layers, batch, length (bench/driver.py)
    "tiny": (256, 64, 2, 2, 4, 32),
    "small": (512, 128, 4, 4, 8, 64),
    "mid": (1024, 256, 4, 4, 8, 128),
    "large": (2048, 384, 6, 6, 8, 256),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="mid", choices=sorted(SIZES))
    ap.add_argument("--kind", default="standard", choices=["standard", "path"])
    ap.add_argument("--warmup-s", type=float, default=20.0)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.steps < 1:
        ap.error(f"--steps must be at least 1; got {a.steps}")
    out = a.out or f"build/bench/trace-pytorch-{a.size}-{a.kind}.json"
    ref.set_threads(a.threads)
    v, d, h, n, b, length = SIZES[a.size]
    w = Worker("cpu")
    w.setup_model(dict(kind=a.kind, vocab=v, d_model=d, heads=h, layers=n, batch=b, length=length, chunk=64, seed=1))
    end, seen = time.monotonic() + a.warmup_s, []
    while len(seen) < 3 or time.monotonic() < end:
        f0 = minor_faults()
        c0 = time.thread_time()
        w.step(w.host)
        seen.append(((time.thread_time() - c0) * 1e3, minor_faults() - f0))
    late = seen[len(seen) // 2:]
    print(f"{a.size} {a.kind}: {len(seen)} warm-up steps; the last {len(late)}: median "
          f"{statistics.median(s[0] for s in late):.1f} CPU ms, {statistics.median(s[1] for s in late):.0f} minor page faults")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    c0 = time.thread_time()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(a.steps):
            w.step(w.host)
    cpu = (time.thread_time() - c0) * 1e3 / a.steps
    prof.export_chrome_trace(out)
    print(f"profiled {a.steps} steps, {cpu:.1f} CPU ms per step (with the profiler); wrote {out}")


if __name__ == "__main__":
    main()
