#!/usr/bin/env bash
# What tracing costs: iris unary at 64 callers against three servers, alternated round by round
# so that drift on the shared cores falls on all three alike; throughput, p99 and the server's
# CPU time per request (from /proc over the measured window, after an 8 s JIT warm-up):
#   base  a server jar built without tracing (BASE_JAR; e.g. from the commit before it landed)
#   off   this build, tracing off (the default)
#   on    this build, tracing on, 1 % of calls sampled, spans sent over OTLP/gRPC to a sink
# Usage: BASE_JAR=/path/modelport-server.jar bench/tracing.sh OUT_DIR [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?out dir}; ROUNDS=${2:-4}
mkdir -p "$OUT"
BASE_JAR=${BASE_JAR:?BASE_JAR: a server jar without tracing}
HEAD_JAR=server/target/modelport-server.jar
CLI="java -jar cli/target/modelport-cli.jar"
STORE=$(mktemp -d)
cp -r model-store/models/iris "$STORE/iris"
for port in 8500 9500 4317; do
  if ss -ltn | grep -q ":$port "; then echo "port $port is in use" >&2; exit 1; fi
done
/usr/bin/python3 bench/otlp_sink.py 4317 > "$OUT/sink.log" 2>&1 &
sink=$!
trap 'kill $sink 2>/dev/null || true; rm -rf "$STORE"' EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, in clock ticks

run() { # name jar extra-args...
  local name=$1 jar=$2; shift 2
  local log="$OUT/server-$name-$round.log"
  java -jar "$jar" --port 8500 --metrics-port 9500 --model-store "$STORE" "$@" > "$log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do grep -q "SERVING after" "$log" && break; sleep 0.1; done
  $CLI perf --model iris --concurrency 64 --warmup 0 --duration 8 > /dev/null 2>&1   # JIT warm-up
  local before; before=$(cpu_ticks $pid)
  $CLI perf --model iris --concurrency 64 --warmup 0 --duration 15 --json "$OUT/$name-$round.json" > /dev/null 2>&1
  echo $(( $(cpu_ticks $pid) - before )) > "$OUT/$name-$round.cpu"   # server CPU over the window
  kill -TERM $pid; wait $pid || true
}

# Heap allocated per request, each server once (GC log; -Xmn16m and 20 s: 70+ young collections):
# unlike the rate, this hardly moves with the machine's noise.
alloc() { # name jar extra-args...
  local name=$1 jar=$2; shift 2
  local log="$OUT/server-alloc-$name.log" gc="$OUT/alloc-$name-gc.log"
  java -Xmn16m -Xlog:gc:file="$gc" -jar "$jar" --port 8500 --metrics-port 9500 --model-store "$STORE" "$@" > "$log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do grep -q "SERVING after" "$log" && break; sleep 0.1; done
  served() { curl -s localhost:9500/metrics | awk '/^modelport_requests_total/ && /model="iris"/ {s += $2} END {printf "%d", s}'; }
  pauses() { grep -c 'Pause Young' "$gc"; }
  $CLI perf --model iris --concurrency 64 --warmup 0 --duration 8 > /dev/null 2>&1   # JIT warm-up
  local a ga b gb; a=$(served); ga=$(pauses)
  $CLI perf --model iris --concurrency 64 --warmup 0 --duration 20 > /dev/null 2>&1
  b=$(served); gb=$(pauses)
  /usr/bin/python3 bench/gc_alloc.py "$gc" $((b - a)) $((ga - 1)) $((gb - 1)) | sed "s/^/$name: /" | tee -a "$OUT/alloc.txt"
  kill -TERM $pid; wait $pid || true
}
: > "$OUT/alloc.txt"
alloc base "$BASE_JAR"
alloc off "$HEAD_JAR"
alloc on "$HEAD_JAR" --trace-exporter otlp --trace-endpoint http://localhost:4317 --trace-sample-ratio 0.01

for round in $(seq "$ROUNDS"); do
  run base "$BASE_JAR"
  run off "$HEAD_JAR"
  run on "$HEAD_JAR" --trace-exporter otlp --trace-endpoint http://localhost:4317 --trace-sample-ratio 0.01
done
kill -TERM $sink; wait $sink || true

[ "$ROUNDS" -gt 0 ] && /usr/bin/python3 - "$OUT" "$ROUNDS" <<'PY' | tee "$OUT/summary.txt"
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rate = {n: [json.load(open(f"{out}/{n}-{r}.json"))[0]["requests_per_second"] for r in range(1, rounds + 1)]
        for n in ("base", "off", "on")}
p99 = {n: [json.load(open(f"{out}/{n}-{r}.json"))[0]["p99_ms"] for r in range(1, rounds + 1)]
       for n in ("base", "off", "on")}
for n in rate:
    print(f"{n:5} req/s {' '.join(f'{x:8.0f}' for x in rate[n])}   median {statistics.median(rate[n]):8.0f}"
          f"   p99 median {statistics.median(p99[n]):.2f} ms")
# per round, against the base run just before it
for n in ("off", "on"):
    ratios = [rate[n][i] / rate["base"][i] for i in range(rounds)]
    print(f"{n} / base per round: {' '.join(f'{x:.3f}' for x in ratios)}   median {statistics.median(ratios):.3f}")
# server CPU per request: the cost itself, far less sensitive to the load generator sharing the
# cores than the rate is
import os
tick = os.sysconf("SC_CLK_TCK")
cpu = {n: [int(open(f"{out}/{n}-{r}.cpu").read()) / tick * 1e6
           / json.load(open(f"{out}/{n}-{r}.json"))[0]["requests"] for r in range(1, rounds + 1)]
       for n in ("base", "off", "on")}
for n in cpu:
    print(f"{n:5} server CPU us/request {' '.join(f'{x:6.1f}' for x in cpu[n])}   median {statistics.median(cpu[n]):6.1f}")
for n in ("off", "on"):
    print(f"{n} CPU/request vs base: {statistics.median(cpu[n]) / statistics.median(cpu['base']):.3f}")
PY
grep -h "received" "$OUT/sink.log" || true
