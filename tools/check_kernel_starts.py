#!/usr/bin/env python3
"""Starts the Java kernel N times; each start must answer an execute request.

Guards the fix for rapaio-jupyter-kernel's LoopThread race (a channel loop that exits at once, after which the
kernel never answers): without the corrected class about 4 starts in 10 hang here.
"""
import argparse
import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel


def one_start(kernel, timeout):
    t0 = time.time()
    km = kc = None
    try:
        km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=timeout, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        result = {}

        def hook(msg):
            if msg["msg_type"] == "execute_result":
                result["text"] = msg["content"]["data"].get("text/plain") or msg["content"]["data"].get("text/html")

        reply = kc.execute_interactive("6 * 7", timeout=timeout, output_hook=hook)
        ok = reply["content"]["status"] == "ok" and "42" in str(result.get("text", ""))
        return ok, time.time() - t0, "" if ok else f"unexpected reply {reply['content'].get('status')} {result}"
    except Exception as e:  # a start that never answers ends here (TimeoutError / RuntimeError)
        return False, time.time() - t0, f"{type(e).__name__}: {e}"
    finally:
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            km.shutdown_kernel(now=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kernel", default="java")
    ap.add_argument("--starts", type=int, default=20)
    ap.add_argument("--timeout", type=int, default=60, help="seconds each start may take to answer")
    ap.add_argument("--summary", help="append 'kernel starts<TAB>passed<TAB>failed' here")
    a = ap.parse_args()
    failures = 0
    times = []
    for i in range(1, a.starts + 1):
        ok, seconds, why = one_start(a.kernel, a.timeout)
        times.append(seconds)
        failures += 0 if ok else 1
        print(f"  start {i:2d}/{a.starts}: {'answered' if ok else 'FAILED'} in {seconds:.1f} s {why}", flush=True)
    print(f"  kernel starts: {a.starts - failures} answered, {failures} failed; "
          f"median {sorted(times)[len(times) // 2]:.1f} s")
    if a.summary:
        with open(a.summary, "a", encoding="utf-8") as f:
            f.write(f"kernel starts\t{a.starts - failures}\t{failures}\n")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
