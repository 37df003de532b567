"""Writes build/bench/index.html: the benchmark's tables and inline SVG plots (no JavaScript, no network).

Plots: cross-check loss curves (DJL and PyTorch on top of each other) and their per-step difference; DJL/PyTorch
time ratio per model size (forward, training step); op time against sequence length for both engines.
"""
from __future__ import annotations

import html
import math
import os

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _ticks(lo, hi, log):
    if log:
        a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        return [10 ** e for e in range(a, b + 1)]
    step = (hi - lo) / 4 or 1
    return [lo + i * step for i in range(5)]


def line_chart(title, series, xlabel, ylabel, log_y=False, log_x=False, w=520, h=300, dashed=()):
    """series: name -> list of (x, y). Returns an SVG string."""
    pts = [(x, y) for s in series.values() for x, y in s if y is not None and (not log_y or y > 0)]
    if not pts:
        return ""
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if log_y:
        y0, y1 = 10 ** math.floor(math.log10(y0)), 10 ** math.ceil(math.log10(y1))
    elif y0 == y1:
        y0, y1 = y0 - 1, y1 + 1
    ml, mr, mt, mb = 60, 150, 28, 40
    fx = (lambda x: math.log(x)) if log_x else (lambda x: x)
    fy = (lambda y: math.log(y)) if log_y else (lambda y: y)
    sx = lambda x: ml + (fx(x) - fx(x0)) / ((fx(x1) - fx(x0)) or 1) * (w - ml - mr)
    sy = lambda y: h - mb - (fy(y) - fy(y0)) / ((fy(y1) - fy(y0)) or 1) * (h - mt - mb)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<text x="{w / 2}" y="16" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
           f'<line x1="{ml}" y1="{h - mb}" x2="{w - mr}" y2="{h - mb}" stroke="#333"/>',
           f'<line x1="{ml}" y1="{mt}" x2="{ml}" y2="{h - mb}" stroke="#333"/>',
           f'<text x="{(ml + w - mr) / 2}" y="{h - 8}" text-anchor="middle">{html.escape(xlabel)}</text>',
           f'<text x="14" y="{(mt + h - mb) / 2}" text-anchor="middle" transform="rotate(-90 14 {(mt + h - mb) / 2})">'
           f'{html.escape(ylabel)}</text>']
    for t in _ticks(y0, y1, log_y):
        if y0 <= t <= y1:
            out.append(f'<line x1="{ml}" y1="{sy(t):.1f}" x2="{w - mr}" y2="{sy(t):.1f}" stroke="#eee"/>'
                       f'<text x="{ml - 4}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:.3g}</text>')
    for t in sorted(set(xs)):
        out.append(f'<text x="{sx(t):.1f}" y="{h - mb + 14}" text-anchor="middle">{t:g}</text>')
    for i, (name, s) in enumerate(series.items()):
        c = COLORS[i % len(COLORS)]
        p = [(sx(x), sy(y)) for x, y in s if y is not None and (not log_y or y > 0)]
        dash = ' stroke-dasharray="5,3"' if name in dashed else ""
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.8"{dash} points="'
                   + " ".join(f"{a:.1f},{b:.1f}" for a, b in p) + '"/>')
        out += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{c}"/>' for a, b in p]
        out.append(f'<text x="{w - mr + 8}" y="{mt + 14 * i + 8}" fill="{c}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def bar_chart(title, groups, series_names, ylabel, ref_line=None, w=520, h=300):
    """groups: list of (label, {series: value}); vertical grouped bars."""
    vals = [v for _, d in groups for v in d.values() if v is not None]
    if not vals:
        return ""
    top = max(max(vals), ref_line or 0) * 1.15
    ml, mr, mt, mb = 50, 150, 28, 40
    gw = (w - ml - mr) / len(groups)
    bw = gw * 0.8 / len(series_names)
    sy = lambda y: h - mb - y / top * (h - mt - mb)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<text x="{w / 2}" y="16" text-anchor="middle" font-size="13">{html.escape(title)}</text>',
           f'<line x1="{ml}" y1="{h - mb}" x2="{w - mr}" y2="{h - mb}" stroke="#333"/>',
           f'<text x="14" y="{(mt + h - mb) / 2}" text-anchor="middle" transform="rotate(-90 14 {(mt + h - mb) / 2})">'
           f'{html.escape(ylabel)}</text>']
    for t in _ticks(0, top, False):
        out.append(f'<line x1="{ml}" y1="{sy(t):.1f}" x2="{w - mr}" y2="{sy(t):.1f}" stroke="#eee"/>'
                   f'<text x="{ml - 4}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:.2g}</text>')
    if ref_line:
        out.append(f'<line x1="{ml}" y1="{sy(ref_line):.1f}" x2="{w - mr}" y2="{sy(ref_line):.1f}" stroke="#d62728" '
                   f'stroke-dasharray="4,3"/><text x="{w - mr + 4}" y="{sy(ref_line) + 4:.1f}" fill="#d62728">'
                   f'{ref_line:g}</text>')
    for g, (label, d) in enumerate(groups):
        gx = ml + g * gw + gw * 0.1
        for i, name in enumerate(series_names):
            v = d.get(name)
            if v is None:
                continue
            out.append(f'<rect x="{gx + i * bw:.1f}" y="{sy(v):.1f}" width="{bw - 1:.1f}" height="{h - mb - sy(v):.1f}"'
                       f' fill="{COLORS[i % len(COLORS)]}"><title>{html.escape(name)} {v:.3g}</title></rect>')
        out.append(f'<text x="{ml + g * gw + gw / 2:.1f}" y="{h - mb + 14}" text-anchor="middle">'
                   f'{html.escape(label)}</text>')
    for i, name in enumerate(series_names):
        out.append(f'<text x="{w - mr + 8}" y="{mt + 14 * i + 24}" fill="{COLORS[i % len(COLORS)]}">'
                   f'{html.escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def table(rows, cols, fmt=None):
    fmt = fmt or {}
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c, "")
            if isinstance(v, float):
                v = fmt.get(c, "{:.3g}").format(v)
            cells.append(f"<td>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


# GPU memory of the first full-size step (only with --device gpu): growth of the device memory in use
# (cudaMemGetInfo, both engines), PyTorch's allocator peak above what was allocated before, and its peak reservation
# and (model rows) the median wall time per top-level op of the step (forward rows: per op of the forward phase)
GPU_COLS = ["djl_gpu_used_mb", "pytorch_gpu_used_mb", "pytorch_gpu_peak_alloc_mb", "pytorch_gpu_reserved_mb",
            "djl_us_per_op", "pytorch_us_per_op"]
GPU_FMT = {c: "{:.1f}" for c in GPU_COLS}


def write(out_dir, info, cc, model, ops):
    parts = [f"<h1>Attention Lab: DJL vs PyTorch, side by side</h1><p>{html.escape(_info_line(info))}</p>"]
    if info.get("device") == "gpu":
        parts.append("<p>" + html.escape(_gpu_line(info)) + "</p>")
    if cc:
        summary, curves = cc
        parts.append("<h2>Cross-implementation check</h2><p>Same initial weights (exported from Java), same batches, "
                     "same AdamW / clipping / warmup-cosine; loss of every update.</p>")
        parts.append(table(summary, list(summary[0]), {"max_abs_diff": "{:.1e}", "max_rel_diff": "{:.1e}",
                                                      "max_grad_norm_rel_diff": "{:.1e}", "loss_first": "{:.4f}",
                                                      "loss_last": "{:.4f}"}))
        for s in summary:
            rows = [r for r in curves if r["case"] == s["case"]]
            parts.append(line_chart(f"loss, {s['case']}", {
                "DJL": [(r["step"], r["djl_loss"]) for r in rows],
                "PyTorch": [(r["step"], r["torch_loss"]) for r in rows]}, "step", "loss", dashed=("PyTorch",)))
        parts.append(line_chart("|loss DJL - loss PyTorch|", {
            s["case"]: [(r["step"], max(r["abs_diff"], 1e-9)) for r in curves if r["case"] == s["case"]]
            for s in summary}, "step", "abs diff (floor 1e-9)", log_y=True))
    if model:
        parts.append("<h2>Model: time per step (median), DJL / PyTorch</h2>")
        for what in ("forward", "train"):
            groups = []
            for size in dict.fromkeys(r["size"] for r in model):
                groups.append((size, {r["kind"]: r["ratio"] for r in model if r["size"] == size and r["what"] == what}))
            kinds = list(dict.fromkeys(r["kind"] for r in model))
            parts.append(bar_chart(f"{what}: DJL time / PyTorch time", groups, kinds, "ratio", ref_line=1.2))
        base = any("djl_base_ms" in r for r in model)
        cols = ["size", "kind", "what", "params", "batch", "length"] + (["djl_base_ms"] if base else []) + [
                "djl_ms", "pytorch_ms", "ratio", "ratio_of_min"] + (["base_ratio", "speedup_vs_base"] if base else []) + [
                "djl_spread", "pytorch_spread"] + (["djl_base_cpu_ms"] if base else []) + [
                "djl_cpu_ms", "pytorch_cpu_ms", "cpu_ratio"] + (["base_cpu_ratio"] if base else []) + ["djl_tokens_per_s", "pytorch_tokens_per_s", "djl_step_peak_mb",
                "pytorch_step_peak_mb"] + GPU_COLS * ("djl_gpu_used_mb" in model[0]) + ["load_before", "load_after"]
        parts.append(table(model, cols, {"djl_ms": "{:.1f}", "pytorch_ms": "{:.1f}", "ratio": "{:.2f}",
                                         "ratio_of_min": "{:.2f}", "djl_tokens_per_s": "{:.0f}", "pytorch_tokens_per_s": "{:.0f}",
                                         "djl_step_peak_mb": "{:.1f}", "pytorch_step_peak_mb": "{:.1f}",
                                         "djl_base_ms": "{:.1f}", "base_ratio": "{:.2f}", "speedup_vs_base": "{:.2f}",
                                         "djl_spread": "{:.2f}", "pytorch_spread": "{:.2f}",
                                         "djl_base_cpu_ms": "{:.1f}", "djl_cpu_ms": "{:.1f}", "pytorch_cpu_ms": "{:.1f}",
                                         "cpu_ratio": "{:.2f}", "base_cpu_ratio": "{:.2f}", **GPU_FMT}))
        parts.append("<h3>Operators per training step (top-level libtorch ops, deterministic; see OpCounter)</h3>")
        engines = [e for e in ("djl_base", "djl", "pytorch") if f"{e}_ops_step" in model[0]]
        ocols = ["size", "kind"] + [f"{e}_ops_{ph}" for e in engines for ph in ("forward", "backward", "optimizer", "step")]
        parts.append(table([r for r in model if r["what"] == "train"], ocols))
    if ops:
        parts.append("<h2>Attention ops: forward + backward (B=1, H=2, D=64, chunk 64)</h2>")
        series = {}
        for r in ops:
            series.setdefault(f"DJL {r['op']}", []).append((r["length"], r["djl_ms"]))
            series.setdefault(f"PyTorch {r['op']}", []).append((r["length"], r["pytorch_ms"]))
            if r["pytorch_sdpa_ms"] != "":
                series.setdefault("PyTorch SDPA", []).append((r["length"], r["pytorch_sdpa_ms"]))
        parts.append(line_chart("op time", series, "L", "ms", log_y=True, log_x=True, w=620,
                                dashed=tuple(k for k in series if k.startswith("PyTorch"))))
        parts.append(table(ops, ["op", "length", "djl_ms", "pytorch_ms", "ratio", "ratio_of_min", "djl_peak_mb", "pytorch_peak_mb",
                                 "pytorch_sdpa_ms"] + GPU_COLS * ("djl_gpu_used_mb" in ops[0]) + ["load"],
                           {"djl_ms": "{:.1f}", "pytorch_ms": "{:.1f}", "ratio": "{:.2f}", "ratio_of_min": "{:.2f}",
                            "djl_peak_mb": "{:.1f}",
                            "pytorch_peak_mb": "{:.1f}", "pytorch_sdpa_ms": "{:.1f}", **GPU_FMT}))
    style = ("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;"
             "margin:1em 0;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
             "svg{margin:4px}</style>")
    with open(os.path.join(out_dir, "index.html"), "w") as f:
        f.write(f"<!doctype html><html><head><meta charset='utf-8'><title>Attention Lab bench</title>{style}</head>"
                f"<body>{''.join(parts)}</body></html>")


def _info_line(info):
    return (f"{info.get('started')}: {info.get('cpu')} ({info.get('cpus')} CPUs), {info.get('threads')} thread(s) per "
            f"engine, {info.get('reps')} repetitions after a warm-up of at least {info.get('warmup')} repetitions and "
            f"{info.get('warmup_s', 0)} s per worker, preset {info.get('preset')}; PyTorch {info.get('torch')} (Python "
            f"{info.get('python')}), DJL {info.get('djl', '0.35.1')} + {info.get('djl_engine', 'libtorch 2.7.1')} on "
            f"{info.get('java')}; device {info.get('device', 'cpu')}; load average at start "
            f"{info.get('load_start')}, at end {info.get('load_end')}; {info.get('seconds')} s.")


def _gpu_line(info):
    return (f"GPU: {info.get('gpu')} ({info.get('gpu_memory_gb')} GB, compute capability "
            f"{info.get('compute_capability')}, driver {info.get('driver') or '?'}), CUDA {info.get('cuda')} (torch) / "
            f"{info.get('djl_cuda')} (DJL's runtime), cuDNN {info.get('cudnn')}; TF32 off: {info.get('torch_precision')}; "
            f"{info.get('warmup')} untimed repetitions per worker first; every timed repetition ends with a host read. "
            f"Times are wall clock (the thread CPU time includes the wait for the device). GPU memory: growth of the "
            f"device memory in use during the first full-size step (cudaMemGetInfo) for both engines; PyTorch's "
            f"allocator peak (max_memory_allocated) and reservation; DJL's allocator peak is not measured (DJL "
            f"exposes no allocator statistics).")
