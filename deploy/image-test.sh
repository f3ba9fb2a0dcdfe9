#!/usr/bin/env bash
# Builds the shipped Dockerfile with podman and runs the image the way Kubernetes runs it, from
# outside: non-root, read-only root filesystem with a tmpfs on /tmp, ports published; gRPC health
# SERVING, a Predict on every default model through the published port (Python stubs generated
# from proto/), SIGTERM answered by exit 0 within the drain time; then again with a store mounted
# read-only. Prints the image's size, the time to SERVING and the RSS (docs/operations.md).
#
# No registry is reachable here, so the bases are made from Debian packages (debootstrap, then
# podman import) and handed to the Dockerfile as build arguments; its defaults stay the public
# images. The bases are made once per machine run and reused (a later call finds them).
#
# Run as root: deploy/image-test.sh      (installs podman, runc, debootstrap if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=localhost/modelport:test
JRE_BASE=localhost/modelport-base-jre:bookworm
BUILD_BASE=localhost/modelport-base-build:bookworm
WORK=${IMAGE_TEST_WORK:-target/image-test}
mkdir -p "$WORK"
log() { printf '[image-test %s] %s\n' "$(date +%T)" "$*"; }

# --- tools ---------------------------------------------------------------------------------------
if ! command -v podman > /dev/null || ! command -v runc > /dev/null || ! command -v debootstrap > /dev/null; then
  log "installing podman, runc, debootstrap"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap > /dev/null
fi
# crun refuses this kernel's cgroup set-up; podman's default ulimits cannot be set here.
conf=/etc/containers/containers.conf
if [ ! -e "$conf" ]; then
  mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' > "$conf"
elif ! grep -q 'default_ulimits = \[\]' "$conf" || ! grep -q 'runtime = "runc"' "$conf"; then
  echo "$conf: needs default_ulimits = [] under [containers] and runtime = \"runc\" under [engine]" >&2
  exit 1
fi

# --- bases from Debian packages --------------------------------------------------------------------
if ! podman image exists "$JRE_BASE"; then
  log "making $JRE_BASE (debootstrap minbase bookworm + openjdk-17-jre-headless)"
  root=$(mktemp -d /tmp/modelport-rootfs.XXXXXX)
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian > "$WORK/debootstrap.log"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*  # debootstrap's downloads
  tar -C "$root" -c . | podman import - localhost/modelport-minbase:bookworm > /dev/null
  rm -rf "$root"
  podman build -q -t "$JRE_BASE" -f - "$WORK" > /dev/null << 'EOF'
FROM localhost/modelport-minbase:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless > /dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
EOF
fi
if ! podman image exists "$BUILD_BASE"; then
  log "making $BUILD_BASE (+ openjdk-17-jdk-headless, maven)"
  podman build -q -t "$BUILD_BASE" -f - "$WORK" > /dev/null << EOF
FROM $JRE_BASE
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven > /dev/null \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
EOF
fi

# --- the image -----------------------------------------------------------------------------------
# The build stage's Maven repository is this machine's (a bind mount at build time only), so the
# build inside takes what the host build already downloaded instead of fetching it again.
log "building $IMAGE from the Dockerfile"
t0=$SECONDS
podman build -q -t "$IMAGE" \
  --build-arg BUILD_BASE="$BUILD_BASE" --build-arg RUNTIME_BASE="$JRE_BASE" \
  --skip-unused-stages=true --volume "$HOME/.m2:/root/.m2" . > /dev/null
log "built in $((SECONDS - t0)) s; size $(podman image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1 / 1e6}')"

# --- the probe (Python stubs from proto/, like tests/oip) -----------------------------------------
if ! /usr/bin/python3 -c 'import grpc, grpc_tools, numpy' 2> /dev/null; then
  apt-get update -qq && apt-get install -y -qq python3-grpcio python3-grpc-tools python3-numpy > /dev/null
fi

# run NAME MODELS [PODMAN_ARGS...]: starts the container, waits for SERVING, calls each of the
# comma-separated MODELS, checks user and filesystem, then stops it with SIGTERM.
run() {
  local name=$1 models=$2; shift 2
  podman rm -f "$name" > /dev/null 2>&1 || true
  local start_ns
  start_ns=$(date +%s%N)
  podman run -d --name "$name" --read-only --tmpfs /tmp:rw,size=64m \
    -p 127.0.0.1::8500 -p 127.0.0.1::9500 "$@" "$IMAGE" > /dev/null
  local grpc_port metrics_port
  grpc_port=$(podman port "$name" 8500/tcp | sed 's/.*://')
  metrics_port=$(podman port "$name" 9500/tcp | sed 's/.*://')
  log "$name: gRPC on 127.0.0.1:$grpc_port, metrics on $metrics_port"
  /usr/bin/python3 deploy/image_probe.py "127.0.0.1:$grpc_port" "$start_ns" "$models" || {
    podman logs "$name" | tail -40; return 1; }
  local metrics
  metrics=$(curl -fsS "http://127.0.0.1:$metrics_port/metrics")
  grep -q '^modelport_' <<< "$metrics" || {
    echo "no modelport_ metrics on the published metrics port" >&2; return 1; }
  # non-root, read-only root filesystem
  local uid
  uid=$(podman exec "$name" sh -c 'id -u')
  [ "$uid" = 10001 ] || { echo "$name runs as uid $uid, expected 10001" >&2; return 1; }
  # even root inside cannot write the root filesystem; /tmp is the tmpfs
  if podman exec --user 0 "$name" sh -c 'touch /opt/modelport/written' 2> /dev/null; then
    echo "$name: the root filesystem is writable" >&2; return 1
  fi
  podman exec "$name" sh -c 'touch /tmp/written' || { echo "$name: /tmp is not writable" >&2; return 1; }
  local pid rss
  pid=$(podman inspect "$name" --format '{{.State.Pid}}')
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  log "$name: RSS $((rss / 1024)) MiB after the probe (uid $uid, read-only root)"
  # SIGTERM: drain, then exit 0 within the drain time (30 s by default)
  local t_stop=$SECONDS
  podman kill --signal TERM "$name" > /dev/null
  local rc
  rc=$(timeout 40 podman wait "$name")
  log "$name: exit $rc $((SECONDS - t_stop)) s after SIGTERM"
  podman logs "$name" > "$WORK/$name.log" 2>&1
  podman rm "$name" > /dev/null
  [ "$rc" = 0 ] || { echo "$name exited $rc after SIGTERM" >&2; tail -20 "$WORK/$name.log" >&2; return 1; }
  [ $((SECONDS - t_stop)) -le 30 ] || { echo "$name took longer than the drain time" >&2; return 1; }
}

log "run 1: the default store in the image"
run modelport-image-default iris,iris-mlp,all-minilm-l6-v2

log "run 2: a store mounted read-only at /models"
store=$(mktemp -d /tmp/modelport-store.XXXXXX)
cp -r model-store/models/iris "$store/"
chmod -R a+rX "$store"
run modelport-image-mounted iris -v "$store:/models:ro" -e MODELPORT_MODEL_STORE=/models
rm -rf "$store"
log "image test: green"
