"""relocate.py mends a copied project's absolute paths (build/classpath.txt, the venv's scripts, the kernelspec)."""
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import relocate  # noqa: E402


class RelocateTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.old = os.path.join(self.tmp.name, "original")  # where the project was; gone (never created)
        self.root = os.path.join(self.tmp.name, "copy")
        self.build = os.path.join(self.root, "build")
        self.venv = os.path.join(self.root, ".venv")
        self.kernel = os.path.join(self.venv, "share/jupyter/kernels/java/kernel.json")
        os.makedirs(os.path.join(self.build, "lib"))
        os.makedirs(os.path.join(self.venv, "bin"))
        os.makedirs(os.path.dirname(self.kernel))
        for jar in ("attention-lab.jar", "api-0.35.1.jar"):
            open(os.path.join(self.build, "lib", jar), "w").close()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, path, text, mode=0o644):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)

    def run_tool(self):
        return subprocess.run([sys.executable, os.path.join(HERE, "relocate.py"), "--root", self.root, "--venv",
                               self.venv, "--build", self.build, "--kernel-json", self.kernel],
                              capture_output=True, text=True, check=True).stdout

    def test_classpath_naming_the_original_is_mapped_to_this_build_in_order(self):
        cp = os.path.join(self.build, "classpath.txt")
        self.write(cp, f"{self.old}/build/lib/api-0.35.1.jar:{self.old}/build/lib/attention-lab.jar\n")
        out = self.run_tool()
        with open(cp, encoding="utf-8") as f:
            self.assertEqual(f"{self.build}/lib/api-0.35.1.jar:{self.build}/lib/attention-lab.jar\n", f.read())
        self.assertIn(f"build/classpath.txt named jars in {self.old}/build/lib; now those in {self.build}/lib", out)
        self.assertEqual("", self.run_tool(), "a second run finds everything in place")

    def test_classpath_with_a_jar_missing_here_is_removed_so_setup_rebuilds(self):
        cp = os.path.join(self.build, "classpath.txt")
        self.write(cp, f"{self.old}/build/lib/attention-lab.jar:{self.old}/build/lib/gone-1.0.jar\n")
        out = self.run_tool()
        self.assertFalse(os.path.exists(cp))
        self.assertIn("gone-1.0.jar", out)

    def test_venv_scripts_are_pointed_at_this_venv_and_stay_executable(self):
        jupyter = os.path.join(self.venv, "bin", "jupyter")
        self.write(jupyter, f"#!{self.old}/.venv/bin/python3\nimport sys\n", 0o755)
        activate = os.path.join(self.venv, "bin", "activate")
        self.write(activate, f'VIRTUAL_ENV="{self.old}/.venv"\nexport VIRTUAL_ENV\n')
        os.symlink("/usr/bin/python3", os.path.join(self.venv, "bin", "python3"))
        out = self.run_tool()
        with open(jupyter, encoding="utf-8") as f:
            self.assertEqual(f"#!{self.venv}/bin/python3\nimport sys\n", f.read())
        self.assertTrue(os.stat(jupyter).st_mode & stat.S_IXUSR)
        with open(activate, encoding="utf-8") as f:
            self.assertIn(f'VIRTUAL_ENV="{self.venv}"', f.read())
        self.assertEqual("/usr/bin/python3", os.readlink(os.path.join(self.venv, "bin", "python3")))
        self.assertIn(f".venv's scripts named {self.old}/.venv; 2 now name {self.venv}", out)

    def test_a_kernelspec_for_another_folder_is_removed(self):
        spec = {"argv": ["java", "-cp", f"{self.old}/build/kernel/fix:{self.old}/build/kernel/k.jar", "Main"],
                "env": {"ATTNLAB_HOME": self.old}}
        self.write(self.kernel, json.dumps(spec))
        out = self.run_tool()
        self.assertFalse(os.path.exists(self.kernel))
        self.assertIn(f"the kernelspec named {self.old}; removed", out)

    def test_a_kernelspec_for_this_folder_is_kept(self):
        spec = {"argv": ["java", "-cp", f"{self.root}/build/kernel/fix:{self.root}/build/kernel/k.jar", "Main"],
                "env": {"ATTNLAB_HOME": self.root}}
        self.write(self.kernel, json.dumps(spec))
        self.assertEqual("", self.run_tool())
        self.assertTrue(os.path.exists(self.kernel))


if __name__ == "__main__":
    unittest.main()
