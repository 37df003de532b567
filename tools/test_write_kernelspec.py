"""write_kernelspec.py fills the kernel.json template and adds environment files (environment/native.env)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class WriteKernelspec(unittest.TestCase):
    def run_tool(self, *extra):
        self.tmp = tempfile.mkdtemp()
        out = os.path.join(self.tmp, "k", "kernel.json")
        done = subprocess.run([sys.executable, os.path.join(HERE, "write_kernelspec.py"), "--template",
                               os.path.join(ROOT, "environment/kernel/kernel.json.template"), "--out", out,
                               "--java", "/j/java", "--kernel-cp", "KCP", "--toolkit-cp", "a.jar:b.jar",
                               "--home", "/home/lab", *extra], capture_output=True, text=True)
        return done, out

    def test_the_native_settings_go_into_the_kernels_environment(self):
        done, out = self.run_tool("--env-file", os.path.join(ROOT, "environment/native.env"))
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(out) as f:
            spec = json.load(f)
        env = spec["env"]
        self.assertEqual(env["MALLOC_MMAP_THRESHOLD_"], "1073741824")
        self.assertEqual(env["MALLOC_TRIM_THRESHOLD_"], "4294967296")
        self.assertEqual(env["MALLOC_TOP_PAD_"], "536870912")
        self.assertEqual(env["MALLOC_ARENA_MAX"], "1")
        self.assertEqual(env["ATEN_CPU_CAPABILITY"], "avx2")
        self.assertEqual(env["RJK_CLASSPATH"], "a.jar;b.jar")
        self.assertEqual(env["ATTNLAB_HOME"], "/home/lab")
        self.assertEqual(spec["argv"][0], "/j/java")

    def test_a_bad_line_is_named(self):
        bad = os.path.join(tempfile.mkdtemp(), "bad.env")
        with open(bad, "w") as f:
            f.write("# fine\nA=1\n\nnot a setting\n")
        done, _ = self.run_tool("--env-file", bad)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("bad.env:4: expected NAME=VALUE, got 'not a setting'", done.stderr)


if __name__ == "__main__":
    unittest.main()
