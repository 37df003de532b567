#!/usr/bin/env python3
"""Writes the Java kernel's kernel.json from environment/kernel/kernel.json.template (used by ./lab setup)."""
import argparse
import json
import os
import tempfile


def read_env_file(path):
    """NAME=VALUE per line; blank lines and '#' comments skipped; anything else is an error naming the line."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, eq, value = line.partition("=")
            if not eq or not name.strip() or not name.strip().replace("_", "").isalnum():
                raise SystemExit(f"{path}:{n}: expected NAME=VALUE, got {line!r}")
            out[name.strip()] = value.strip()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--template", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--java", required=True, help="java executable that runs the kernel")
    ap.add_argument("--kernel-cp", required=True, help="corrected LoopThread folder + kernel jar")
    ap.add_argument("--toolkit-cp", required=True, help="the toolkit jar and its runtime dependencies")
    ap.add_argument("--home", required=True, help="the repository root (ATTNLAB_HOME)")
    ap.add_argument("--threads", default="1", help="PyTorch CPU threads (tiny models run fastest on one)")
    ap.add_argument("--env-file", action="append", default=[],
                    help="NAME=VALUE lines ('#' comments) added to the kernel's environment (environment/native.env)")
    ap.add_argument("--gpu", action="store_true", help="GPU build: DJL may fetch CUDA natives, so not offline")
    a = ap.parse_args()

    # rapaio-jupyter-kernel splits RJK_CLASSPATH on ';' (not the platform's ':').
    toolkit = ";".join(p for p in a.toolkit_cp.split(os.pathsep) if p)
    values = {"@JAVA@": a.java, "@KERNEL_CP@": a.kernel_cp, "@TOOLKIT_CP@": toolkit, "@HOME@": a.home,
              "@THREADS@": str(a.threads)}

    def fill(x):
        if isinstance(x, str):
            for k, v in values.items():
                x = x.replace(k, v)
            return x
        if isinstance(x, list):
            return [fill(i) for i in x]
        if isinstance(x, dict):
            return {k: fill(v) for k, v in x.items()}
        return x

    with open(a.template, encoding="utf-8") as f:
        spec = fill(json.load(f))
    if a.gpu:
        spec["env"].pop("DJL_OFFLINE", None)
    for path in a.env_file:
        spec["env"].update(read_env_file(path))
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(a.out), suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=2)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
