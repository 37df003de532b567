"""Cross-implementation check: the PyTorch reference trains from the weights and batches the Java side exported
(`ModelBench export`) with the mirrored AdamW, clipping and schedule, and compares its loss curve with DJL's.

Usage: python crosscheck.py DIR [DIR ...] [--tol 1e-4] [--threads 1] [--device cpu|gpu] [--csv out.csv]
Each DIR holds weights.{json,bin}, batches.{json,bin}, djl_curve.json. Exit status 1 if any |loss difference|
exceeds the tolerance (absolute, per step), or the step-0 losses (same weights, no update yet) differ by more
than 1e-5.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attnlab_ref as ref  # noqa: E402

STEP0_TOL = 1e-5


def run(directory: str, device: str = "cpu"):
    dev = ref.torch_device(device)
    weights, windex = ref.read_tensors(os.path.join(directory, "weights"))
    batches, bindex = ref.read_tensors(os.path.join(directory, "batches"))
    with open(os.path.join(directory, "djl_curve.json")) as f:
        djl = json.load(f)
    meta, train = windex["meta"]["model"], windex["meta"]["train"]
    decays = windex["meta"]["decays"]
    model = ref.DecoderLM(ref.config_from(meta))
    ref.load_weights(model, weights)
    model.to(dev)
    batches = {k: v.to(dev) for k, v in batches.items()}
    named = dict(model.named_parameters())
    params = list(named.values())
    opt = ref.AttnLabAdamW(params, [decays[n] for n in named], betas=tuple(train["betas"]), eps=train["eps"],
                           weight_decay=train["weight_decay"])
    steps = train["steps"]
    schedule = ref.warmup_cosine(train["lr"], train["warmup"], steps, train["lr"] * train["min_lr_ratio"])
    count = bindex["meta"]["count"]
    rows = []
    for t in range(steps):
        i = t % count
        loss = ref.masked_cross_entropy(model(batches[f"tokens.{i}"]), batches[f"targets.{i}"], batches[f"mask.{i}"])
        loss.backward()
        loss_value = loss.double().item()
        norm = ref.clip_grad_norm(params, train["clip_norm"])
        lr = schedule(t)
        opt.step(lr)
        d_loss, d_norm = djl["loss"][t], djl["grad_norm"][t]
        rows.append({"case": os.path.basename(os.path.normpath(directory)), "step": t + 1,
                     "djl_loss": d_loss, "torch_loss": loss_value, "abs_diff": abs(d_loss - loss_value),
                     "rel_diff": abs(d_loss - loss_value) / abs(loss_value),
                     "djl_grad_norm": d_norm, "torch_grad_norm": norm,
                     "grad_norm_rel_diff": abs(d_norm - norm) / max(abs(norm), 1e-12),
                     "djl_lr": djl["lr"][t], "torch_lr": lr})
    return meta, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--tol", type=float, default=1e-4, help="max |loss_djl - loss_torch| at any step")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    ap.add_argument("--csv", default=None)
    args = ap.parse_args()
    ref.set_threads(args.threads)
    all_rows, ok = [], True
    for d in args.dirs:
        meta, rows = run(d, args.device)
        all_rows += rows
        worst = max(rows, key=lambda r: r["abs_diff"])
        step0 = rows[0]["abs_diff"]
        lr_ok = all(abs(r["djl_lr"] - r["torch_lr"]) <= 1e-12 for r in rows)
        passed = worst["abs_diff"] <= args.tol and step0 <= STEP0_TOL and lr_ok
        ok &= passed
        print(f"{os.path.basename(os.path.normpath(d)):>14}: {meta['kind']} d={meta['d_model']} h={meta['heads']} "
              f"n={meta['layers']} B={meta['batch']} L={meta['length']} chunk={meta['path_chunk']}  "
              f"loss {rows[0]['djl_loss']:.4f} -> {rows[-1]['djl_loss']:.4f}  "
              f"step-1 |diff| {step0:.2e}  max |diff| {worst['abs_diff']:.2e} (step {worst['step']}, "
              f"rel {worst['rel_diff']:.1e})  max grad-norm rel diff "
              f"{max(r['grad_norm_rel_diff'] for r in rows):.1e}  {'OK' if passed else 'FAIL'}")
    if args.csv:
        os.makedirs(os.path.dirname(os.path.abspath(args.csv)), exist_ok=True)
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(all_rows[0]))
            w.writeheader()
            w.writerows(all_rows)
    print(f"tolerance: |loss diff| <= {args.tol:g} at every step, <= {STEP0_TOL:g} at step 1: "
          f"{'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
