#!/usr/bin/env python3
"""Unit tests of check_figures.py's readers (no browser needed): python3 tools/test_check_figures.py"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_figures as cf  # noqa: E402

IMG = '<img class="attnlab-static" src="data:image/svg+xml;base64,PHN2Zy8+">'


def figure_output(traces, static=True, inner=IMG):
    data = {"text/html": '<div class="attnlab-figure" id="attnlab_fig_1" data-traces="%d" style="">%s</div><script></script>'
            % (traces, inner), "text/plain": "Figure"}
    if static:
        data["image/svg+xml"] = "<svg/>"
    return {"output_type": "execute_result", "data": data, "metadata": {}, "execution_count": 1}


class FigureOutputsTest(unittest.TestCase):

    def read(self, outputs):
        nb = {"cells": [{"cell_type": "code", "source": "", "outputs": outputs}], "nbformat": 4}
        with tempfile.NamedTemporaryFile("w", suffix=".ipynb", delete=False) as f:
            json.dump(nb, f)
        try:
            return cf.FigureOutputs.read(f.name)
        finally:
            os.unlink(f.name)

    def test_counts_figures_and_expected_traces(self):
        figs = self.read([figure_output(3), {"output_type": "stream", "text": "x"}, figure_output(1)])
        self.assertEqual([3, 1], [f["traces"] for f in figs])
        self.assertEqual([[], []], [f["problems"] for f in figs])

    def test_missing_static_mime_or_image_is_a_problem(self):
        figs = self.read([figure_output(1, static=False), figure_output(1, inner="")])
        self.assertIn("no static image (image/svg+xml or image/png) in the output", figs[0]["problems"])
        self.assertIn("no static image (svg or data-URI img) inside the figure div", figs[1]["problems"])


class DrawnFiguresTest(unittest.TestCase):

    def test_counts_plotly_traces_per_figure_div(self):
        dom = ('<div class="attnlab-figure js-plotly-plot" id="a" data-traces="2"><div><svg>'
               '<g class="trace scatter t1"></g><g class="trace scatter t2"></g><g class="traces"></g></svg></div></div>'
               '<div class="attnlab-figure js-plotly-plot" id="b" data-traces="2"><svg><g class="hm"><image/></g></svg></div>'
               '<div class="attnlab-figure" id="c" data-traces="1">' + IMG + '</div>')
        p = cf.DrawnFigures()
        p.feed(dom)
        self.assertEqual([("a", True, 2), ("b", True, 1), ("c", False, 0)],
                         [(f["id"], f["plotly"], f["traces"]) for f in p.figures])

    def test_reads_tick_label_texts_so_an_empty_one_is_seen(self):
        dom = ('<div class="attnlab-figure js-plotly-plot" id="a" data-traces="1"><svg><g class="trace"></g>'
               '<g class="xaxislayer-above"><g class="xtick"><text>&lt;s&gt;</text></g>'
               '<g class="xtick"><text><tspan style="text-decoration: line-through"></tspan></text></g>'
               '<g class="xtick"><text>cat</text></g></g></svg></div>')
        p = cf.DrawnFigures()
        p.feed(dom)
        self.assertEqual(["<s>", "", "cat"], p.figures[0]["ticks"])


if __name__ == "__main__":
    unittest.main()
