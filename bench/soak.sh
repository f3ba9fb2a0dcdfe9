#!/usr/bin/env bash
# Soak: MINUTES (default 30) at about 70 % of measured capacity, recording once a minute the
# server's RSS, heap, native memory (NMT) and latency percentiles; then a CSV and a plot in docs/.
# Not part of CI. Usage: bench/soak.sh [MINUTES]   (after `mvn -B package -DskipTests`; the plot
# needs Debian's python3-matplotlib)
# Load: MiniLM (ONNX Runtime + tokenizer) at 250 texts/s
# and iris-mlp (PyTorch) at 500 req/s, paced with --rate: about 70 % of what the two reach together
# on 2 cores with their load generators beside them (measured: 230/s + 443/s flat out).
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-30}
OUT=docs/soak
mkdir -p "$OUT"
CSV="$OUT/soak.csv"
CLI="java -jar cli/target/modelport-cli.jar"

JAVA_TOOL_OPTIONS="-XX:NativeMemoryTracking=summary" \
  java -jar server/target/modelport-server.jar --port 8500 --metrics-port 9500 > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
until grep -q "SERVING after" "$OUT/server.log"; do sleep 0.2; done

echo "minute,rss_mib,heap_used_mib,nmt_committed_mib,minilm_rps,minilm_p50_ms,minilm_p99_ms,mlp_rps,mlp_p50_ms,mlp_p99_ms,errors" > "$CSV"
field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))[0]; print(r[sys.argv[2]] if sys.argv[2]!='errors' else sum(r['errors'].values()))" "$1" "$2"; }
for m in $(seq 1 "$MINUTES"); do
  $CLI perf --model all-minilm-l6-v2 --concurrency 16 --rate 250 --warmup 0 --duration 60 --json /tmp/soak-lm.json > /dev/null 2>&1 &
  A=$!
  $CLI perf --model iris-mlp --concurrency 4 --rate 500 --warmup 0 --duration 60 --json /tmp/soak-mlp.json > /dev/null 2>&1 &
  B=$!
  wait $A $B
  rss=$(( $(ps -o rss= -p $SERVER) / 1024 ))
  heap=$(curl -s localhost:9500/metrics | awk 'index($0, "jvm_memory_used_bytes{area=\"heap\"") == 1 {s += $NF} END {printf "%d", s / 1048576}')
  nmt=$(jcmd $SERVER VM.native_memory summary scale=MB 2>/dev/null | awk -F'committed=' '/^Total/ {split($2,a,"MB"); print a[1]}')
  errs=$(( $(field /tmp/soak-lm.json errors) + $(field /tmp/soak-mlp.json errors) ))
  line="$m,$rss,$heap,$nmt,$(field /tmp/soak-lm.json requests_per_second),$(field /tmp/soak-lm.json p50_ms),$(field /tmp/soak-lm.json p99_ms),$(field /tmp/soak-mlp.json requests_per_second),$(field /tmp/soak-mlp.json p50_ms),$(field /tmp/soak-mlp.json p99_ms),$errs"
  echo "$line" | tee -a "$CSV"
done
jcmd $SERVER VM.native_memory summary scale=MB > "$OUT/nmt-final.txt" 2>&1 || true
curl -s localhost:9500/metrics | grep -E '^modelport_(requests_total|batch_size_rows_(sum|count))' > "$OUT/metrics-final.txt" || true
/usr/bin/python3 bench/plot_soak.py "$CSV" "$OUT/soak.png"
echo "wrote $CSV and $OUT/soak.png"
