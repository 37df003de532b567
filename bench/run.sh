#!/usr/bin/env bash
# Side-by-side benchmark, DJL vs PyTorch (see bench/README.md). One command:
#   bench/run.sh [--preset smoke|quick|full] [--reps N] [--threads N] [--only crosscheck,model,ops] [--sizes tiny,mid]
#                [--device cpu|gpu]
# Creates bench/.venv with the CPU torch wheel if missing, compiles the Java side (offline Maven), then runs
# bench/driver.py, which writes build/bench/*.csv and build/bench/index.html.
# BENCH_PYTHON=python3 uses that interpreter (it needs torch; for --device gpu a CUDA build) instead of the
# venv; the DJL side needs the GPU natives for --device gpu (ATTNLAB_GPU=1 ./lab setup).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=bench/.venv
PY="${BENCH_PYTHON:-$VENV/bin/python}"
if [ -z "${BENCH_PYTHON:-}" ] && ! "$VENV/bin/python" -c "import torch, numpy" 2>/dev/null; then
  echo "bench: creating $VENV with torch (CPU wheel from the configured pip index / find-links)"
  python3 -m venv "$VENV"
  PIP_RETRIES="${PIP_RETRIES:-0}" "$VENV/bin/pip" install -q --disable-pip-version-check torch numpy
fi

# --device gpu: build without the bundled CPU natives (the pom's gpu profile, as ATTNLAB_GPU=1 ./lab setup does), so
# DJL loads its CUDA natives (fetched once where DJL_OFFLINE is not true)
gpu=""
prev=""
for a in "$@"; do
  if [ "$a" = "--device=gpu" ] || { [ "$prev" = "--device" ] && [ "$a" = "gpu" ]; }; then gpu="-Dgpu"; fi
  prev="$a"
done
mvn -o -q -B $gpu test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
if [ -z "$gpu" ]; then export DJL_OFFLINE="${DJL_OFFLINE:-true}"; fi
exec "$PY" bench/driver.py \
  --java-cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" "$@"
