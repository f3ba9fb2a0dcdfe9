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
INPROC="java -jar perf-inprocess/target/modelport-perf.jar"   # the CLI plus the engines
WARM=${WARM:-5}
DUR=${DUR:-10}

for port in 8500 9500 8600; do
  if ss -ltn | grep -q ":$port "; then echo "port $port is in use: stop what listens there first" >&2; exit 1; fi
done

echo "== machine"; (nproc; grep -m1 'model name' /proc/cpuinfo; java -version 2>&1 | head -1) | tee "$OUT/machine.txt"

echo "== startup to SERVING (3 runs) and RSS"
: > "$OUT/startup.txt"
for i in 1 2 3; do
  start=$(date +%s%N)
  # models loaded, without the start-up warm-up (default 3 s more; see the warm-up section)
  java -jar $SERVER --port 8500 --metrics-port 9500 --warmup-seconds 0 > "$OUT/server-start-$i.log" 2>&1 &
  pid=$!
  until grep -q "SERVING after" "$OUT/server-start-$i.log"; do sleep 0.02; done
  end=$(date +%s%N)
  echo "run $i: $(( (end - start) / 1000000 )) ms launch-to-SERVING, RSS $(( $(ps -o rss= -p $pid) / 1024 )) MiB" | tee -a "$OUT/startup.txt"
  if [ $i -lt 3 ]; then kill -TERM $pid; wait $pid || true; fi
done

echo "== iris: server unary c=1,64 with the echo floor"
$CLI perf --model iris --concurrency 1,64 --warmup $WARM --duration $DUR --echo --json "$OUT/iris-unary.json"
echo "== iris: in-process batch 1 (the engine's ceiling)"
$INPROC perf --model iris --in-process --rows 1 --concurrency 1 --warmup $WARM --duration $DUR --json "$OUT/iris-inprocess.json"
echo "== iris: 100k rows one at a time (unary c=1) vs one stream (window 256)"
$CLI perf --model iris --concurrency 1 --warmup $WARM --requests 100000 --json "$OUT/iris-100k-unary.json"
$CLI perf --model iris --mode stream --concurrency 256 --warmup $WARM --requests 100000 --json "$OUT/iris-100k-stream.json"
echo "== MiniLM: 32 concurrent single-text callers, unary and one stream"
$CLI perf --model all-minilm-l6-v2 --concurrency 32 --warmup $WARM --duration $DUR --json "$OUT/minilm-unary.json"
$CLI perf --model all-minilm-l6-v2 --mode stream --concurrency 32 --warmup $WARM --duration $DUR --json "$OUT/minilm-stream.json"
echo "== iris-mlp (TorchScript) at 32 callers: server vs the same model.pt under Flask + gunicorn"
# The "wrap it in Flask" deployment: 2 sync workers, torch limited to 1 thread each (Debian packages).
if ! python3 -c 'import flask, torch' 2>/dev/null || ! command -v gunicorn > /dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq --no-install-recommends python3-flask python3-torch gunicorn > /dev/null
  else
    echo "needs: apt-get install python3-flask python3-torch gunicorn" >&2; exit 1
  fi
fi
MODEL_PT="$PWD/model-store/models/iris-mlp/1/model.pt" gunicorn -w 2 -b 127.0.0.1:8600 \
  --chdir bench/python flask_predict:app > "$OUT/gunicorn.log" 2>&1 &
gpid=$!
until curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"inputs":[[1,2,3,4]]}' \
  localhost:8600/predict; do sleep 0.2; done
$CLI perf --model iris-mlp --concurrency 32 --warmup $WARM --duration $DUR \
  --http http://127.0.0.1:8600/predict --json "$OUT/iris-mlp-vs-flask.json"
kill $gpid; wait $gpid || true
curl -s localhost:9500/metrics | grep -E '^modelport_(batch_size_rows|compute_seconds)_(sum|count)' > "$OUT/server-metrics.txt"
echo "RSS after load: $(( $(ps -o rss= -p $pid) / 1024 )) MiB" | tee -a "$OUT/startup.txt"
kill -TERM $pid; wait $pid || true
echo "== MiniLM: in-process batch 32 (the engine's ceiling)"
$INPROC perf --model all-minilm-l6-v2 --in-process --rows 32 --concurrency 1 --warmup $WARM --duration $DUR --json "$OUT/minilm-inprocess.json"
echo "== heap allocated per iris request at 64 callers (GC log; -Xmn32m for frequent young collections)"
java -Xmn32m -Xlog:gc:file="$OUT/alloc-gc.log" -jar $SERVER --port 8500 --metrics-port 9500 > "$OUT/server-alloc.log" 2>&1 &
pid=$!
until grep -q "SERVING after" "$OUT/server-alloc.log"; do sleep 0.1; done
served() { curl -s localhost:9500/metrics | awk '/^modelport_requests_total/ && /model="iris"/ {s += $2} END {printf "%d", s}'; }
pauses() { grep -c 'Pause Young' "$OUT/alloc-gc.log"; }
$CLI perf --model iris --concurrency 64 --warmup 2 --duration 8 > /dev/null   # JIT warm-up, not counted
a=$(served); ga=$(pauses)
$CLI perf --model iris --concurrency 64 --warmup 0 --duration $DUR > /dev/null
b=$(served); gb=$(pauses)
python3 bench/gc_alloc.py "$OUT/alloc-gc.log" $((b - a)) $((ga - 1)) $((gb - 1)) | sed 's/^/server: /' | tee "$OUT/alloc.txt"
# The echo floor (grpc-java alone, same messages): 300k requests, whole run, its JIT warm-up included.
java -Dmodelport.perf.echoJvmArgs="-Xmn32m -Xlog:gc:file=$OUT/alloc-echo-gc.log" -jar cli/target/modelport-cli.jar \
  perf --model iris --concurrency 64 --warmup 0 --requests 300000 --echo > /dev/null 2>&1
python3 bench/gc_alloc.py "$OUT/alloc-echo-gc.log" 300000 | sed 's/^/echo floor: /' | tee -a "$OUT/alloc.txt"
kill -TERM $pid; wait $pid || true
echo "== warm-up: iris-mlp at 32 callers, five 3 s windows from SERVING, --warmup-seconds 0 vs 3 (the default), alternating"
# Each sweep is a fresh (cold) client JVM; the server's own cost is its CPU per request, read from
# /proc at SERVING, 3 s into the sweep, and at its end (15 s), over the requests its metrics counted.
: > "$OUT/warmup.txt"
for round in 1 2; do
  for W in 0 3; do
    log="$OUT/server-warmup-$W-$round.log"
    java -jar $SERVER --port 8500 --metrics-port 9500 --warmup-seconds $W > "$log" 2>&1 &
    pid=$!
    until grep -q "SERVING after" "$log"; do sleep 0.05; done
    cpu() { awk '{print $14 + $15}' /proc/$pid/stat; }   # clock ticks (10 ms)
    mlp() { curl -s localhost:9500/metrics | awk '/^modelport_requests_total/ && /model="iris-mlp"/ {s += $2} END {printf "%d", s}'; }
    c0=$(cpu)
    ( sleep 3; echo "$(cpu) $(mlp)" > "$OUT/warmup-3s.tmp" ) &
    $CLI perf --model iris-mlp --concurrency 32,32,32,32,32 --warmup 0 --duration 3 --json "$OUT/warmup-$W-$round.json" > "$OUT/warmup-$W-$round.txt"
    wait $!
    read c3 r3 < "$OUT/warmup-3s.tmp"
    c15=$(cpu); r15=$(mlp)
    echo "warmup-seconds $W round $round: $(grep -o 'SERVING after [0-9]* ms' "$log"); windows req/s: $(awk '/^server/ {printf "%s ", $6}' "$OUT/warmup-$W-$round.txt"); server CPU per request: first 3 s $(( (c3 - c0) * 10000 / (r3 > 0 ? r3 : 1) )) us, first 15 s $(( (c15 - c0) * 10000 / r15 )) us" | tee -a "$OUT/warmup.txt"
    kill -TERM $pid; wait $pid || true
  done
done
rm -f "$OUT/warmup-3s.tmp"
echo "done: $OUT"
