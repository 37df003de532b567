"""A kernel started from a background job can still take SIGINT once take_sigint() has run."""
import os
import signal
import subprocess
import sys
import unittest

TOOLS = os.path.dirname(os.path.abspath(__file__))

CHILD = """
import signal, subprocess, sys
sys.path.insert(0, {tools!r})
import kernel_signals
if sys.argv[1] == "take":
    kernel_signals.take_sigint()
status = subprocess.run(["cat", "/proc/self/status"], capture_output=True, text=True).stdout
ignored = int(next(l for l in status.splitlines() if l.startswith("SigIgn:")).split()[1], 16)
print("ignored" if ignored & (1 << (signal.SIGINT - 1)) else "default")
"""


def sigint_in_grandchild(mode):
    """Runs a Python child with SIGINT ignored (as a background job has it); says how its own child gets SIGINT."""
    return subprocess.run([sys.executable, "-c", CHILD.format(tools=TOOLS), mode], capture_output=True, text=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN), timeout=30).stdout.strip()


@unittest.skipUnless(os.path.exists("/proc/self/status"), "reads /proc (Linux)")
class KernelSignalsTest(unittest.TestCase):

    def test_an_ignored_sigint_reaches_the_kernel_as_default_after_take_sigint(self):
        self.assertEqual("ignored", sigint_in_grandchild("leave"), "the background case this guards against")
        self.assertEqual("default", sigint_in_grandchild("take"))


if __name__ == "__main__":
    unittest.main()
