#!/usr/bin/env python3
"""Mends what a copied or moved project still points at in its old place (run by ./lab setup, before the rest).

Three things under the project hold absolute paths: build/classpath.txt (the toolkit jar and its dependencies),
the venv's scripts (their #! line and the activate scripts name the venv's folder) and the kernelspec (java,
classpaths, ATTNLAB_HOME). In a copy they name the original: a copy runs the original's jar, and with the
original gone the venv's jupyter and pip do not start. Here

  - classpath.txt entries are mapped to the same jar names under this build/lib/, keeping their order; if a jar is
    missing here the file is removed, so setup builds it again;
  - the venv's text scripts have the old venv folder replaced by this one (the venv's python is a link to the
    system's, and its packages are found relative to it, so nothing else in it names the folder);
  - a kernelspec whose paths are not under this folder is removed, so setup writes it again.

Prints one line per thing it mended (nothing when all is in place). Needs only the Python standard library.
"""
import argparse
import json
import os
import sys


def fix_classpath(build):
    """Returns a message if classpath.txt was rewritten or removed, else None."""
    cp_file = os.path.join(build, "classpath.txt")
    lib = os.path.join(build, "lib")
    if not os.path.isfile(cp_file):
        return None
    with open(cp_file, encoding="utf-8") as f:
        entries = [e for e in f.read().strip().split(os.pathsep) if e]
    if entries and all(os.path.dirname(e) == lib and os.path.isfile(e) for e in entries):
        return None
    outside = [e for e in entries if os.path.dirname(e) != lib]
    mapped = [os.path.join(lib, os.path.basename(e)) for e in entries]
    if entries and all(os.path.isfile(m) for m in mapped):
        tmp = cp_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(os.pathsep.join(mapped) + "\n")
        os.replace(tmp, cp_file)
        where = os.path.dirname(outside[0]) if outside else lib
        return f"build/classpath.txt named jars in {where}; now those in {lib}"
    os.remove(cp_file)
    missing = next((m for m in mapped if not os.path.isfile(m)), "(empty)")
    return f"build/classpath.txt named jars that are not in {lib} (e.g. {os.path.basename(missing)}); removed, " \
           f"setup builds it again"


def venv_origin(venv):
    """The folder the venv's scripts name in their #! line (e.g. /old/place/.venv), or None."""
    bindir = os.path.join(venv, "bin")
    for name in ("pip", "pip3", "jupyter"):
        path = os.path.join(bindir, name)
        if os.path.isfile(path) and not os.path.islink(path):
            with open(path, "rb") as f:
                first = f.readline().decode("utf-8", "replace").strip()
            if first.startswith("#!") and "/bin/python" in first:
                return first[2:].split("/bin/python")[0]
    return None


def fix_venv(venv):
    old = venv_origin(venv)
    if old is None or old == venv:
        return None
    bindir = os.path.join(venv, "bin")
    changed = 0
    for name in sorted(os.listdir(bindir)):
        path = os.path.join(bindir, name)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data[:1024] or old.encode() not in data:
            continue  # a binary, or nothing to change
        st = os.stat(path)
        tmp = path + ".relocate-tmp"
        with open(tmp, "wb") as f:
            f.write(data.replace(old.encode(), venv.encode()))
        os.chmod(tmp, st.st_mode)
        os.replace(tmp, path)
        changed += 1
    return f".venv's scripts named {old}; {changed} now name {venv}"


def fix_kernelspec(kernel_json, root):
    if not os.path.isfile(kernel_json):
        return None
    try:
        with open(kernel_json, encoding="utf-8") as f:
            spec = json.load(f)
        home = spec.get("env", {}).get("ATTNLAB_HOME")
        cp = spec["argv"][spec["argv"].index("-cp") + 1]
    except (ValueError, KeyError, IndexError, json.JSONDecodeError):
        os.remove(kernel_json)
        return f"the kernelspec {kernel_json} could not be read; removed, setup writes it again"
    paths = [home] + cp.split(os.pathsep)
    if all(p and (p == root or p.startswith(root + os.sep)) for p in paths):
        return None
    os.remove(kernel_json)
    return f"the kernelspec named {home}; removed, setup writes it again for {root}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True, help="the project folder (absolute)")
    ap.add_argument("--venv", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--kernel-json", required=True)
    a = ap.parse_args()
    for msg in (fix_classpath(a.build), fix_venv(a.venv), fix_kernelspec(a.kernel_json, a.root)):
        if msg:
            print(f"  moved project: {msg}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
