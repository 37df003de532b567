"""PyTorch side of the timing benchmark: the counterpart of `ModelBench serve` (same protocol, same measurements).

Reads one JSON command per line on stdin, answers `@@ {json}` on stdout:
  {"cmd": "model", kind, vocab, d_model, heads, layers, batch, length, chunk, seed}
      builds the reference DecoderLM and an idiomatic eager training step (torch.optim.AdamW with the same decay
      split, torch.nn.utils.clip_grad_norm_, warmup-free constant rate), runs one 1 x 8 step (kernels, optimiser
      state), then measures the resident-set peak of the first full-size step -> {"params", "peak_mb", "rss_mb"}
  {"cmd": "op", op: softmax|softmax_sdpa|path|pathChunked, length, heads, dim, chunk}
      the same for one op's forward + backward with loss sum(o^2)
  {"cmd": "time", "what": "forward"|"train"|"op"} -> {"ms", "cpu_ms"} (wall; this thread's CPU time); {"cmd": "quit"}
  {"cmd": "ops"} -> top-level operator events of one training step by phase (forward, backward, optimizer, step),
      counted as ModelBench's OpCounter counts DJL's: events with no operator above them, looking through the
      Optimizer.* annotations; "<phase>_nested" counts every operator event
Usage: python worker.py --threads N [--device cpu|gpu]   (torch.set_num_threads(N), one inter-op thread)

On a GPU (--device gpu; CUDA device 0, TF32 off, see attnlab_ref.full_float32): model, optimiser state and op
inputs live on the device, each step copies its host batch there (as DJL's worker creates its batch from Java
arrays), and every timed repetition ends with a read of one value to the host (`train`: one element of the first
parameter after the update, as ModelBench does), so times include the device's work. Memory replies add
`gpu_peak_alloc_mb` (torch.cuda.max_memory_allocated during the first full-size step, minus what was allocated
before it), `gpu_reserved_mb` (the caching allocator's peak reservation) and `gpu_used_mb` (growth of the device
memory in use by cudaMemGetInfo, the one number DJL's side can measure too).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attnlab_ref as ref  # noqa: E402


def rss(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def host_batch(cfg: dict, batch: int, length: int, index: int = 0):
    """Same distribution as BenchModel.hostBatch (not the same values: timing does not need them)."""
    g = torch.Generator().manual_seed(int(cfg.get("seed", 1)) * 1000 + index)
    vocab = int(cfg["vocab"])
    u = torch.rand(batch, length + 1, generator=g, dtype=torch.float64)
    seq = (vocab * u * u).long().clamp(max=vocab - 1)
    half = (length + 1) // 2
    seq[:, half:] = seq[:, : length + 1 - half].clone()
    mask = torch.ones(batch, length)
    mask[1::2, 0] = 0
    return seq[:, :-1].int(), seq[:, 1:].int(), mask                   # host tensors (no numpy needed)


def decay_of(name: str, p: torch.Tensor) -> bool:
    """AdamW.DecayRule.MATRICES_ONLY on the structural names: matrices decay, except norms and the embedding."""
    if p.dim() < 2:
        return False
    n = name.lower()
    return not ("norm" in n or "embed" in n or n.endswith("bias") or n.endswith("gamma") or n.endswith("beta"))


class profiled:
    """Profiles a block with torch.profiler (CPU) and stores its top-level and total operator counts in `into`."""

    def __init__(self, into: dict, phase: str):
        self.into, self.phase = into, phase

    def __enter__(self):
        self.prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
        self.prof.__enter__()

    def __exit__(self, *exc):
        self.prof.__exit__(*exc)
        events = [e for e in self.prof.events() if not is_annotation(e.name)]
        top = 0
        for e in events:
            p = e.cpu_parent
            while p is not None and is_annotation(p.name):
                p = p.cpu_parent
            top += p is None
        self.into[self.phase] = top
        self.into[self.phase + "_nested"] = len(events)


def is_annotation(name: str) -> bool:
    return name.startswith("Optimizer.") or name.startswith("ProfilerStep") or name.startswith("## ")


class Worker:
    def __init__(self, device: str = "cpu"):
        self.model = None
        self.dev = ref.torch_device(device)
        self.gpu = self.dev.type == "cuda"

    def to_dev(self, host):
        return tuple(a.to(self.dev) for a in host)                   # on the CPU the same tensors, no copy

    def sync(self):
        """On a GPU: wait for the device by reading one element of the first parameter (ModelBench does the same)."""
        if self.gpu and self.model is not None:
            with torch.no_grad():
                next(self.model.parameters()).reshape(-1)[0].item()

    def memory_start(self):
        """Marks the start of a memory measurement; returns what memory_end needs."""
        before = rss("VmRSS")
        gpu = None
        if self.gpu:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            free, total = torch.cuda.mem_get_info()
            gpu = (torch.cuda.memory_allocated(), total - free)
        reset_peak()
        return before, gpu

    def memory_end(self, start, reply: dict) -> dict:
        before, gpu = start
        if self.gpu:
            torch.cuda.synchronize()
            free, total = torch.cuda.mem_get_info()
            reply.update(gpu_peak_alloc_mb=(torch.cuda.max_memory_allocated() - gpu[0]) / 2 ** 20,
                         gpu_reserved_mb=torch.cuda.max_memory_reserved() / 2 ** 20,
                         gpu_used_mb=(total - free - gpu[1]) / 2 ** 20, gpu_in_use_mb=(total - free) / 2 ** 20)
        reply.update(peak_mb=(rss("VmHWM") - before) / 2 ** 20, rss_mb=rss("VmHWM") / 2 ** 20)
        return reply

    def setup_model(self, c: dict):
        self.model = None
        cfg = ref.Config(vocab=int(c["vocab"]), d_model=int(c["d_model"]), heads=int(c["heads"]),
                         layers=int(c["layers"]), mlp_width=ref.Config.default_mlp_width(int(c["d_model"])),
                         kind=c["kind"], path_chunk=int(c.get("chunk", 64)))
        torch.manual_seed(int(c.get("seed", 1)))
        self.model = ref.DecoderLM(cfg).to(self.dev)
        decays = {n: decay_of(n, p) for n, p in self.model.named_parameters()}
        self.opt = ref.torch_adamw(self.model, decays, lr=1e-4)
        self.batch, self.length = int(c["batch"]), int(c["length"])
        self.host = host_batch(c, self.batch, self.length)
        self.step(host_batch(c, 1, 8))                                   # kernels, optimiser state
        self.sync()
        start = self.memory_start()
        self.step(self.host)                                             # cold full-size step
        self.sync()
        return self.memory_end(start, {"params": sum(p.numel() for p in self.model.parameters())})

    def step(self, host):
        """One update as a PyTorch user writes it; reads the loss and the norm like the Java Trainer does."""
        tokens, targets, mask = self.to_dev(host)
        loss = ref.masked_cross_entropy(self.model(tokens), targets, mask)
        loss.backward()
        loss_value = loss.item()
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0).item()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss_value, norm

    def count_ops(self):
        """Operators per phase of one training step (the same phases as the Java StepOps)."""
        tokens, targets, mask = self.to_dev(self.host)
        out = {}
        with profiled(out, "forward"):
            loss = ref.masked_cross_entropy(self.model(tokens), targets, mask)
        with profiled(out, "backward"):
            loss.backward()
        with profiled(out, "optimizer"):
            loss.item()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0).item()
            self.opt.step()
            self.opt.zero_grad(set_to_none=True)
        with profiled(out, "step"):
            self.step(self.host)
        return out

    def forward(self):
        with torch.no_grad():
            self.model(self.host[0].to(self.dev))[0, 0, 0].item()

    def setup_op(self, c: dict):
        self.model = None
        self.op = c["op"]
        ops = {"softmax": lambda q, k, v, w, b, s, ch: ref.softmax_attention(q, k, v, s),
               "softmax_sdpa": lambda q, k, v, w, b, s, ch: ref.softmax_attention_sdpa(q, k, v, s),
               "path": lambda q, k, v, w, b, s, ch: ref.path_attention(q, k, v, w, b, s),
               "pathChunked": lambda q, k, v, w, b, s, ch: ref.path_chunked(q, k, v, w, b, s, ch)}
        if self.op not in ops:
            raise ValueError(f"unknown op {self.op}; known: {sorted(ops)}")
        self.fn = ops[self.op]
        self.chunk = int(c["chunk"])
        torch.manual_seed(7)
        self.inputs = self.op_inputs(int(c["heads"]), int(c["length"]), int(c["dim"]))
        self.op_step(self.op_inputs(int(c["heads"]), 8, int(c["dim"])))
        start = self.memory_start()
        self.op_step(self.inputs)
        return self.memory_end(start, {})

    def op_inputs(self, h, length, d):
        w = torch.randn(1, h, length, d)
        w = w / w.norm(dim=3, keepdim=True)
        return [x.to(self.dev) for x in (torch.randn(1, h, length, d), torch.randn(1, h, length, d),
                                         torch.randn(1, h, length, d), w, torch.empty(1, h, length).uniform_(0.1, 1.9))]

    def op_step(self, inputs):
        x = [t.clone().requires_grad_(True) for t in inputs]
        o = self.fn(*x, 1 / math.sqrt(x[0].shape[3]), self.chunk)
        (o * o).sum().backward()
        x[0].grad[0, 0, 0, 0].item()

    def handle(self, c: dict):
        cmd = c["cmd"]
        if cmd == "model":
            return self.setup_model(c)
        if cmd == "op":
            return self.setup_op(c)
        if cmd == "time":
            c0, t0 = time.thread_time(), time.perf_counter()
            {"forward": self.forward, "train": lambda: (self.step(self.host), self.sync()),
             "op": lambda: self.op_step(self.inputs)}[c["what"]]()
            return {"ms": (time.perf_counter() - t0) * 1e3, "cpu_ms": (time.thread_time() - c0) * 1e3}
        if cmd == "ops":
            return self.count_ops()
        if cmd == "quit":
            return None
        raise ValueError(f"unknown cmd {cmd}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    args = ap.parse_args()
    ref.set_threads(args.threads)
    try:
        w = Worker(args.device)
    except (RuntimeError, ValueError) as e:
        print("@@ " + json.dumps({"error": str(e)}), flush=True)
        sys.exit(2)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = w.handle(json.loads(line))
        except Exception as e:  # report, keep serving
            reply = {"error": repr(e)}
        if reply is None:
            print("@@ " + json.dumps({"bye": True}), flush=True)
            break
        print("@@ " + json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
