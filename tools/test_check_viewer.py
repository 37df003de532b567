#!/usr/bin/env python3
"""Unit tests of check_viewer.py's comparisons (no browser needed): python3 tools/test_check_viewer.py"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_viewer as cv  # noqa: E402

WHITE = "rgb(255, 255, 255)"


def shade(w):
    """The viewer's colour for weight w: white to rgb(8, 69, 148)."""
    return "rgb(%d, %d, %d)" % tuple(round(255 + (c - 255) * w) for c in (8, 69, 148))


# 3 tokens, one layer, two heads: head 0 previous token, head 1 first token
DATA = {"tokens": ["<s>", "a", "\n"], "scale": 1000, "layer": 0, "head": 0, "hover": "query", "focus": None,
        "layers": [{"label": "layer 0", "number": 0, "heads": [[1000, 0, 0, 1000, 0, 0, 0, 1000, 0],
                                                              [1000, 0, 0, 1000, 0, 0, 1000, 0, 0]]}]}


def step(name, focus, colors, head=0, hover="query", texts=("<s>", "a", "\u21b5")):
    return {"step": name, "intent": {"layer": 0, "head": head, "hover": hover, "focus": focus}, "hit": True,
            "texts": list(texts), "colors": colors, "focus": [] if focus is None else [focus], "layerSel": "0",
            "headSel": str(head), "thumbs": 2, "selectedThumb": [head]}


def viewer(steps):
    return {"id": "v", "ready": True, "data": json.dumps(DATA), "steps": steps, "othersBefore": [], "othersAfter": []}


GOOD = [step("as opened", None, [WHITE] * 3),
        step("hover token 2", 2, [WHITE, shade(1), WHITE]),
        step("toggle to key, hover token 0", 0, [shade(1), shade(1), WHITE], hover="key"),
        step("click head 1 thumbnail, hover token 2", 2, [shade(1), WHITE, WHITE], head=1),
        step("mouse leaves the tokens", None, [WHITE] * 3, head=1)]


class ComparisonTest(unittest.TestCase):

    def test_darkness_of_css_colours(self):
        self.assertAlmostEqual(0.0, cv.darkness(WHITE))
        self.assertAlmostEqual(1.0, cv.darkness("rgb(0, 0, 0)"))
        self.assertAlmostEqual(0.0, cv.darkness("rgba(0, 0, 0, 0)"))  # transparent over white
        self.assertGreater(cv.darkness(shade(0.6)), cv.darkness(shade(0.3)))
        self.assertIsNone(cv.darkness("transparent"))

    def test_expected_weights_are_the_row_as_query_and_the_column_as_key(self):
        self.assertEqual([0, 1, 0], cv.expected_weights(DATA, {"layer": 0, "head": 0, "hover": "query", "focus": 2}))
        self.assertEqual([1, 1, 0], cv.expected_weights(DATA, {"layer": 0, "head": 0, "hover": "key", "focus": 0}))
        self.assertEqual([0, 0, 0], cv.expected_weights(DATA, {"layer": 0, "head": 1, "hover": "key", "focus": None}))

    def test_shading_must_follow_the_weights(self):
        self.assertEqual([], cv.shading_problems([0.7, 0.3, 0], [shade(0.7), shade(0.3), WHITE]))
        self.assertIn("token 2 is shaded", cv.shading_problems([0.5, 0.5, 0], [shade(0.5), shade(0.5), shade(0.5)])[0])
        self.assertIn("token 0 is not shaded", cv.shading_problems([0.5, 0.5, 0], [WHITE, shade(0.5), WHITE])[0])
        self.assertIn("is not darker than", cv.shading_problems([0.7, 0.3, 0], [shade(0.3), shade(0.7), WHITE])[0])

    def test_tokens_are_compared_as_the_viewer_writes_them(self):
        self.assertEqual("\u2205", cv.display(""))
        self.assertEqual("<s>\u21b5", cv.display("<s>\n"))

    def test_a_good_record_passes(self):
        self.assertEqual([], cv.check_viewer(viewer(GOOD)))

    def test_a_viewer_that_ignores_the_mouse_fails(self):
        deaf = [dict(s, colors=[WHITE] * 3) for s in GOOD]
        problems = cv.check_viewer(viewer(deaf))
        self.assertIn("hovering a token shaded nothing", problems)
        self.assertTrue(any("token 1 is not shaded but its weight is 1.000" in p for p in problems), problems)

    def test_markup_read_as_markup_or_a_wrong_head_or_another_viewer_changed_fails(self):
        eaten = [dict(s, texts=["", "a", "\u21b5"]) for s in GOOD]
        self.assertIn("token 0 shows '' but the token is '<s>'", cv.check_viewer(viewer(eaten))[0])
        wrong = list(GOOD)
        wrong[3] = dict(GOOD[3], selectedThumb=[0], headSel="0")
        problems = cv.check_viewer(viewer(wrong))
        self.assertTrue(any("selectors show layer index 0 head 0, expected 0 head 1" in p for p in problems), problems)
        self.assertTrue(any("2 head thumbnails with [0] selected" in p for p in problems), problems)
        clash = dict(viewer(GOOD), othersBefore=[WHITE, WHITE], othersAfter=[WHITE, shade(0.5)])
        self.assertIn("changed the shading of 1 tokens of another viewer", cv.check_viewer(clash)[-1])

    def test_a_viewer_whose_script_did_not_run_fails(self):
        self.assertIn("did not build itself", cv.check_viewer({"id": "v", "ready": False, "data": None})[0])

    def test_driver_is_added_to_a_copy_and_its_record_read_back(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            page = os.path.join(d, "p.html")
            with open(page, "w", encoding="utf-8") as f:
                f.write("<html><head></head><body><p>x</p></body></html>")
            driven = cv.driven_page(page)
            text = open(driven, encoding="utf-8").read()
            self.assertTrue(text.index("__viewerCheckErrors") < text.index("<p>x</p>") < text.index(cv.RESULT_ID))
        dom = '<body><pre id="%s" style="display: none;">{&quot;viewers&quot;:[]}</pre></body>' % cv.RESULT_ID
        self.assertEqual({"viewers": []}, cv.read_record(dom))


if __name__ == "__main__":
    unittest.main()
