"""./lab run NOTEBOOK: a path, a name or a number means one lesson; anything else is refused with the list."""
import os
import tempfile
import unittest

import notebook_names


class NotebookNamesTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        for f in ("00-welcome.ipynb", "06-induction-heads.ipynb", "07-parity.ipynb", "notes.ipynb"):
            open(os.path.join(self.dir, f), "w").close()

    def tearDown(self):
        self.tmp.cleanup()

    def test_paths_names_and_numbers_resolve_in_order(self):
        path = os.path.join(self.dir, "07-parity.ipynb")
        six = os.path.join(self.dir, "06-induction-heads.ipynb")
        got = notebook_names.resolve([path, "06-induction-heads", "06-induction-heads.ipynb", "6", "00"], self.dir)
        self.assertEqual([path, six, six, six, os.path.join(self.dir, "00-welcome.ipynb")], got)

    def test_unknown_names_are_refused_with_the_lessons_listed(self):
        with self.assertRaises(ValueError) as e:
            notebook_names.resolve(["06-induction", "99", "notes"], self.dir)
        self.assertEqual(f"no such notebook: '06-induction'; '99'; 'notes'. Give a path, a name or a number; "
                         f"the notebooks in {self.dir}: 00-welcome, 06-induction-heads, 07-parity", str(e.exception))


if __name__ == "__main__":
    unittest.main()
