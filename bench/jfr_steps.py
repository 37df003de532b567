"""Where a DJL training step's time goes, from a Java Flight Recorder file: the samples of the main thread under
`org.attnlab.train.Trainer.step`, split by the method Trainer.step called (forward, backward, AdamW, ...) and by
Java code against native code (inside a JNI call), and the Java samples by whose code ran (DJL's or ours).

  java -XX:StartFlightRecording=filename=/tmp/x.jfr,settings=profile -cp ... org.attnlab.bench.StepTimes \\
       --steps 2500 --warmup 500 tiny:standard:2:64:2:256:4:32
  python3 bench/jfr_steps.py /tmp/x.jfr --skip-s 6        # leave out the first 6 s (the JVM warming up)

Samples are weighted by their period in JDK 17's `profile` settings: Java (jdk.ExecutionSample) 10 ms, native
(jdk.NativeMethodSample) 20 ms. Needs the JDK's `jfr` tool on the PATH.
"""
import argparse
import collections
import datetime
import json
import subprocess

PERIOD_MS = {"jdk.ExecutionSample": 10, "jdk.NativeMethodSample": 20}
STEP = "org.attnlab.train.Trainer.step"


def frames_of(event):
    st = event["values"].get("stackTrace")
    if not st:
        return []
    return [(f["method"]["type"]["name"] + "." + f["method"]["name"]).replace("/", ".") for f in st["frames"]]


def when(event):
    return datetime.datetime.fromisoformat(event["values"]["startTime"].replace("Z", "+00:00")).timestamp()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("jfr")
    ap.add_argument("--skip-s", type=float, default=0.0, help="leave out samples of the first S seconds")
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events",
                          ",".join(PERIOD_MS), a.jfr], capture_output=True, text=True, check=True).stdout
    events = json.loads(out)["recording"]["events"]
    if not events:
        raise SystemExit(f"{a.jfr} has no execution or native-method samples; record with settings=profile")
    t0 = min(when(e) for e in events)
    phases, kinds, owners, java_ours = collections.Counter(), collections.Counter(), collections.Counter(), \
        collections.Counter()
    for e in events:
        if when(e) - t0 < a.skip_s or e["values"].get("sampledThread", {}).get("javaName") != "main":
            continue
        fr = frames_of(e)
        if STEP not in fr:
            continue
        i = fr.index(STEP)
        callee = fr[i - 1] if i > 0 else STEP
        kind = "native" if e["type"] == "jdk.NativeMethodSample" else "java"
        w = PERIOD_MS[e["type"]]
        phases[(callee, kind)] += w
        kinds[kind] += w
        if kind == "java":
            owner = next((x for x in fr if not x.startswith(("java.", "jdk.", "sun."))), "?")
            who = "ours" if owner.startswith("org.attnlab") else "djl" if owner.startswith("ai.djl") else "other"
            owners[who] += w
            if who == "ours":
                java_ours[owner] += w
    total = sum(kinds.values())
    if total == 0:
        raise SystemExit(f"no samples under {STEP} on the main thread after {a.skip_s} s")
    print(f"{total} ms of samples under {STEP}: " + ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in kinds.items()))
    print("Java samples by whose code ran: " + ", ".join(f"{k} {100 * v / kinds['java']:.0f}% "
                                                          f"({100 * v / total:.2f}% of the step)"
                                                          for k, v in owners.most_common()))
    print("\nby what Trainer.step called:")
    for (callee, kind), v in phases.most_common(a.top):
        print(f"  {100 * v / total:5.1f}%  {kind:6s}  {callee}")
    print("\nour Java frames (the first non-JDK frame of a Java sample):")
    for k, v in java_ours.most_common(a.top):
        print(f"  {100 * v / total:5.2f}%  {k}")


if __name__ == "__main__":
    main()
