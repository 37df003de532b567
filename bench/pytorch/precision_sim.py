"""How far can two correct float32 runs of the cross-check drift apart, and how far does TF32 take them? On the CPU.

The cross-check on a GPU compares DJL's libtorch and PyTorch on the same device. Both call the same cuBLAS, but
nothing promises the same kernel (or split of the inner dimension) for the same product in two processes, and
atomics make some reductions order-dependent, so their products may round differently. This replays the
cross-check's 20 updates in the PyTorch reference three ways, from the weights and batches a `ModelBench export`
wrote (bench/run.sh --only crosscheck leaves them in build/bench/crosscheck/CASE):

  float32    every matrix product as PyTorch computes it on this CPU (the reference);
  reordered  every matrix product, forward and backward, computed in float64 and rounded once to float32: the
             correctly rounded result, which differs from float32 accumulation in the last bits of every element,
             as another summation order would (a stand-in for another cuBLAS kernel);
  tf32       every product's operands, forward and backward, rounded to TF32 (10 mantissa bits, round to nearest)
             before a float32 product: what the GPU computes with TF32 on.

and prints max |loss - loss_float32| over the updates per case (and DJL's own curve against the reference).
Usage: python precision_sim.py DIR [DIR ...]
"""
from __future__ import annotations

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attnlab_ref as ref  # noqa: E402


def tf32(x: torch.Tensor) -> torch.Tensor:
    """Round float32 to TF32's 10 explicit mantissa bits (nearest, ties away), kept in float32."""
    i = x.contiguous().view(torch.int32)
    return ((i + 0x1000) & ~0x1FFF).view(torch.float32)


class Product(torch.autograd.Function):
    """a @ b with a chosen rounding of its operands / result, in the forward and both backward products."""
    mode = "float32"

    @staticmethod
    def mm(a, b):
        if Product.mode == "reordered":
            return torch.matmul(a.double(), b.double()).float()
        if Product.mode == "tf32":
            return torch.matmul(tf32(a), tf32(b))
        return torch.matmul(a, b)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return Product.mm(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = Product.mm(g, b.transpose(-1, -2))
        gb = Product.mm(a.transpose(-1, -2), g)
        # broadcast batch dimensions back to each operand's shape
        while ga.dim() > a.dim():
            ga = ga.sum(0)
        while gb.dim() > b.dim():
            gb = gb.sum(0)
        for d in range(a.dim()):
            if a.shape[d] == 1 and ga.shape[d] != 1:
                ga = ga.sum(d, keepdim=True)
        for d in range(b.dim()):
            if b.shape[d] == 1 and gb.shape[d] != 1:
                gb = gb.sum(d, keepdim=True)
        return ga, gb


def curve(directory: str, mode: str) -> list[float]:
    """The cross-check's training loop (crosscheck.run) with every `@` going through Product in `mode`."""
    Product.mode = mode
    original = torch.Tensor.__matmul__
    torch.Tensor.__matmul__ = lambda a, b: Product.apply(a, b) if a.dim() >= 2 and b.dim() >= 2 else original(a, b)
    try:
        weights, windex = ref.read_tensors(os.path.join(directory, "weights"))
        batches, bindex = ref.read_tensors(os.path.join(directory, "batches"))
        meta, train, decays = windex["meta"]["model"], windex["meta"]["train"], windex["meta"]["decays"]
        model = ref.DecoderLM(ref.config_from(meta))
        ref.load_weights(model, weights)
        named = dict(model.named_parameters())
        params = list(named.values())
        opt = ref.AttnLabAdamW(params, [decays[n] for n in named], betas=tuple(train["betas"]), eps=train["eps"],
                               weight_decay=train["weight_decay"])
        steps = train["steps"]
        schedule = ref.warmup_cosine(train["lr"], train["warmup"], steps, train["lr"] * train["min_lr_ratio"])
        count = bindex["meta"]["count"]
        out = []
        for t in range(steps):
            i = t % count
            loss = ref.masked_cross_entropy(model(batches[f"tokens.{i}"]), batches[f"targets.{i}"],
                                            batches[f"mask.{i}"])
            loss.backward()
            out.append(loss.double().item())
            ref.clip_grad_norm(params, train["clip_norm"])
            opt.step(schedule(t))
        return out
    finally:
        torch.Tensor.__matmul__ = original


def main():
    ref.set_threads(1)
    print(f"{'case':>14} {'DJL vs float32':>15} {'reordered':>10} {'tf32':>10}   max |loss diff| over the updates")
    for d in sys.argv[1:]:
        base = curve(d, "float32")
        with open(os.path.join(d, "djl_curve.json")) as f:
            djl = json.load(f)["loss"]
        diff = lambda c: max(abs(x - y) for x, y in zip(c, base))
        print(f"{os.path.basename(os.path.normpath(d)):>14} {diff(djl):15.1e} {diff(curve(d, 'reordered')):10.1e} "
              f"{diff(curve(d, 'tf32')):10.1e}")


if __name__ == "__main__":
    main()
