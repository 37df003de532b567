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
Usage: python worker.py --threads N   (torch.set_num_threads(N), one inter-op thread)
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
    return seq[:, :-1].int().numpy(), seq[:, 1:].int().numpy(), mask.numpy()


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
    def __init__(self):
        self.model = None

    def setup_model(self, c: dict):
        self.model = None
        cfg = ref.Config(vocab=int(c["vocab"]), d_model=int(c["d_model"]), heads=int(c["heads"]),
                         layers=int(c["layers"]), mlp_width=ref.Config.default_mlp_width(int(c["d_model"])),
                         kind=c["kind"], path_chunk=int(c.get("chunk", 64)))
        torch.manual_seed(int(c.get("seed", 1)))
        self.model = ref.DecoderLM(cfg)
        decays = {n: decay_of(n, p) for n, p in self.model.named_parameters()}
        self.opt = ref.torch_adamw(self.model, decays, lr=1e-4)
        self.batch, self.length = int(c["batch"]), int(c["length"])
        self.host = host_batch(c, self.batch, self.length)
        self.step(host_batch(c, 1, 8))                                   # kernels, optimiser state
        before = rss("VmRSS")
        reset_peak()
        self.step(self.host)                                             # cold full-size step
        return {"params": sum(p.numel() for p in self.model.parameters()),
                "peak_mb": (rss("VmHWM") - before) / 2 ** 20, "rss_mb": rss("VmHWM") / 2 ** 20}

    def step(self, host):
        """One update as a PyTorch user writes it; reads the loss and the norm like the Java Trainer does."""
        tokens, targets, mask = (torch.from_numpy(a) for a in host)
        loss = ref.masked_cross_entropy(self.model(tokens), targets, mask)
        loss.backward()
        loss_value = loss.item()
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0).item()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss_value, norm

    def count_ops(self):
        """Operators per phase of one training step (the same phases as the Java StepOps)."""
        tokens, targets, mask = (torch.from_numpy(a) for a in self.host)
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
            self.model(torch.from_numpy(self.host[0]))[0, 0, 0].item()

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
        before = rss("VmRSS")
        reset_peak()
        self.op_step(self.inputs)
        return {"peak_mb": (rss("VmHWM") - before) / 2 ** 20, "rss_mb": rss("VmHWM") / 2 ** 20}

    @staticmethod
    def op_inputs(h, length, d):
        w = torch.randn(1, h, length, d)
        w = w / w.norm(dim=3, keepdim=True)
        return [torch.randn(1, h, length, d), torch.randn(1, h, length, d), torch.randn(1, h, length, d), w,
                torch.empty(1, h, length).uniform_(0.1, 1.9)]

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
            {"forward": self.forward, "train": lambda: self.step(self.host),
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
    args = ap.parse_args()
    ref.set_threads(args.threads)
    w = Worker()
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
