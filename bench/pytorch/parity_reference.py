"""Parity with chain of thought in plain PyTorch, with every recipe difference between Attention Lab's
`parity-cot` and the iteration-heads paper's setup as a switch (issue 15: what makes the CoT model learn 32 bits).

The task is the one of org.attnlab.data.tasks.ParityTask: `<bos> x1..xL <eoi> s1..sL`, s_t = (x1+..+xt) mod 2,
graded only after <eoi>. The model is 2 layers of 1 head, d 128, learned absolute positions, no positions in the
attention itself. Two recipes, each switch overridable:

  house  (ParityCotExperiment.FULL and the Trainer's defaults)
         RMSNorm, SwiGLU MLP (width 8d/3), blocks x + attn(norm x); every weight N(0, 0.02); no dropout;
         AdamW (0.9, 0.95), weight decay 0.1 on matrices, linear warmup then cosine, clip 1.0; fresh strings every
         batch; the loss stops at the chain's last token.
  paper  (Cabannes et al. 2024, as described in the paper and its settings: lengths 1..32, 1024 training strings per
         length, Adam 3e-4, batch 256, 1000 epochs)
         LayerNorm without bias, GELU MLP (width 4d), blocks x = norm(x); x = x + attn(x); x = x + mlp(norm x);
         PyTorch's default initialisation (embeddings N(0, 1), linears U(+-1/sqrt(fan_in))); embedding dropout 0.1;
         Adam (0.9, 0.999) at a constant rate, no clipping; a fixed training set; the loss also grades the padding
         token after the chain.

Accuracy is teacher forced and per chain: a test string counts when every step of its chain is right, which is the
same as greedy decoding writing the whole chain right. "solved" is the longest L such that every length up to L is
at or above 0.9. Prints one CSV line per evaluation; --json writes the whole curve.

Usage: python parity_reference.py --recipe paper --seed 0 --steps 20000 [--device cuda] [switches]
       python parity_reference.py --crosscheck DIR     (DIR written by org.attnlab.bench.ParityCrossCheck)

--crosscheck loads the DJL model's initial weights and fixed batches, trains the paper recipe (LayerNorm, the paper's
block, GELU MLP; Adam at a constant rate; dropout off) on them and compares its loss curve with DJL's; exit status 1
when a step differs by more than --tol.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, BOS, EOI, ZERO, ONE = 0, 1, 2, 3, 4
VOCAB = 5

RECIPES = {
    "house": dict(norm="rms", mlp="swiglu", block="standard", init="small", dropout=0.0, opt="adamw", lr=3e-3,
                  beta2=0.95, wd=0.1, warmup=100, schedule="cosine", clip=1.0, data="fresh", pad_targets=False),
    "paper": dict(norm="layer", mlp="gelu", block="paper", init="torch", dropout=0.1, opt="adam", lr=3e-4,
                  beta2=0.999, wd=0.0, warmup=0, schedule="constant", clip=0.0, data="fixed", pad_targets=True),
}


# ------------------------------------------------------------------------------------------------ data

def make_batch(lengths: torch.Tensor, max_len: int, gen: torch.Generator, device) -> torch.Tensor:
    """[n, 2 max_len + 2] token rows: <bos> x <eoi> s, then <pad>."""
    n = lengths.shape[0]
    width = 2 * max_len + 2
    bits = torch.randint(0, 2, (n, max_len), generator=gen, device=device)
    idx = torch.arange(max_len, device=device)
    live = idx[None, :] < lengths[:, None]
    bits = bits * live
    chain = bits.cumsum(1) % 2
    rows = torch.full((n, width), PAD, dtype=torch.long, device=device)
    rows[:, 0] = BOS
    rows[:, 1:max_len + 1] = torch.where(live, bits + ZERO, torch.full_like(bits, PAD))
    # move <eoi> and the chain right after each row's last bit
    pos = torch.arange(width, device=device)[None, :]
    eoi_at = lengths[:, None] + 1
    rows = torch.where(pos == eoi_at, torch.full_like(rows, EOI), rows)
    step = pos - eoi_at                       # 1..L on the chain
    in_chain = (step >= 1) & (step <= lengths[:, None])
    chain_tok = torch.gather(chain, 1, (step - 1).clamp(0, max_len - 1)) + ZERO
    rows = torch.where(in_chain, chain_tok, rows)
    rows = torch.where(pos > eoi_at + lengths[:, None], torch.full_like(rows, PAD), rows)
    return rows


def graded(rows: torch.Tensor, lengths: torch.Tensor, pad_targets: bool) -> torch.Tensor:
    """Mask over target positions (rows[:, 1:]): the chain, and with pad_targets the padding after it too."""
    width = rows.shape[1] - 1
    pos = torch.arange(width, device=rows.device)[None, :] + 1   # index of the target in rows
    eoi_at = lengths[:, None] + 1
    last = eoi_at + lengths[:, None]
    if pad_targets:
        return pos > eoi_at
    return (pos > eoi_at) & (pos <= last)


# ------------------------------------------------------------------------------------------------ model

class Block(nn.Module):
    def __init__(self, d: int, a):
        super().__init__()
        norm = (lambda: nn.LayerNorm(d, bias=False)) if a.norm == "layer" else (lambda: nn.RMSNorm(d, eps=1e-6))
        self.n1, self.n2 = norm(), norm()
        self.q = nn.Linear(d, d, bias=False)
        self.k = nn.Linear(d, d, bias=False)
        self.v = nn.Linear(d, d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.kind = a.mlp
        if a.mlp == "gelu":
            self.fc1 = nn.Linear(d, 4 * d, bias=False)
            self.fc2 = nn.Linear(4 * d, d, bias=False)
        else:
            w = (math.ceil(8 * d / 3) + 7) // 8 * 8
            self.gate = nn.Linear(d, w, bias=False)
            self.up = nn.Linear(d, w, bias=False)
            self.down = nn.Linear(w, d, bias=False)
        self.block = a.block
        self.d = d

    def attn(self, x):
        q, k, v = self.q(x), self.k(x), self.v(x)
        L = x.shape[1]
        s = q @ k.transpose(1, 2) / math.sqrt(self.d)
        s = s.masked_fill(~torch.ones(L, L, dtype=torch.bool, device=x.device).tril(), float("-inf"))
        w = s.softmax(-1)
        return self.o(w @ v), w

    def mlp(self, x):
        if self.kind == "gelu":
            return self.fc2(F.gelu(self.fc1(x)))
        return self.down(F.silu(self.gate(x)) * self.up(x))

    def forward(self, x):
        if self.block == "paper":
            x = self.n1(x)
            z, w = self.attn(x)
            x = x + z
        else:
            z, w = self.attn(self.n1(x))
            x = x + z
        return x + self.mlp(self.n2(x)), w


class Model(nn.Module):
    def __init__(self, a, width: int):
        super().__init__()
        d = a.d
        self.tok = nn.Embedding(VOCAB, d)
        self.pos = nn.Embedding(width, d)
        self.blocks = nn.ModuleList([Block(d, a) for _ in range(a.layers)])
        self.nf = nn.LayerNorm(d, bias=False) if a.norm == "layer" else nn.RMSNorm(d, eps=1e-6)
        self.head = nn.Linear(d, VOCAB, bias=False)
        self.dropout = a.dropout
        if a.init == "small":
            for p in self.parameters():
                if p.dim() == 2:
                    nn.init.normal_(p, std=0.02)

    def forward(self, x, keep_attn=False):
        h = self.tok(x) + self.pos.weight[: x.shape[1]]
        h = F.dropout(h, self.dropout, self.training)
        attns = []
        for b in self.blocks:
            h, w = b(h)
            if keep_attn:
                attns.append(w)
        return self.head(self.nf(h)), attns


# ------------------------------------------------------------------------------------------------ crosscheck

def crosscheck(directory: str, tol: float) -> bool:
    import os
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import attnlab_ref as ref
    weights, windex = ref.read_tensors(os.path.join(directory, "weights"))
    batches, bindex = ref.read_tensors(os.path.join(directory, "batches"))
    with open(os.path.join(directory, "djl_curve.json")) as f:
        djl = json.load(f)["loss"]
    meta, train = windex["meta"]["model"], windex["meta"]["train"]
    a = argparse.Namespace(d=meta["d"], layers=2, norm="layer", mlp="gelu", block="paper", init="torch", dropout=0.0)
    model = Model(a, meta["context"])
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            m.eps = meta["norm_eps"]
    with torch.no_grad():
        model.tok.weight.copy_(weights["embed"])
        model.pos.weight.copy_(weights["positions"])
        model.head.weight.copy_(weights["head"])                    # [vocab, d] on both sides
        model.nf.weight.copy_(weights["ln_final.gain"])
        for i, b in enumerate(model.blocks):
            p = f"blocks.{i}."
            b.n1.weight.copy_(weights[p + "attn_norm.gain"])
            b.n2.weight.copy_(weights[p + "mlp_norm.gain"])
            for name in ("q", "k", "v", "o"):                       # Java [in, out], torch [out, in]
                getattr(b, name).weight.copy_(weights[p + "attn.w" + name].T)
            b.fc1.weight.copy_(weights[p + "mlp.w1"].T)
            b.fc2.weight.copy_(weights[p + "mlp.w2"].T)
    opt = torch.optim.Adam(model.parameters(), lr=train["lr"], betas=(0.9, 0.999), eps=1e-8)
    worst = 0.0
    for t in range(train["steps"]):
        i = t % bindex["meta"]["count"]
        x, y = batches[f"tokens.{i}"].long(), batches[f"targets.{i}"].long()
        mask = batches[f"mask.{i}"].bool()
        logits, _ = model(x)
        loss = F.cross_entropy(logits[mask], y[mask])
        opt.zero_grad()
        loss.backward()
        opt.step()
        diff = abs(loss.item() - djl[t])
        worst = max(worst, diff)
        print(f"step {t + 1:3d}  djl {djl[t]:.6f}  torch {loss.item():.6f}  |diff| {diff:.2e}")
    print(f"max |diff| {worst:.2e} over {train['steps']} steps (tolerance {tol:g})")
    return worst <= tol


# ------------------------------------------------------------------------------------------------ train

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipe", choices=sorted(RECIPES), default="paper")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--max-len", type=int, default=32)
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--train-per-length", type=int, default=1024, help="fixed data: training strings per length")
    p.add_argument("--test-per-length", type=int, default=256)
    p.add_argument("--eval-every", type=int, default=1000)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--label", default=None)
    p.add_argument("--json", default=None)
    p.add_argument("--crosscheck", default=None, help="compare with the DJL run written in this folder")
    p.add_argument("--tol", type=float, default=1e-3)
    for k, v in RECIPES["house"].items():
        p.add_argument("--" + k.replace("_", "-"), type=type(v) if not isinstance(v, bool) else (lambda s: s == "1"),
                       default=None)
    a = p.parse_args(argv)
    if a.crosscheck:
        return crosscheck(a.crosscheck, a.tol)
    for k, v in RECIPES[a.recipe].items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    allowed = dict(norm={"rms", "layer"}, mlp={"swiglu", "gelu"}, block={"standard", "paper"},
                   init={"small", "torch"}, opt={"adam", "adamw"}, schedule={"constant", "cosine"},
                   data={"fresh", "fixed"})
    for k, ok in allowed.items():
        if getattr(a, k) not in ok:
            p.error(f"--{k} {getattr(a, k)!r}: allowed {sorted(ok)}")
    label = a.label or f"{a.recipe}-s{a.seed}"
    dev = torch.device(a.device)
    torch.manual_seed(a.seed)
    gen = torch.Generator(device=dev).manual_seed(a.seed)
    width = 2 * a.max_len + 2
    model = Model(a, width).to(dev)

    decay = [q for q in model.parameters() if q.dim() == 2 and q is not model.tok.weight and q is not model.pos.weight]
    rest = [q for q in model.parameters() if not any(q is r for r in decay)]
    groups = [dict(params=decay, weight_decay=a.wd), dict(params=rest, weight_decay=0.0)]
    opt_cls = torch.optim.AdamW if a.opt == "adamw" else torch.optim.Adam
    opt = opt_cls(groups if a.opt == "adamw" else model.parameters(), lr=a.lr, betas=(0.9, a.beta2), eps=1e-8)

    def lr_at(step):   # step 1..steps
        if a.warmup and step <= a.warmup:
            return a.lr * step / a.warmup
        if a.schedule == "constant":
            return a.lr
        t = (step - a.warmup) / max(1, a.steps - a.warmup)
        return a.lr * 0.5 * (1 + math.cos(math.pi * t))

    lengths_all = torch.arange(1, a.max_len + 1, device=dev)
    if a.data == "fixed":
        tl = lengths_all.repeat_interleave(a.train_per_length)
        train_rows = make_batch(tl, a.max_len, gen, dev)
        train_lengths = tl
    test_gen = torch.Generator(device=dev).manual_seed(10_000 + a.seed)
    te_l = lengths_all.repeat_interleave(a.test_per_length)
    test_rows = make_batch(te_l, a.max_len, test_gen, dev)

    def evaluate():
        model.eval()
        with torch.no_grad():
            logits, attns = model(test_rows[:, :-1], keep_attn=True)
            pred = logits.argmax(-1)
            target = test_rows[:, 1:]
            mask = graded(test_rows, te_l, False)
            wrong = ((pred != target) & mask).any(1)
            acc = 1 - wrong.float().view(a.max_len, a.test_per_length).mean(1)
            # iteration-head score at the longest length: layer 1, query at the input holding s_{t-1} (or <eoi>
            # for t = 1) is position L+t, the right key x_t is position t
            L = a.max_len
            rows = slice((L - 1) * a.test_per_length, L * a.test_per_length)
            w1 = attns[-1][rows]                                           # [n, T, T]
            t = torch.arange(1, L + 1, device=dev)
            on_x = w1[:, L + t, t]                                         # [n, L]
            w0 = attns[0][rows][:, L + t, L + 1]                           # layer 0 on <eoi>
        model.train()
        solved = 0
        for i in range(a.max_len):
            if acc[i] >= 0.9:
                solved = i + 1
            else:
                break
        return dict(acc=[round(x, 4) for x in acc.tolist()], solved=solved, acc_max=acc[-1].item(),
                    acc_min=acc.min().item(), iter1=(on_x > 0.5).float().mean().item(),
                    eoi0=(w0 > 0.5).float().mean().item())

    curve = []
    print("label,step,seconds,loss,acc_at_max,acc_min,solved,iter_head_l1,eoi_head_l0", flush=True)
    start = time.time()
    running = 0.0
    for step in range(1, a.steps + 1):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        if a.data == "fixed":
            pick = torch.randint(0, train_rows.shape[0], (a.batch,), generator=gen, device=dev)
            rows, lens = train_rows[pick], train_lengths[pick]
        else:
            lens = torch.randint(1, a.max_len + 1, (a.batch,), generator=gen, device=dev)
            rows = make_batch(lens, a.max_len, gen, dev)
        logits, _ = model(rows[:, :-1])
        mask = graded(rows, lens, a.pad_targets)
        loss = F.cross_entropy(logits[mask], rows[:, 1:][mask])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if a.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        if step % 100 == 0:
            running = loss.item()
        if step % a.eval_every == 0 or step == a.steps:
            e = evaluate()
            e.update(step=step, seconds=round(time.time() - start, 1), loss=running)
            curve.append(e)
            print(f"{label},{step},{e['seconds']},{running:.4g},{e['acc_max']:.3f},{e['acc_min']:.3f},"
                  f"{e['solved']},{e['iter1']:.3f},{e['eoi0']:.3f}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(label=label, args=vars(a), curve=curve), f)
    return curve


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
