#!/usr/bin/env python3
"""Interrupts a training cell in the Java kernel, then requires the kernel to answer the next cells.

What a student does with JupyterLab's stop button: start the kernel, run a cell that trains for far too long, wait
until it is training, interrupt the kernel (jupyter_client's interrupt_kernel: the kernelspec's interrupt_mode),
and then

  1. the training cell gets its reply within --timeout seconds, an error whose text is the one line
     "interrupted at step N ...",
  2. `t.stepsDone()` is N: the model keeps its last complete step,
  3. `1+1` answers 2 (the unmodified rapaio 3.0.1 kernel answers nothing from here on).

Each failure is printed with what was expected; --summary appends 'kernel interrupt<TAB>passed<TAB>failed'.
"""
import argparse
import queue
import re
import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel

import kernel_signals

SETUP = """
import org.attnlab.data.*;
import org.attnlab.model.*;
import org.attnlab.train.*;
import ai.djl.ndarray.*;
NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu());
int[] ids = new java.util.Random(1).ints(20_000, 0, 16).toArray();
TrainingData data = TrainingData.from(BatchSource.of(Batches.of(ids), 8, 32, 1));
DecoderLM model = DecoderLM.create(ModelConfig.builder(16, 32, 2, 2).maxLength(32).build(), manager, 1);
TrainConfig cfg = TrainConfig.builder(1, ai.djl.Device.cpu()).steps(1_000_000).batchSize(8).context(32).lr(1e-3)
        .evalEvery(0).build();
Trainer t = Trainer.builder().model(model).config(cfg).trainData(data).runName("endless")
        .listener(new ProgressListener() {
            public void onStep(ProgressListener.Progress p) {
                if (p.step() == 3) System.out.println("training");
            }
        }).build();
"""
TRAIN = "t.run();"


class Cell:
    """One execute request; collects its stream text, result, error and reply without blocking the caller."""

    def __init__(self, kc, code):
        self.kc = kc
        self.msg_id = kc.execute(code, store_history=True)
        self.stdout = ""
        self.result = None
        self.error = None
        self.reply = None
        self.idle = False

    def done(self):
        return self.reply is not None and self.idle

    def pump(self, seconds):
        """Reads iopub and shell messages of this cell for up to `seconds`; returns when the reply is in and the
        kernel has said idle for it (its outputs come before that)."""
        deadline = time.time() + seconds
        while time.time() < deadline and not self.done():
            for get, is_shell in ((self.kc.get_iopub_msg, False), (self.kc.get_shell_msg, True)):
                try:
                    msg = get(timeout=0.05)
                except queue.Empty:
                    continue
                if msg.get("parent_header", {}).get("msg_id") != self.msg_id:
                    continue
                if is_shell:
                    self.reply = msg["content"]
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    self.stdout += content.get("text", "")
                elif kind == "execute_result":
                    self.result = content["data"].get("text/plain") or content["data"].get("text/html")
                elif kind == "error":
                    self.error = content
                elif kind == "status" and content.get("execution_state") == "idle":
                    self.idle = True
        return self.done()

    def wait_for_stdout(self, text, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline and text not in self.stdout and not self.done():
            self.pump(0.2)
        return text in self.stdout


def strip_ansi(s):
    return re.sub(r"\x1b\[[0-9;]*m", "", s)


def run(kernel, timeout):
    """Returns a list of (check, ok, detail)."""
    checks = []
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=120, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        setup = Cell(kc, SETUP)
        if not setup.pump(180) or setup.reply.get("status") != "ok":
            return [("setup cell", False, f"reply {setup.reply}, error {setup.error}")]
        train = Cell(kc, TRAIN)
        if not train.wait_for_stdout("training", 180):
            return [("training starts", False, f"no 'training' printed; reply {train.reply}, error {train.error}")]
        time.sleep(1.0)  # a few more steps
        km.interrupt_kernel()
        t0 = time.time()
        answered = train.pump(timeout)
        evalue = strip_ansi(" ".join(train.error.get("traceback", [])) + " " + train.error.get("evalue", "")) \
            if train.error else ""
        m = re.search(r"interrupted at step (\d+)", evalue)
        checks.append(("the training cell ends after the interrupt", answered,
                       f"reply in {time.time() - t0:.1f} s" if answered else f"no reply within {timeout} s"))
        checks.append(("its error is one line 'interrupted at step N'", m is not None and len(
            [line for line in strip_ansi("\n".join(train.error.get("traceback", []))).splitlines() if line.strip()])
                       <= 1, f"error {train.error}"))
        if m:
            steps = Cell(kc, "t.stepsDone()")
            ok = steps.pump(timeout) and steps.result is not None and steps.result.strip() == m.group(1)
            checks.append(("the model keeps the last complete step", ok,
                           f"t.stepsDone() = {steps.result}, message says step {m.group(1)}"))
        after = Cell(kc, "1+1")
        ok = after.pump(timeout) and after.reply.get("status") == "ok" and (after.result or "").strip() == "2"
        checks.append(("the next cell answers: 1+1 = 2", ok, f"reply {after.reply and after.reply.get('status')}, "
                                                             f"result {after.result!r}"))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return checks


def main():
    kernel_signals.take_sigint()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", default="java")
    ap.add_argument("--timeout", type=int, default=30, help="seconds a cell may take to answer after the interrupt")
    ap.add_argument("--summary", help="append 'kernel interrupt<TAB>passed<TAB>failed' here")
    a = ap.parse_args()
    try:
        checks = run(a.kernel, a.timeout)
    except Exception as e:  # a kernel that does not start or answer
        checks = [("kernel answers", False, f"{type(e).__name__}: {e}")]
    failed = 0
    for name, ok, detail in checks:
        failed += 0 if ok else 1
        print(f"  {'ok    ' if ok else 'FAILED'} {name}: {detail}", flush=True)
    if a.summary:
        with open(a.summary, "a", encoding="utf-8") as f:
            f.write(f"kernel interrupt\t{len(checks) - failed}\t{failed}\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
