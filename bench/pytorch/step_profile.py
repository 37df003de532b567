"""PyTorch counterpart of org.attnlab.bench.StepProfile: the phases of a training step timed one by one.
Usage: python step_profile.py --kind standard --vocab 1024 --d_model 256 --heads 4 --layers 4 --batch 8 --length 128
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attnlab_ref as ref  # noqa: E402
from worker import decay_of, host_batch  # noqa: E402

ap = argparse.ArgumentParser()
for k, d in [("kind", "standard"), ("vocab", 1024), ("d_model", 256), ("heads", 4), ("layers", 4), ("batch", 8),
             ("length", 128), ("chunk", 64), ("reps", 5), ("threads", 1)]:
    ap.add_argument("--" + k, default=d, type=type(d))
ap.add_argument("--optim", default="torch", choices=["torch", "mirror"])
a = ap.parse_args()
ref.set_threads(a.threads)
cfg = ref.Config(a.vocab, a.d_model, a.heads, a.layers, ref.Config.default_mlp_width(a.d_model), a.kind,
                 path_chunk=a.chunk)
model = ref.DecoderLM(cfg)
decays = {n: decay_of(n, p) for n, p in model.named_parameters()}
if a.optim == "torch":
    opt = ref.torch_adamw(model, decays, lr=1e-4)
    update = lambda: (opt.step(), opt.zero_grad(set_to_none=True))
else:
    opt = ref.AttnLabAdamW(model.parameters(), decays.values())
    update = lambda: opt.step(1e-4)
host = host_batch(vars(a), a.batch, a.length)
phases = {k: [] for k in ["forward(no grad)", "forward+loss(grad)", "backward", "loss read", "clip", "adamw",
                          "step total"]}
for r in range(a.reps + 1):
    tokens, targets, mask = host
    t0 = time.perf_counter()
    with torch.no_grad():
        model(tokens)[0, 0, 0].item()
    t1 = time.perf_counter()
    loss = ref.masked_cross_entropy(model(tokens), targets, mask)
    t2 = time.perf_counter()
    loss.backward()
    t3 = time.perf_counter()
    loss.item()
    t4 = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
    t5 = time.perf_counter()
    update()
    t6 = time.perf_counter()
    if r > 0:
        for k, v in zip(phases, [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t6 - t1]):
            phases[k].append(v * 1e3)
print(f"PyTorch {a.kind} d={a.d_model} n={a.layers} B={a.batch} L={a.length}, optimiser {a.optim}")
for k, v in phases.items():
    print(f"  {k:<20} {statistics.median(v):9.2f} ms")
