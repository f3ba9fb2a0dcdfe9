#!/usr/bin/env bash
# Runs every comparison in BENCHMARKS.md on this machine, server and baselines in one go.
# Usage: bench/run.sh [OUT_DIR]   (after `mvn -B package -DskipTests`)
# Nothing else should run meanwhile: client, server and baselines share the machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/results}
mkdir -p "$OUT"
SERVER=server/target/modelport-server.jar
CLI="java -jar cli/target/modelport-cli.jar"
WARM=${WARM:-5}
DUR=${DUR:-10}

echo "== machine"; (nproc; grep -m1 'model name' /proc/cpuinfo; java -version 2>&1 | head -1) | tee "$OUT/machine.txt"

echo "== startup to SERVING (3 runs) and RSS"
: > "$OUT/startup.txt"
for i in 1 2 3; do
  start=$(date +%s%N)
  java -jar $SERVER --port 8500 --metrics-port 9500 > "$OUT/server-start-$i.log" 2>&1 &
  pid=$!
  until grep -q "SERVING after" "$OUT/server-start-$i.log"; do sleep 0.02; done
  end=$(date +%s%N)
  echo "run $i: $(( (end - start) / 1000000 )) ms launch-to-SERVING, RSS $(( $(ps -o rss= -p $pid) / 1024 )) MiB" | tee -a "$OUT/startup.txt"
  if [ $i -lt 3 ]; then kill -TERM $pid; wait $pid || true; fi
done

echo "== iris: server unary c=1,64 with the echo floor"
$CLI perf --model iris --concurrency 1,64 --warmup $WARM --duration $DUR --echo --json "$OUT/iris-unary.json"
echo "== iris: in-process batch 1 (the engine's ceiling)"
$CLI perf --model iris --in-process --rows 1 --concurrency 1 --warmup $WARM --duration $DUR --json "$OUT/iris-inprocess.json"
echo "== iris: 100k rows one at a time (unary c=1) vs one stream (window 256)"
$CLI perf --model iris --concurrency 1 --warmup $WARM --requests 100000 --json "$OUT/iris-100k-unary.json"
$CLI perf --model iris --mode stream --concurrency 256 --warmup $WARM --requests 100000 --json "$OUT/iris-100k-stream.json"
echo "== MiniLM: 32 concurrent single-text callers, unary and one stream"
$CLI perf --model all-minilm-l6-v2 --concurrency 32 --warmup $WARM --duration $DUR --json "$OUT/minilm-unary.json"
$CLI perf --model all-minilm-l6-v2 --mode stream --concurrency 32 --warmup $WARM --duration $DUR --json "$OUT/minilm-stream.json"
curl -s localhost:9500/metrics | grep -E '^modelport_(batch_size_rows|compute_seconds)_(sum|count)' > "$OUT/server-metrics.txt"
echo "RSS after load: $(( $(ps -o rss= -p $pid) / 1024 )) MiB" | tee -a "$OUT/startup.txt"
kill -TERM $pid; wait $pid || true
echo "== MiniLM: in-process batch 32 (the engine's ceiling)"
$CLI perf --model all-minilm-l6-v2 --in-process --rows 32 --concurrency 1 --warmup $WARM --duration $DUR --json "$OUT/minilm-inprocess.json"
echo "done: $OUT"
