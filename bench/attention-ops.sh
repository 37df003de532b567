#!/usr/bin/env bash
# Times softmax / path / pathChunked (forward+backward and forward only); see bench/README.md.
# Usage: bench/attention-ops.sh [--lengths 256,512,1024,2048] [--heads 2] [--reps 5] [--threads 1] ...
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -o -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
export DJL_OFFLINE="${DJL_OFFLINE:-true}"
exec java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  org.attnlab.bench.AttentionOpsBench "$@"
