#!/usr/bin/env python3
"""Executes notebooks headless with the Java kernel; writes executed .ipynb and .html; prints a status table.

Used by ./lab run (preset quick) and ./lab test (preset smoke). Every notebook runs, even after a failure; the
exit code is non-zero if any cell raised. The kernel's own log goes to OUT/NAME.kernel.log, not the terminal.
"""
import argparse
import os
import sys
import time
import traceback

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

import notebook_names

KERNEL = "java"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(ROOT, "environment", "nbconvert")
MATHJAX = os.path.join(ROOT, "node_modules", "mathjax", "MathJax.js")


def error_outputs(nb):
    """(cell index, ename, evalue) of every error output in an executed notebook."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append((i, out.get("ename", ""), out.get("evalue", "")))
    return found


def failed_checks(nb):
    """Exercise checks (org.attnlab.lesson.Check) that said "not yet"."""
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            n += html.count('data-attnlab-check="fail"')
    return n


def export_html(nb, path):
    # Our template (the lab one without require.js) and a local MathJax: the page loads nothing from a CDN.
    exporter = HTMLExporter(template_name="attnlab", extra_template_basedirs=[TEMPLATES])
    if os.path.isfile(MATHJAX):
        rel = os.path.relpath(MATHJAX, os.path.dirname(os.path.abspath(path)))
        exporter.mathjax_url = rel + "?config=TeX-AMS_CHTML-full,Safe"
    body, _ = exporter.from_notebook_node(nb)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(body)
    os.replace(tmp, path)


def write_notebook(nb, path):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    os.replace(tmp, path)


def run_one(src, out_dir, cell_timeout, startup_timeout, require_checks=False):
    name = os.path.splitext(os.path.basename(src))[0]
    nb = nbformat.read(src, as_version=4)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Java (Attention Lab)", "language": "java"}
    log_path = os.path.join(out_dir, name + ".kernel.log")
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=cell_timeout, startup_timeout=startup_timeout,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}})
    status, detail = "ok", ""
    start = time.time()
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            client.execute(stdout=log, stderr=log)
        except CellExecutionError:
            status = "FAILED"
        except CellTimeoutError as e:
            status, detail = "TIMEOUT", str(e).splitlines()[0] if str(e) else "a cell ran past the time limit"
        except DeadKernelError as e:
            status, detail = "DEAD KERNEL", str(e).splitlines()[0] if str(e) else ""
        except RuntimeError as e:  # kernel did not start in time, among others
            status, detail = "NO KERNEL", str(e).splitlines()[0] if str(e) else ""
        except Exception as e:  # pragma: no cover - report anything else, keep going
            status, detail = "ERROR", f"{type(e).__name__}: {e}"
            traceback.print_exc(file=log)
    seconds = time.time() - start
    errs = error_outputs(nb)
    if errs and status == "ok":
        status = "FAILED"
    if errs:
        i, ename, evalue = errs[0]
        detail = f"cell {i}: {ename}: {evalue}".strip()[:160]
    if require_checks and status == "ok" and failed_checks(nb):
        status, detail = "CHECK FAILED", f"{failed_checks(nb)} exercise check(s) say 'not yet'"
    write_notebook(nb, os.path.join(out_dir, name + ".ipynb"))
    export_html(nb, os.path.join(out_dir, name + ".html"))
    return name, seconds, status, detail


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--out", required=True, help="folder for executed .ipynb, .html and kernel logs")
    ap.add_argument("--cell-timeout", type=int, default=1800, help="seconds one cell may take")
    ap.add_argument("--startup-timeout", type=int, default=120, help="seconds for the kernel to answer")
    ap.add_argument("--summary", help="append 'LABEL<TAB>passed<TAB>failed' here")
    ap.add_argument("--label", default="notebooks", help="the summary line's label")
    ap.add_argument("--require-checks", action="store_true",
                    help="fail a notebook whose exercise checks say 'not yet' (for notebooks/solutions)")
    a = ap.parse_args()

    try:
        a.notebooks = notebook_names.resolve(a.notebooks, os.path.join(ROOT, "notebooks"))
    except ValueError as e:
        sys.exit(f"run_notebooks: {e}")
    os.makedirs(a.out, exist_ok=True)
    preset = os.environ.get("ATTNLAB_PRESET", "quick")
    rows = []
    for src in a.notebooks:
        print(f"  running {os.path.basename(src)} (preset {preset}) ...", flush=True)
        row = run_one(src, a.out, a.cell_timeout, a.startup_timeout, a.require_checks)
        rows.append(row)
        name, seconds, status, detail = row
        print(f"  {name}: {status} in {seconds:.1f} s" + (f"  [{detail}]" if detail else ""), flush=True)

    width = max(len("notebook"), *(len(r[0]) for r in rows))
    print()
    print(f"{'notebook':<{width}}  {'seconds':>8}  status")
    print(f"{'-' * width}  {'-' * 8}  ------")
    for name, seconds, status, detail in rows:
        print(f"{name:<{width}}  {seconds:8.1f}  {status}" + (f"  {detail}" if detail else ""))
    failed = sum(1 for r in rows if r[2] != "ok")
    print(f"\nExecuted notebooks and HTML: {a.out}")
    if a.summary:
        with open(a.summary, "a", encoding="utf-8") as f:
            f.write(f"{a.label}\t{len(rows) - failed}\t{failed}\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
