"""PyTorch reference of Attention Lab's DecoderLM, attention ops, AdamW, schedule and clipping.

Each piece mirrors one Java source, operation for operation, so that the same weights and batches give the same
numbers up to float32 rounding (the cross-implementation check in bench/crosscheck.py):

  rms_norm            org.attnlab.model.RMSNorm          y = x / sqrt(mean(x^2) + eps) * g
  swiglu              org.attnlab.attention.SwiGLU       Down(SiLU(x Gate) * (x Up))
  rope                AttentionOps.rope                  rotate-half, theta = p * base^(-2m/D)
  softmax_attention   AttentionOps.softmax               causal softmax(scale q.k) v
  path_attention      AttentionOps.path                  PaTH, dense UT form (one L x L inverse)
  path_chunked        AttentionOps.pathChunked           PaTH, blockwise scan with an online softmax
  SoftmaxAttention / PathAttention / TransformerBlock / DecoderLM   the blocks of the same names
  masked_cross_entropy  org.attnlab.train.MaskedLoss.crossEntropy
  clip_grad_norm      org.attnlab.train.GradientClip.clip
  AttnLabAdamW        org.attnlab.train.AdamW            (same order of operations, float32 scalars)
  warmup_cosine       org.attnlab.train.LrSchedule.warmupCosine

Tensors are [batch, heads, length, headDim] (B, H, L, D) as in the Java code; weights are [in, out] (y = x @ W).
Parameter names are the structural names the Java exporter writes (bench/README.md):
embed, head, blocks.N.attn_norm.gain, blocks.N.attn.<wq|wk|wv|wo|w_down|w_up|w_conv|beta_proj|beta_bias>,
blocks.N.mlp_norm.gain, blocks.N.mlp.<gate|up|down>, ln_final.gain.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------------------------------- ops

def causal_bias(length: int, dtype=torch.float32, device=None) -> torch.Tensor:
    """[L, L]: 0 where j <= i, -inf above the diagonal (AttentionOps.causalBias)."""
    mask = torch.ones(length, length, dtype=torch.bool, device=device).tril()
    return torch.zeros(length, length, dtype=dtype, device=device).masked_fill(~mask, float("-inf"))


def lower_ones(n: int, strict: bool, dtype=torch.float32, device=None) -> torch.Tensor:
    """0/1 [n, n]: j <= i, or j < i when strict (AttentionOps.lowerOnes)."""
    return torch.ones(n, n, dtype=dtype, device=device).tril(-1 if strict else 0)


def masked_softmax(logits: torch.Tensor) -> torch.Tensor:
    length = logits.shape[-1]
    return (logits + causal_bias(length, logits.dtype, logits.device)).softmax(-1)


def softmax_attention(q, k, v, scale: float) -> torch.Tensor:
    """o_i = sum_{j<=i} softmax_j(scale q_i.k_j) v_j."""
    scores = (q @ k.transpose(-1, -2)) * scale            # (B,H,L,D) x (B,H,D,L) -> (B,H,L,L)
    return masked_softmax(scores) @ v


def softmax_attention_sdpa(q, k, v, scale: float) -> torch.Tensor:
    """The same through PyTorch's fused scaled_dot_product_attention (what a PyTorch user would call)."""
    return F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=scale)


def rope(x: torch.Tensor, base: float) -> torch.Tensor:
    """Rotary embedding, rotate-half: [x1 cos - x2 sin, x2 cos + x1 sin], angle p * base^(-2m/D)."""
    length, d = x.shape[2], x.shape[3]
    half = d // 2
    pairs = torch.arange(0, half, dtype=torch.float32, device=x.device)
    inv_freq = (pairs * (-2.0 / d) * math.log(base)).exp()                        # base^(-2m/D)
    positions = torch.arange(0, length, dtype=torch.float32, device=x.device).reshape(length, 1)
    angles = positions @ inv_freq.reshape(1, half)                                 # (L, D/2)
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def ut_transform(w: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """T = (I + strictLower(diag(beta) W W^T))^{-1} diag(beta), batched: H_n..H_1 = I - W^T T W."""
    n = w.shape[-2]
    strict = lower_ones(n, True, w.dtype, w.device)
    dww = (w @ w.transpose(-1, -2)) * beta.unsqueeze(-1) * strict                 # row i times beta_i
    inv = torch.linalg.inv(dww + torch.eye(n, dtype=w.dtype, device=w.device))
    return inv * beta.unsqueeze(-2)                                                # column j times beta_j


def path_logits(q, k, w, beta, scale: float) -> torch.Tensor:
    """A = tril(Q K^T) - tril(Q W^T) T strictLower(W K^T), times scale (AttentionOps.pathLogits, no gate)."""
    length = q.shape[2]
    tril = lower_ones(length, False, q.dtype, q.device)
    strict = lower_ones(length, True, q.dtype, q.device)
    t = ut_transform(w, beta)                                                      # (B,H,L,L)
    qk = (q @ k.transpose(-1, -2)) * tril
    qw = (q @ w.transpose(-1, -2)) * tril
    wk = (w @ k.transpose(-1, -2)) * strict
    return (qk - (qw @ t) @ wk) * scale


def path_attention(q, k, v, w, beta, scale: float) -> torch.Tensor:
    """PaTH: logit scale q_i^T H_i..H_{j+1} k_j, H_t = I - beta_t w_t w_t^T; causal softmax; dense UT form."""
    return masked_softmax(path_logits(q, k, w, beta, scale)) @ v


def _pad_length(x: torch.Tensor, pad: int) -> torch.Tensor:
    if pad == 0:
        return x
    shape = list(x.shape)
    shape[2] = pad
    return torch.cat([x, x.new_zeros(shape)], dim=2)


def path_chunked(q, k, v, w, beta, scale: float, chunk: int) -> torch.Tensor:
    """AttentionOps.pathChunked: per-chunk UT transform, then a right-to-left scan over key chunks with an online
    softmax; step d handles all (query chunk a, key chunk a-d) pairs at once. Padding has beta = 0 (H = I)."""
    b, h, length, d = q.shape
    dv = v.shape[3]
    c = chunk
    nc = (length + c - 1) // c
    pad = nc * c - length
    qc = _pad_length(q, pad).reshape(b, h, nc, c, d)
    kc = _pad_length(k, pad).reshape(b, h, nc, c, d)
    vc = _pad_length(v, pad).reshape(b, h, nc, c, dv)
    wc = _pad_length(w, pad).reshape(b, h, nc, c, d)
    bc = _pad_length(beta, pad).reshape(b, h, nc, c)
    tril = lower_ones(c, False, q.dtype, q.device)
    strict = lower_ones(c, True, q.dtype, q.device)
    t = ut_transform(wc, bc)                                                       # (B,H,nc,C,C)
    qw = (qc @ wc.transpose(-1, -2)) * tril
    wk = (wc @ kc.transpose(-1, -2)) * strict
    qwt = qw @ t
    intra = ((qc @ kc.transpose(-1, -2)) * tril - qwt @ wk) * scale
    intra = intra + causal_bias(c, q.dtype, q.device)
    q_tilde = qc - qwt @ wc                                                        # q_i^T H_i..H_start
    k_tilde = kc - (wk.transpose(-1, -2) @ t.transpose(-1, -2)) @ wc               # H_end..H_{j+1} k_j
    # the chunk products as D x D updates: q^T P_b = q^T - q^T U_b, U_b = W_b^T T_b W_b
    u = (wc.transpose(-1, -2) @ t) @ wc if nc > 2 else None                       # (B,H,nc,D,D)

    mx = intra.amax(dim=4, keepdim=True).detach()                                  # (B,H,nc,C,1)
    p = (intra - mx).exp()
    norm = p.sum(dim=4, keepdim=True)
    acc = p @ vc                                                                   # (B,H,nc,C,Dv)
    q_run = q_tilde
    done = []
    for step in range(1, nc):
        done.append(acc[:, :, 0:1] / norm[:, :, 0:1])                             # query chunk step-1 is complete
        acc, norm, mx, q_run = acc[:, :, 1:], norm[:, :, 1:], mx[:, :, 1:], q_run[:, :, 1:]
        kb, vb = k_tilde[:, :, :nc - step], vc[:, :, :nc - step]                  # key chunk b = a - step
        sc = (q_run @ kb.transpose(-1, -2)) * scale
        m_new = torch.maximum(mx, sc.amax(dim=4, keepdim=True)).detach()
        alpha = (mx - m_new).exp()
        pb = (sc - m_new).exp()
        norm = norm * alpha + pb.sum(dim=4, keepdim=True)
        acc = acc * alpha + pb @ vb
        mx = m_new
        if step < nc - 1:
            q_run = q_run - q_run @ u[:, :, :nc - step]                             # q^T <- q^T P_b
    done.append(acc / norm)
    out = torch.cat(done, dim=2) if len(done) > 1 else done[0]
    out = out.reshape(b, h, nc * c, dv)
    return out[:, :, :length] if pad > 0 else out


# ---------------------------------------------------------------------------------------------------- model

@dataclass(frozen=True)
class Config:
    """The sizes of a ModelConfig (only what the reference needs); `kind` is 'standard' or 'path' for all layers."""
    vocab: int
    d_model: int
    heads: int
    layers: int
    mlp_width: int
    kind: str = "standard"
    rope_base: float = 10000.0
    tie: bool = False
    path_rank: int = 32
    path_chunk: int = 64
    norm_eps: float = 1e-6

    @property
    def head_dim(self) -> int:
        return self.d_model // self.heads

    @property
    def scale(self) -> float:
        return 1.0 / math.sqrt(self.head_dim)

    @staticmethod
    def default_mlp_width(d_model: int) -> int:
        w = math.ceil(8.0 * d_model / 3.0)
        return (w + 7) // 8 * 8


def _param(*shape, std=0.02):
    return nn.Parameter(torch.randn(*shape) * std)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.gain = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        rms = (x * x).mean(-1, keepdim=True).add(self.eps).sqrt()
        return x / rms * self.gain


class SwiGLU(nn.Module):
    def __init__(self, d_model: int, width: int):
        super().__init__()
        self.gate, self.up, self.down = _param(d_model, width), _param(d_model, width), _param(width, d_model)

    def forward(self, x):
        g = x @ self.gate                                                          # (.., width)
        u = x @ self.up
        return (g * torch.sigmoid(g) * u) @ self.down


def split_heads(x, heads):
    b, length, dm = x.shape
    return x.reshape(b, length, heads, dm // heads).transpose(1, 2)               # (B,L,dm) -> (B,H,L,D)


def merge_heads(z):
    b, h, length, d = z.shape
    return z.transpose(1, 2).reshape(b, length, h * d)                            # (B,H,L,D) -> (B,L,H*D)


class SoftmaxAttention(nn.Module):
    def __init__(self, cfg: Config, sdpa: bool = False):
        super().__init__()
        d = cfg.d_model
        self.cfg, self.sdpa = cfg, sdpa
        self.wq, self.wk, self.wv, self.wo = _param(d, d), _param(d, d), _param(d, d), _param(d, d)

    def forward(self, x):
        h = self.cfg.heads
        q = rope(split_heads(x @ self.wq, h), self.cfg.rope_base)
        k = rope(split_heads(x @ self.wk, h), self.cfg.rope_base)
        v = split_heads(x @ self.wv, h)
        op = softmax_attention_sdpa if self.sdpa else softmax_attention
        return merge_heads(op(q, k, v, self.cfg.scale)) @ self.wo


def causal_conv(u, kernel):
    """c_t = sum_{m=0..2} kernel[:, m] * u_{t-2+m}, zeros before t = 0; u (B,L,C), kernel (C,3)."""
    b, length, ch = u.shape
    width = kernel.shape[1]
    padded = torch.cat([u.new_zeros(b, width - 1, ch), u], dim=1)                   # (B, L+2, C)
    out = None
    for m in range(width):
        term = padded[:, m:m + length] * kernel[:, m]
        out = term if out is None else out + term
    return out


class PathAttention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        d, h = cfg.d_model, cfg.heads
        self.cfg = cfg
        self.wq, self.wk, self.wv, self.wo = _param(d, d), _param(d, d), _param(d, d), _param(d, d)
        self.w_down, self.w_up = _param(d, cfg.path_rank), _param(cfg.path_rank, d)
        self.w_conv = nn.Parameter(torch.empty(d, 3).uniform_(-1 / math.sqrt(3), 1 / math.sqrt(3)))
        self.beta_proj = _param(d, h)
        self.beta_bias = nn.Parameter(torch.zeros(h))

    def forward(self, x):
        cfg = self.cfg
        h = cfg.heads
        length = x.shape[1]
        q = split_heads(x @ self.wq, h)
        k = split_heads(x @ self.wk, h)
        v = split_heads(x @ self.wv, h)
        u = (x @ self.w_down) @ self.w_up                                          # (B,L,dModel)
        c = causal_conv(u, self.w_conv)
        w = split_heads(c * torch.sigmoid(c), h)
        w = w / (w * w).sum(-1, keepdim=True).add(1e-6).sqrt()                      # unit norm per head
        beta = (torch.sigmoid(x @ self.beta_proj + self.beta_bias) * 2).transpose(1, 2)  # (B,H,L) in (0,2)
        if length <= cfg.path_chunk:
            z = path_attention(q, k, v, w, beta, cfg.scale)
        else:
            z = path_chunked(q, k, v, w, beta, cfg.scale, cfg.path_chunk)
        return merge_heads(z) @ self.wo


class TransformerBlock(nn.Module):
    def __init__(self, cfg: Config, sdpa: bool = False):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.attn = PathAttention(cfg) if cfg.kind == "path" else SoftmaxAttention(cfg, sdpa)
        self.mlp_norm = RMSNorm(cfg.d_model, cfg.norm_eps)
        self.mlp = SwiGLU(cfg.d_model, cfg.mlp_width)

    def forward(self, x):
        x = x + self.attn(self.attn_norm(x))
        return x + self.mlp(self.mlp_norm(x))


class DecoderLM(nn.Module):
    """Embedding, pre-norm blocks, final RMSNorm, LM head (logits = x Head^T; Head = embed when tied)."""

    def __init__(self, cfg: Config, sdpa: bool = False):
        super().__init__()
        if cfg.kind not in ("standard", "path"):
            raise ValueError(f"kind must be 'standard' or 'path'; got {cfg.kind!r}")
        self.cfg = cfg
        self.embed = _param(cfg.vocab, cfg.d_model)
        self.head = None if cfg.tie else _param(cfg.vocab, cfg.d_model)
        self.blocks = nn.ModuleList(TransformerBlock(cfg, sdpa) for _ in range(cfg.layers))
        self.ln_final = RMSNorm(cfg.d_model, cfg.norm_eps)

    def forward(self, tokens):                                                     # (B,L) int -> (B,L,V)
        x = F.embedding(tokens.long(), self.embed)
        for block in self.blocks:
            x = block(x)
        x = self.ln_final(x)
        return x @ (self.embed if self.head is None else self.head).t()


# ---------------------------------------------------------------------------------------------------- training

def masked_cross_entropy(logits, targets, mask):
    """sum_bl mask_bl * (-log softmax(logits_bl)[targets_bl]) / max(sum mask, 1)."""
    m = mask.float()
    logp = logits.log_softmax(-1)
    picked = logp.gather(-1, targets.long().unsqueeze(-1)).squeeze(-1)
    return -(picked * m).sum() / m.sum().clamp(min=1.0)


def clip_grad_norm(params, max_norm: float) -> float:
    """GradientClip.clip: n = sqrt(sum ||g||^2); if n > c: g *= c / (n + 1e-6). Returns n (a host sync, as in Java)."""
    norm = torch.stack([p.grad.square().sum() for p in params]).sum().sqrt().double().item()
    if 0 < max_norm < math.inf and norm > max_norm:
        s = float(max_norm / (norm + 1e-6))
        for p in params:
            p.grad.mul_(s)
    return norm


def warmup_cosine(peak: float, warmup: int, total: int, min_lr: float):
    def at(t: int) -> float:
        if t < warmup:
            return peak * (t + 1) / warmup
        if t >= total:
            return min_lr
        p = (t - warmup) / (total - warmup)
        return min_lr + (peak - min_lr) * 0.5 * (1 + math.cos(math.pi * p))
    return at


class AttnLabAdamW:
    """org.attnlab.train.AdamW, the same operations in the same order with float32 scalars:
    m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p *= 1 - lr wd (decayed params); p -= (lr/bc1) m / (sqrt(v/bc2) + eps).
    """

    def __init__(self, params, decays, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1):
        self.params, self.decays = list(params), list(decays)
        self.b1, self.b2 = betas
        self.eps, self.wd = eps, weight_decay
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    @torch.no_grad()
    def step(self, lr: float):
        self.t += 1
        bc1 = 1 - self.b1 ** self.t
        bc2 = 1 - self.b2 ** self.t
        f = lambda x: float(torch.tensor(x, dtype=torch.float32))              # Java casts each scalar to float
        for p, decay, m, v in zip(self.params, self.decays, self.m, self.v):
            g = p.grad
            m.mul_(f(self.b1)).add_(g * f(1 - self.b1))
            v.mul_(f(self.b2)).add_(g.square().mul_(f(1 - self.b2)))
            if decay and self.wd > 0:
                p.mul_(f(1 - lr * self.wd))
            denom = (v / f(bc2)).sqrt().add_(f(self.eps))
            p.sub_((m / denom).mul_(f(lr / bc1)))
            p.grad = None


def torch_adamw(model: DecoderLM, decays: dict, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, lr=1e-3):
    """torch.optim.AdamW (eager default implementation) with the same decay split: what a PyTorch user writes."""
    named = dict(model.named_parameters())
    decay = [p for n, p in named.items() if decays.get(n, False)]
    no_decay = [p for n, p in named.items() if not decays.get(n, False)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=betas, eps=eps)


# ---------------------------------------------------------------------------------------------------- files

def read_tensors(prefix: str) -> dict:
    """Reads `prefix.json` (name -> {dtype, shape, offset, ...}) and the little-endian raw data `prefix.bin`."""
    with open(prefix + ".json") as f:
        index = json.load(f)
    with open(prefix + ".bin", "rb") as f:
        raw = f.read()
    out = {}
    for name, e in index["tensors"].items():
        dtype = {"float32": torch.float32, "int32": torch.int32}[e["dtype"]]
        count = math.prod(e["shape"])
        t = torch.frombuffer(bytearray(raw[e["offset"]:e["offset"] + 4 * count]), dtype=dtype)
        out[name] = t.reshape(e["shape"]).clone()
    return out, index


def config_from(meta: dict) -> Config:
    return Config(vocab=meta["vocab"], d_model=meta["d_model"], heads=meta["heads"], layers=meta["layers"],
                  mlp_width=meta["mlp_width"], kind=meta["kind"], rope_base=meta["rope_base"], tie=meta["tie"],
                  path_rank=meta["path_rank"], path_chunk=meta["path_chunk"], norm_eps=meta["norm_eps"])


def load_weights(model: DecoderLM, weights: dict):
    """Copies every exported array into the parameter of the same structural name; both sets must match."""
    named = dict(model.named_parameters())
    missing = sorted(set(named) - set(weights))
    extra = sorted(set(weights) - set(named))
    if missing or extra:
        raise ValueError(f"weights do not match the model: missing {missing}, unexpected {extra}")
    with torch.no_grad():
        for n, p in named.items():
            if tuple(p.shape) != tuple(weights[n].shape):
                raise ValueError(f"{n}: model {tuple(p.shape)} vs file {tuple(weights[n].shape)}")
            p.copy_(weights[n])


def full_float32() -> dict:
    """Float32 products without TF32 on a GPU (matrix products and cuDNN), so both engines round like the CPU; the
    benchmark driver also sets NVIDIA_TF32_OVERRIDE=0 for both processes (cuBLAS and cuDNN then never use TF32,
    whatever a library asks, which is what holds DJL's libtorch to it). Returns the settings now in effect."""
    if hasattr(torch.backends.cuda.matmul, "fp32_precision"):          # torch >= 2.9: the fp32_precision API
        torch.backends.cuda.matmul.fp32_precision = "ieee"
        got = {"matmul_fp32_precision": torch.backends.cuda.matmul.fp32_precision}
        for name in ("conv", "rnn"):
            b = getattr(torch.backends.cudnn, name, None)
            if b is not None and hasattr(b, "fp32_precision"):
                b.fp32_precision = "ieee"
                got[f"cudnn_{name}_fp32_precision"] = b.fp32_precision
    else:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        got = {"matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
               "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32}
    got["NVIDIA_TF32_OVERRIDE"] = os.environ.get("NVIDIA_TF32_OVERRIDE", "")
    return got


def torch_device(name: str) -> torch.device:
    """'cpu' or 'gpu' (CUDA device 0); 'gpu' fails at once, saying why, when this torch sees no CUDA device."""
    if name == "cpu":
        return torch.device("cpu")
    if name != "gpu":
        raise ValueError(f"device must be cpu or gpu; got {name!r}")
    if not torch.cuda.is_available():
        raise RuntimeError(f"device gpu, but torch {torch.__version__} here sees no CUDA device (torch.version.cuda = "
                           f"{torch.version.cuda}: {'a CPU-only build' if torch.version.cuda is None else 'no GPU or driver'})"
                           f"; use a CUDA build of torch on a machine with a GPU, or device cpu")
    full_float32()
    return torch.device("cuda", 0)


def set_threads(n: int):
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set in this process
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
