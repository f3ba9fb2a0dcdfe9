"""Calls a modelport container from outside, the way another team's Python service would: stubs
generated from proto/ with grpc_tools, nothing from the Java build but the proto files.

  image_probe.py HOST:PORT START_NS MODEL[,MODEL...]

Waits (up to 180 s) for grpc.health.v1 SERVING and prints how long after START_NS (the container
start, in ns since the epoch) it came; checks that ListModels lists exactly MODELs, each READY;
runs one Predict on each and checks the answer's shape. Exit 0 when all holds.
(Debian: python3-grpcio python3-grpc-tools python3-numpy; deploy/image-test.sh installs them.)
"""
import os
import sys
import tempfile
import time

import grpc
import grpc_tools
from grpc_tools import protoc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTOS = os.path.join(ROOT, "proto", "src", "main", "proto")
DEPS = os.path.join(ROOT, "proto", "target", "buf-deps")  # google/rpc/status.proto, from the build
WKT = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
OUT = tempfile.mkdtemp(prefix="modelport-stubs-")
for proto in ["modelport/v1/tensor.proto", "modelport/v1/inference_service.proto",
              "modelport/v1/model_service.proto", "modelport/v1/model_config.proto"]:
    if protoc.main(["protoc", "-I" + PROTOS, "-I" + DEPS, "-I" + WKT, "--python_out=" + OUT,
                    "--grpc_python_out=" + OUT, os.path.join(PROTOS, proto)]) != 0:
        raise SystemExit("protoc failed for " + proto)
if protoc.main(["protoc", "-I" + DEPS, "-I" + WKT, "--python_out=" + OUT,
                os.path.join(DEPS, "google/rpc/status.proto")]) != 0:
    raise SystemExit("protoc failed for google/rpc/status.proto")
sys.path.insert(0, OUT)

from modelport.v1 import inference_service_pb2 as inf  # noqa: E402
from modelport.v1 import inference_service_pb2_grpc as inf_grpc  # noqa: E402
from modelport.v1 import model_service_pb2 as ms  # noqa: E402
from modelport.v1 import model_service_pb2_grpc as ms_grpc  # noqa: E402
from modelport.v1 import tensor_pb2 as t  # noqa: E402

# A Predict per default model: the input, and the output's shape for one row.
REQUESTS = {
    "iris": (t.Tensor(name="features", dtype=t.DATA_TYPE_FLOAT32, shape=[1, 4],
                      float_val=[5.1, 3.5, 1.4, 0.2]), [1, 3]),
    "iris-mlp": (t.Tensor(name="features", dtype=t.DATA_TYPE_FLOAT32, shape=[1, 4],
                          float_val=[6.3, 3.3, 6.0, 2.5]), [1, 3]),
    "all-minilm-l6-v2": (t.Tensor(name="text", dtype=t.DATA_TYPE_STRING, shape=[1],
                                  string_val=["a model behind an API"]), [1, 384]),
}
SERVING = b"\x08\x01"  # grpc.health.v1.HealthCheckResponse{status: SERVING}, encoded


def health_request(service):
    """grpc.health.v1.HealthCheckRequest{service}, encoded (field 1, a string)."""
    name = service.encode()
    return b"\x0a" + bytes([len(name)]) + name if name else b""


def wait_serving(channel, start_ns, service=""):
    check = channel.unary_unary("/grpc.health.v1.Health/Check")  # bytes in, bytes out
    until = time.time() + 180
    last = None
    while time.time() < until:
        try:
            if check(health_request(service), timeout=2) == SERVING:
                return (time.time_ns() - start_ns) / 1e9
        except grpc.RpcError as e:
            last = e.code()
        time.sleep(0.2)  # polling a process outside ours: there is nothing to wait on
    raise SystemExit("not SERVING within 180 s (last: %s)" % last)


def main():
    target, start_ns, models = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
    channel = grpc.insecure_channel(target)
    print("SERVING %.1f s after the container started" % wait_serving(channel, start_ns))
    # the readiness probe's service (deploy/kubernetes/deployment.yaml) is SERVING too
    wait_serving(channel, start_ns, "modelport.v1.InferenceService")
    listed = ms_grpc.ModelServiceStub(channel).ListModels(ms.ListModelsRequest(), timeout=10)
    names = sorted(m.name for m in listed.models)
    if names != sorted(models):
        raise SystemExit("ListModels: %s, expected %s" % (names, sorted(models)))
    for m in listed.models:
        if not m.versions or any(v.state != ms.MODEL_STATE_READY for v in m.versions):
            raise SystemExit("%s: not every version READY: %s" % (m.name, m))
    stub = inf_grpc.InferenceServiceStub(channel)
    for name in models:
        tensor, shape = REQUESTS[name]
        out = stub.Predict(inf.PredictRequest(model_name=name, inputs=[tensor]), timeout=30)
        got = list(out.outputs[0].shape)
        if got != shape:
            raise SystemExit("%s: output shape %s, expected %s" % (name, got, shape))
        print("Predict %s: %s %s (version %s)" % (name, out.outputs[0].name, got,
                                                   out.model_version))


if __name__ == "__main__":
    main()
