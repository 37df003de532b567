"""The lab script refuses bad input before doing anything: ATTNLAB_THREADS, unknown setup/test arguments."""
import os
import subprocess
import unittest

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab")


def lab(*args, **env):
    e = dict(os.environ)
    e.pop("ATTNLAB_THREADS", None)
    e.update(env)
    return subprocess.run(["bash", LAB, *args], capture_output=True, text=True, env=e, timeout=60)


class LabScriptTest(unittest.TestCase):

    def test_bad_thread_counts_are_refused_with_the_variable_named(self):
        cpus = os.cpu_count()
        allowed = f"allowed: a whole number from 1 to {4 * cpus} ({4} x the {cpus} processors), e.g. ATTNLAB_THREADS=1"
        for value, what in (("abc", "'abc' is not a whole number"), ("0", "0 is out of range"),
                            ("-1", "-1 is out of range"), ("100000", "100000 is out of range")):
            r = lab("setup", ATTNLAB_THREADS=value)
            self.assertEqual(2, r.returncode, r.stderr)
            self.assertEqual(f"lab: ATTNLAB_THREADS {what}; {allowed}\n", r.stderr)
            self.assertEqual("", r.stdout, "nothing ran")

    def test_setup_and_test_refuse_unknown_arguments(self):
        for cmd in ("setup", "test"):
            r = lab(cmd, "--frobnicate")
            self.assertEqual(2, r.returncode, r.stderr)
            self.assertEqual(f"lab {cmd}: unknown argument '--frobnicate'; {cmd} takes none (see ./lab help)\n",
                             r.stderr)


if __name__ == "__main__":
    unittest.main()
