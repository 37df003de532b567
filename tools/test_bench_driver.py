"""bench/driver.py's options: argument errors, the Java command (--java-cmd), the GPU environment, and the fast
failures for --device gpu (no CUDA in torch; a DJL side that cannot use the GPU). No torch or Java needed: torch is
replaced by a stand-in module and the Java side by small shell scripts."""
import contextlib
import io
import os
import stat
import sys
import tempfile
import types
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import driver  # noqa: E402


def parse_error(argv):
    """The message argparse prints for argv, or None when argv parses."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            driver.parse_args(argv)
        except SystemExit:
            return err.getvalue().strip().splitlines()[-1]
    return None


def fake_torch(cuda_available: bool, cuda_version):
    t = types.ModuleType("torch")
    t.__version__ = "9.9.9+fake"
    t.cuda = types.SimpleNamespace(is_available=lambda: cuda_available)
    t.version = types.SimpleNamespace(cuda=cuda_version)
    return t


class WarmUp(unittest.TestCase):
    class FakeWorker:
        def __init__(self, ms):
            self.ms, self.calls = ms, 0

        def ask(self, **cmd):
            self.calls += 1
            return {"ms": self.ms}

    def test_runs_until_every_worker_has_spent_the_seconds(self):
        fast, slow = self.FakeWorker(10.0), self.FakeWorker(250.0)
        self.assertEqual(driver.warm({"fast": fast, "slow": slow}, "train", 0, 1.0), 100)  # 100 x 10 ms = 1 s
        self.assertEqual((fast.calls, slow.calls), (100, 100))

    def test_at_least_n_and_at_most_the_cap(self):
        self.assertEqual(driver.warm({"w": self.FakeWorker(500.0)}, "train", 3, 0.1), 3)
        self.assertEqual(driver.warm({"w": self.FakeWorker(0.0)}, "train", 0, 1.0), driver.WARMUP_MAX_REPS)
        self.assertEqual(driver.warm({"w": self.FakeWorker(5.0)}, "train", 0, 0.0), 0)


class ArgumentErrors(unittest.TestCase):
    def test_a_java_route_is_required_and_only_one(self):
        self.assertIn("give --java-cp CP", parse_error([]))
        self.assertIn("not both", parse_error(["--java-cp", "a", "--java-cmd", "bash .gpu/run"]))
        self.assertIn("--java-cmd is empty", parse_error(["--java-cmd", "  "]))

    def test_bad_values_are_named_with_what_is_allowed(self):
        self.assertIn("unknown part(s) ['timing']; known: crosscheck, model, ops",
                      parse_error(["--java-cp", "a", "--only", "model,timing"]))
        self.assertIn("--sizes: unknown ['huge']; known: tiny, small, mid, large",
                      parse_error(["--java-cp", "a", "--sizes", "mid,huge"]))
        self.assertIn("--kinds: unknown ['linear']", parse_error(["--java-cp", "a", "--kinds", "linear"]))
        self.assertIn("invalid choice: 'tpu'", parse_error(["--java-cp", "a", "--device", "tpu"]))
        self.assertIn("--reps must be at least 1; got 0", parse_error(["--java-cp", "a", "--reps", "0"]))
        self.assertIn("--pairs must be 1 to 20 fresh worker pairs per size and kind; got 0",
                      parse_error(["--java-cp", "a", "--pairs", "0"]))
        self.assertIn("got 21", parse_error(["--java-cp", "a", "--pairs", "21"]))
        self.assertIn("--warmup must be 0 or more; got -1", parse_error(["--java-cp", "a", "--warmup", "-1"]))
        self.assertIn("--op-warmup-s must be a number of seconds >= 0; got -1.0",
                      parse_error(["--java-cp", "a", "--op-warmup-s", "-1"]))
        self.assertIn("--warmup-s must be a number of seconds >= 0; got -2.0",
                      parse_error(["--java-cp", "a", "--warmup-s", "-2"]))
        self.assertIn("--warmup-s must be a number of seconds >= 0; got nan",
                      parse_error(["--java-cp", "a", "--warmup-s", "nan"]))
        self.assertIn("cannot be used with --device gpu",
                      parse_error(["--java-cmd", "x", "--device", "gpu", "--baseline-cp", "b"]))
        self.assertIn("--baseline-env: each entry must be NAME=VALUE; got ['MALLOC']",
                      parse_error(["--java-cp", "a", "--baseline-cp", "b", "--baseline-env", "A=1 MALLOC"]))
        self.assertIn("--baseline-env applies to the --baseline-cp worker",
                      parse_error(["--java-cp", "a", "--baseline-env", "A=1"]))

    def test_baseline_env_is_parsed_into_variables(self):
        a = driver.parse_args(["--java-cp", "a", "--baseline-cp", "b", "--baseline-env", "A=1 B=x=y"])
        self.assertEqual({"A": "1", "B": "x=y"}, a.baseline_env)
        self.assertEqual({}, driver.parse_args(["--java-cp", "a"]).baseline_env)

    def test_defaults_depend_on_the_device(self):
        cpu = driver.parse_args(["--java-cp", "a"])
        gpu = driver.parse_args(["--java-cmd", "bash .gpu/run", "--device", "gpu"])
        self.assertEqual((cpu.device, cpu.warmup, cpu.warmup_s, cpu.tol), ("cpu", 0, 15.0, 1e-4))
        self.assertEqual((gpu.device, gpu.warmup, gpu.warmup_s, gpu.tol), ("gpu", 3, 0.0, 1e-4))
        self.assertEqual(driver.parse_args(["--java-cp", "a", "--tol", "2e-4", "--warmup", "1"]).tol, 2e-4)


class JavaCommand(unittest.TestCase):
    def test_plain_java_carries_the_classpath_and_the_thread_flags(self):
        a = driver.parse_args(["--java-cp", "CP", "--threads", "2"])
        self.assertEqual(driver.java_cmd(a, "serve", "--device", "cpu"),
                         ["java", "-Dai.djl.pytorch.num_threads=2", "-Dai.djl.pytorch.num_interop_threads=1", "-cp",
                          "CP", "org.attnlab.bench.ModelBench", "serve", "--device", "cpu"])
        self.assertNotIn("NVIDIA_TF32_OVERRIDE", {k: v for k, v in driver.java_env(a).items()
                                                  if k not in os.environ})

    def test_java_cmd_runs_the_main_class_and_passes_flags_through_the_environment(self):
        a = driver.parse_args(["--java-cmd", "bash '.gpu/run'", "--device", "gpu", "--threads", "3"])
        self.assertEqual(driver.java_cmd(a, "export", "--device", "gpu"),
                         ["bash", ".gpu/run", "org.attnlab.bench.ModelBench", "export", "--device", "gpu"])
        env = driver.java_env(a)
        self.assertIn("-Dai.djl.pytorch.num_threads=3", env["JAVA_OPTS"])
        self.assertEqual(env["ATTNLAB_THREADS"], "3")
        self.assertEqual(env["NVIDIA_TF32_OVERRIDE"], "0")
        # a baseline build still runs with plain java and its own classpath
        self.assertEqual(driver.java_cmd(a, "serve", cp="BASE")[:1], ["java"])


class NativeSettings(unittest.TestCase):
    def setUp(self):
        self.saved = {k: v for k, v in os.environ.items() if driver.is_lab_setting(k)}
        os.environ["MALLOC_TRIM_THRESHOLD_"] = "123"   # as if ./lab had exported something else
        os.environ["ATEN_CPU_CAPABILITY"] = "default"

    def tearDown(self):
        for k in [k for k in os.environ if driver.is_lab_setting(k)]:
            del os.environ[k]
        os.environ.update(self.saved)

    def test_the_djl_worker_gets_the_labs_settings_and_pytorch_the_libraries_defaults(self):
        lab = driver.lab_native_env()
        self.assertEqual(sorted(lab), ["ATEN_CPU_CAPABILITY", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_",
                                       "MALLOC_TOP_PAD_", "MALLOC_TRIM_THRESHOLD_"])
        self.assertEqual(lab["ATEN_CPU_CAPABILITY"], "avx2")
        self.assertTrue(all(driver.is_lab_setting(k) for k in lab), "every setting of the file is kept from PyTorch")
        a = driver.parse_args(["--java-cp", "CP"])
        env = driver.java_env(a)
        for k, v in lab.items():
            self.assertEqual(env[k], v)
        plain = driver.env_for(1)
        self.assertFalse([k for k in plain if driver.is_lab_setting(k)], "the PyTorch worker inherits none")
        g = driver.parse_args(["--java-cp", "CP", "--djl-env", "none"])
        self.assertFalse([k for k in driver.java_env(g) if driver.is_lab_setting(k)])

    def test_pytorch_env_is_parsed_and_checked(self):
        a = driver.parse_args(["--java-cp", "CP", "--pytorch-env", "MALLOC_TOP_PAD_=1 X=2"])
        self.assertEqual(a.pytorch_env, {"MALLOC_TOP_PAD_": "1", "X": "2"})
        self.assertIn("--pytorch-env: each entry must be NAME=VALUE; got ['X']",
                      parse_error(["--java-cp", "a", "--pytorch-env", "X"]))


class FastFailures(unittest.TestCase):
    def setUp(self):
        self.saved = sys.modules.get("torch")

    def tearDown(self):
        if self.saved is None:
            sys.modules.pop("torch", None)
        else:
            sys.modules["torch"] = self.saved

    def test_gpu_with_a_cpu_only_torch_says_so(self):
        sys.modules["torch"] = fake_torch(False, None)
        with self.assertRaises(SystemExit) as e:
            driver.check_torch("gpu")
        msg = str(e.exception)
        self.assertIn("--device gpu, but torch 9.9.9+fake", msg)
        self.assertIn("torch.cuda.is_available() is False (this torch is a CPU-only build)", msg)

    def test_gpu_with_a_cuda_torch_but_no_device_says_so(self):
        sys.modules["torch"] = fake_torch(False, "13.0")
        with self.assertRaises(SystemExit) as e:
            driver.check_torch("gpu")
        self.assertIn("built for CUDA 13.0 but sees no GPU", str(e.exception))

    def test_cpu_needs_no_cuda(self):
        sys.modules["torch"] = fake_torch(False, None)
        self.assertIs(driver.check_torch("cpu"), sys.modules["torch"])

    def _script(self, d, body):
        p = os.path.join(d, "run")
        with open(p, "w") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(p, os.stat(p).st_mode | stat.S_IEXEC)
        return p

    def test_a_java_side_without_the_gpu_stops_the_run_with_its_message(self):
        with tempfile.TemporaryDirectory() as d:
            run = self._script(d, 'echo "compiling JNI..."; echo \'@@ {"error": "--device gpu, but DJL sees no '
                                  'GPU here (GPU count 0)"}\'; exit 2')
            a = driver.parse_args(["--java-cmd", run, "--device", "gpu"])
            with self.assertRaises(SystemExit) as e:
                driver.java_info(a)
            self.assertIn("the DJL side cannot run on gpu (exit 2): --device gpu, but DJL sees no GPU", str(e.exception))

    def test_a_java_side_that_answers_gives_its_versions(self):
        with tempfile.TemporaryDirectory() as d:
            run = self._script(d, 'echo "noise"; echo "@@ {\\"java\\": \\"J $ATTNLAB_THREADS $*\\", \\"djl\\": '
                                  '\\"0.35.1\\"}"')
            a = driver.parse_args(["--java-cmd", run, "--threads", "2"])
            self.assertEqual(driver.java_info(a)["java"], "J 2 org.attnlab.bench.ModelBench info --device cpu")

    def test_a_java_command_that_does_not_exist_is_named(self):
        a = driver.parse_args(["--java-cmd", "/nonexistent/run"])
        with self.assertRaises(SystemExit) as e:
            driver.java_info(a)
        self.assertIn("cannot start the Java side (/nonexistent/run", str(e.exception))



class PairSummary(unittest.TestCase):
    def test_pairs_are_summarised_per_size_kind_and_pass_by_median_and_range(self):
        def row(size, what, ratio, cpu, djl, pt):
            return {"size": size, "kind": "standard", "what": what, "ratio": ratio, "cpu_ratio": cpu,
                    "djl_ms": djl, "pytorch_ms": pt}
        rows = [row("mid", "train", 1.2, 1.1, 12, 10), row("mid", "forward", 0.9, 0.8, 9, 10),
                row("mid", "train", 0.9, 1.0, 9, 10), row("mid", "train", 1.0, 1.3, 11, 11),
                row("large", "train", 2.0, 2.0, 20, 10)]
        out = driver.pair_rows(rows)
        self.assertEqual([(r["size"], r["what"], r["pairs"]) for r in out],
                         [("mid", "train", 3), ("mid", "forward", 1), ("large", "train", 1)])
        mid = out[0]
        self.assertEqual((mid["ratio_median"], mid["ratio_min"], mid["ratio_max"]), (1.0, 0.9, 1.2))
        self.assertEqual((mid["cpu_ratio_median"], mid["cpu_ratio_min"], mid["cpu_ratio_max"]), (1.1, 1.0, 1.3))
        self.assertEqual((mid["djl_ms_median"], mid["pytorch_ms_median"]), (11, 10))

if __name__ == "__main__":
    unittest.main()
