"""Single kernels of the mid-size train step from PyTorch, one at a time in a loop: the counterpart of the Java
`KernelBench` (same ops, shapes, modes and output lines; see its javadoc and bench/README.md, "Kernel by kernel").

  python bench/pytorch/kernel_bench.py [--reps 200] [--keep 64] [--threads 1] [--only NAME,...]
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


def minor_faults() -> int:
    with open("/proc/thread-self/stat") as f:
        s = f.read()
    return int(s[s.rindex(")") + 2:].split(" ")[7])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--keep", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only")
    a = ap.parse_args()
    ref.set_threads(a.threads)
    torch.manual_seed(1)
    r = torch.randn
    i = [r(1024, 256), r(256, 688), r(1024, 688), r(688, 256), r(256, 256), r(8, 128, 688), r(8, 128, 688),
         r(8, 128, 1024), r(8, 4, 128, 128), torch.rand(967168) + 1, torch.rand(967168) + 1]
    i += [r(24800) for _ in range(39)]
    ops = {
        "mm_1024x256_256x688": lambda: i[0] @ i[1],
        "mm_1024x688_688x256": lambda: i[2] @ i[3],
        "mm_1024x256_256x256": lambda: i[0] @ i[4],
        "mul_8x128x688": lambda: i[5] * i[6],
        "sigmoid_8x128x688": lambda: torch.sigmoid(i[5]),
        "logsoftmax_8x128x1024": lambda: torch.log_softmax(i[7], -1),
        "softmax_8x4x128x128": lambda: torch.softmax(i[8], -1),
        "div_967168": lambda: i[9] / i[10],
        "sqrt_967168": lambda: i[9].sqrt(),
        "cat_39x24800": lambda: torch.cat(i[11:50]),
    }
    only = a.only.split(",") if a.only else None
    for name, fn in ops.items():
        if only and name not in only:
            continue
        for mode in ("free", "keep"):
            alive, us, faults = [], [], []
            for rep in range(-(a.reps // 5), a.reps):
                f0 = minor_faults()
                c0 = time.thread_time_ns()
                y = fn()
                c1 = time.thread_time_ns()
                f1 = minor_faults()
                if mode == "keep":
                    alive.append(y)
                    if len(alive) > a.keep:
                        alive.pop(0)
                del y
                if rep >= 0:
                    us.append((c1 - c0) / 1e3)
                    faults.append(f1 - f0)
            print(f"{name:<24} {mode:<5} {statistics.median(us):10.1f} us {statistics.median(faults):8.0f} faults "
                  f"(min {min(us):.1f} us)", flush=True)


if __name__ == "__main__":
    main()
