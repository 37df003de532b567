#!/usr/bin/env python3
"""Check that every figure in exported notebooks draws, offline, in a real browser.

For each NAME.html in a folder (a notebook exported with nbconvert) and its NAME.ipynb:

  * in the .ipynb, count the figure outputs (text/html holding a div of class "attnlab-figure"),
    and check that each also carries its static image: an image/svg+xml (or image/png) entry in the
    same output, and the image inside the figure's div (a data-URI img or inline svg: what GitHub,
    nbviewer, untrusted JupyterLab and JS-stripped exports show);
  * open the .html in headless Debian Chromium with no network (proxy to a closed port, every host
    unresolvable, a fresh profile), let its scripts run (--virtual-time-budget), dump the DOM, and
    check that each figure div was drawn by plotly.js ("js-plotly-plot") with as many traces as the
    figure has (plotly's "trace" groups; "hm" groups for heatmaps), and that the page has as many
    figures as the .ipynb has figure outputs.

Exits 1 with a per-notebook report if anything is missing, 2 on bad usage. --screenshot writes
NAME.png (a full-width page image) next to each page, or into --out.

Python 3 standard library only.
"""
import argparse
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

FIGURE_CLASS = "attnlab-figure"
STATIC_MIMES = ("image/svg+xml", "image/png")
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    # no network: every connection goes to a closed local port, every name fails to resolve
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(chromium, page, extra, timeout):
    """Runs headless Chromium on a file with a fresh profile; returns (stdout, stderr)."""
    profile = tempfile.mkdtemp(prefix="check-figures-")
    try:
        cmd = [chromium] + CHROME_FLAGS + ["--user-data-dir=" + profile] + extra + ["file://" + os.path.abspath(page)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def output_html(output):
    data = output.get("data", {})
    text = data.get("text/html", "")
    return "".join(text) if isinstance(text, list) else text


class FigureOutputs:
    """Figure outputs of a notebook: a list of dicts with cell index, expected traces, problems."""

    DIV = re.compile(r'<div\s+class="' + FIGURE_CLASS + r'"[^>]*>', re.S)
    TRACES = re.compile(r'data-traces="(\d+)"')

    @classmethod
    def read(cls, ipynb):
        with open(ipynb, encoding="utf-8") as f:
            nb = json.load(f)
        figures = []
        for ci, cell in enumerate(nb.get("cells", [])):
            for output in cell.get("outputs", []):
                html_text = output_html(output)
                for m in cls.DIV.finditer(html_text):
                    t = cls.TRACES.search(m.group(0))
                    problems = []
                    if not any(k in output.get("data", {}) for k in STATIC_MIMES):
                        problems.append("no static image (%s) in the output" % " or ".join(STATIC_MIMES))
                    inner = html_text[m.end():].lstrip()
                    if not (inner.startswith("<svg") or re.match(r'<img[^>]+src="data:image/(svg\+xml|png)', inner)):
                        problems.append("no static image (svg or data-URI img) inside the figure div")
                    figures.append({"cell": ci, "traces": int(t.group(1)) if t else None, "problems": problems})
        return figures


class DrawnFigures(html.parser.HTMLParser):
    """Reads a dumped DOM: for each figure div, whether plotly drew it and how many traces it holds."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures = []
        self.stack = []  # (tag, figure index or None)
        self.tick = None  # the tick label being read: {"figure": index, "text": ...}
        self.tick_depth = 0

    def current(self):
        for _, fig in reversed(self.stack):
            if fig is not None:
                return fig
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        fig = None
        if tag == "div" and FIGURE_CLASS in classes:
            self.figures.append({"id": a.get("id"), "plotly": "js-plotly-plot" in classes,
                                 "expected": int(a["data-traces"]) if a.get("data-traces", "").isdigit() else None,
                                 "traces": 0, "ticks": []})
            fig = len(self.figures) - 1
        elif tag == "g" and ("trace" in classes or "hm" in classes):
            cur = self.current()
            if cur is not None:
                self.figures[cur]["traces"] += 1
        elif tag == "g" and ("xtick" in classes or "ytick" in classes) and self.tick is None:
            cur = self.current()
            if cur is not None:
                self.tick = {"figure": cur, "text": ""}
                self.tick_depth = len(self.stack)
        if tag not in ("br", "img", "input", "meta", "link", "hr", "col", "area", "base", "wbr", "source"):
            self.stack.append((tag, fig))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if self.tick is not None:
            self.tick["text"] += data

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if self.tick is not None and len(self.stack) <= self.tick_depth:
            self.figures[self.tick["figure"]]["ticks"].append(self.tick["text"])
            self.tick = None


def check(page, ipynb, chromium, budget_ms, timeout, pages_only=False):
    """Returns (problems, summary) for one exported notebook (or, with pages_only, any page)."""
    problems = []
    expected = None
    if pages_only:
        pass
    elif ipynb and os.path.exists(ipynb):
        expected = FigureOutputs.read(ipynb)
        for i, f in enumerate(expected):
            for p in f["problems"]:
                problems.append("figure %d (cell %d): %s" % (i + 1, f["cell"], p))
    else:
        problems.append("no notebook %s beside the page" % (ipynb or "?"))
    dom, err = run_chromium(chromium, page, ["--virtual-time-budget=%d" % budget_ms, "--dump-dom"], timeout)
    if not dom.strip():
        problems.append("Chromium produced no DOM (stderr: %s)" % err.strip()[-300:])
        return problems, "no DOM"
    parser = DrawnFigures()
    parser.feed(dom)
    drawn = parser.figures
    if expected is None:
        expected = [{"traces": f["expected"]} for f in drawn]
    if len(drawn) != len(expected):
        problems.append("the page has %d figures but the notebook has %d figure outputs" % (len(drawn), len(expected)))
    for i, f in enumerate(drawn):
        want = f["expected"]
        if i < len(expected) and expected[i]["traces"] is not None:
            want = expected[i]["traces"]
        if not f["plotly"]:
            problems.append("figure %d (%s) was not drawn by plotly.js (static fallback only)" % (i + 1, f["id"]))
        elif want is not None and f["traces"] != want:
            problems.append("figure %d (%s) has %d traces drawn, expected %d" % (i + 1, f["id"], f["traces"], want))
        empty = sum(1 for t in f.get("ticks", []) if not t.strip())
        if f["plotly"] and empty:
            problems.append("figure %d (%s) has %d empty tick labels of %d (a label read as markup, e.g. '<s>'?)"
                            % (i + 1, f["id"], empty, len(f["ticks"])))
    summary = ", ".join("%d/%s" % (f["traces"], f["expected"]) for f in drawn)
    return problems, "%d figures drawn (traces drawn/expected: %s)" % (sum(f["plotly"] for f in drawn), summary or "-")


def screenshot(page, out_png, chromium, budget_ms, timeout, width):
    # a first pass measures nothing: a tall window fits notebooks of a few screens
    run_chromium(chromium, page, ["--virtual-time-budget=%d" % budget_ms, "--window-size=%d,%d" % (width, 4000),
                                  "--screenshot=" + os.path.abspath(out_png)], timeout)
    return os.path.exists(out_png)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", help="folder with exported NAME.html pages and their NAME.ipynb notebooks")
    ap.add_argument("--notebooks", help="folder of the .ipynb files, if not beside the pages")
    ap.add_argument("--screenshot", action="store_true", help="also write NAME.png for each page")
    ap.add_argument("--out", help="folder for screenshots (default: beside the pages)")
    ap.add_argument("--pages-only", action="store_true",
                    help="check pages that have no notebook (e.g. experiment reports): figures must draw")
    ap.add_argument("--budget-ms", type=int, default=20000, help="virtual time for scripts to run (ms)")
    ap.add_argument("--timeout", type=int, default=180, help="wall-clock limit per Chromium run (s)")
    ap.add_argument("--width", type=int, default=1200, help="screenshot width (px)")
    args = ap.parse_args(argv)

    chromium = find_chromium()
    if not chromium:
        print("check_figures: no chromium found (Debian: apt-get install -y chromium)", file=sys.stderr)
        return 2
    if not os.path.isdir(args.folder):
        print("check_figures: %s is not a folder" % args.folder, file=sys.stderr)
        return 2
    pages = sorted(f for f in os.listdir(args.folder) if f.endswith(".html"))
    if not pages:
        print("check_figures: no .html pages in %s" % args.folder, file=sys.stderr)
        return 2

    failed = 0
    for name in pages:
        page = os.path.join(args.folder, name)
        stem = name[: -len(".html")]
        ipynb = os.path.join(args.notebooks or args.folder, stem + ".ipynb")
        try:
            problems, summary = check(page, ipynb, chromium, args.budget_ms, args.timeout, args.pages_only)
        except subprocess.TimeoutExpired:
            problems, summary = ["Chromium did not finish within %d s" % args.timeout], "timeout"
        status = "ok  " if not problems else "FAIL"
        print("%s %s: %s" % (status, name, summary))
        for p in problems:
            print("       - " + p)
        failed += bool(problems)
        if args.screenshot:
            out_dir = args.out or args.folder
            os.makedirs(out_dir, exist_ok=True)
            png = os.path.join(out_dir, stem + ".png")
            ok = screenshot(page, png, chromium, args.budget_ms, args.timeout, args.width)
            print("       screenshot: %s" % (png if ok else "FAILED"))
    print("check_figures: %d pages, %d passed, %d failed" % (len(pages), len(pages) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
