"""Black-box tests of modelport's Open Inference Protocol v2 endpoint, from Python, the way another
team's service would call it: stubs generated from the project's proto with grpc_tools, a real
server on a real port (MODELPORT_TARGET, default localhost:8500) serving the default store.

Run: MODELPORT_TARGET=localhost:8500 /usr/bin/python3 -m unittest -v tests/oip/test_oip.py
(Debian: python3-grpcio python3-grpc-tools python3-numpy; .ci/run installs them.)
"""
import os
import struct
import sys
import tempfile
import threading
import unittest

import grpc
import numpy as np
from grpc_tools import protoc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTOS = os.path.join(ROOT, "proto", "src", "main", "proto")
DEPS = os.path.join(ROOT, "proto", "target", "buf-deps")  # google/rpc/status.proto, from the build
OUT = tempfile.mkdtemp(prefix="oip-stubs-")
import grpc_tools  # noqa: E402

WKT = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")  # bundled well-known types
for proto in ["inference/grpc_service.proto", "modelport/v1/tensor.proto",
              "modelport/v1/inference_service.proto"]:
    if protoc.main(["protoc", "-I" + PROTOS, "-I" + DEPS, "-I" + WKT, "--python_out=" + OUT,
                    "--grpc_python_out=" + OUT, os.path.join(PROTOS, proto)]) != 0:
        raise SystemExit("protoc failed for " + proto)
if protoc.main(["protoc", "-I" + DEPS, "-I" + WKT, "--python_out=" + OUT,
                os.path.join(DEPS, "google/rpc/status.proto")]) != 0:
    raise SystemExit("protoc failed for google/rpc/status.proto")
sys.path.insert(0, OUT)

from inference import grpc_service_pb2 as pb  # noqa: E402
from inference import grpc_service_pb2_grpc as pb_grpc  # noqa: E402
from modelport.v1 import inference_service_pb2 as mp  # noqa: E402
from modelport.v1 import inference_service_pb2_grpc as mp_grpc  # noqa: E402
from modelport.v1 import tensor_pb2 as mpt  # noqa: E402

TARGET = os.environ.get("MODELPORT_TARGET", "localhost:8500")
CHANNEL = grpc.insecure_channel(TARGET, options=[("grpc.max_receive_message_length", 64 << 20)])
OIP = pb_grpc.GRPCInferenceServiceStub(CHANNEL)
MP = mp_grpc.InferenceServiceStub(CHANNEL)
IRIS = np.array([[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]], dtype=np.float32)
Input = pb.ModelInferRequest.InferInputTensor
Output = pb.ModelInferRequest.InferRequestedOutputTensor


def raw_bytes(items):
    return b"".join(struct.pack("<I", len(b)) + b for b in items)


def iris_raw(rows=IRIS, **kw):
    return pb.ModelInferRequest(
        model_name="iris", inputs=[Input(name="features", datatype="FP32", shape=list(rows.shape))],
        raw_input_contents=[rows.tobytes()], **kw)


def code_of(call, *args, **kw):
    try:
        call(*args, **kw)
    except grpc.RpcError as e:
        return e.code(), e.details()
    return grpc.StatusCode.OK, ""


class ServerRpcs(unittest.TestCase):
    def test_live_ready_metadata(self):
        self.assertTrue(OIP.ServerLive(pb.ServerLiveRequest()).live)
        self.assertTrue(OIP.ServerReady(pb.ServerReadyRequest()).ready)
        md = OIP.ServerMetadata(pb.ServerMetadataRequest())
        self.assertEqual(md.name, "modelport")
        self.assertIn("statistics", md.extensions)

    def test_model_ready_and_metadata(self):
        self.assertTrue(OIP.ModelReady(pb.ModelReadyRequest(name="iris")).ready)
        self.assertTrue(OIP.ModelReady(pb.ModelReadyRequest(name="iris", version="1")).ready)
        self.assertFalse(OIP.ModelReady(pb.ModelReadyRequest(name="iris", version="99")).ready)
        code, _ = code_of(OIP.ModelReady, pb.ModelReadyRequest(name="no-such-model"))
        self.assertEqual(code, grpc.StatusCode.NOT_FOUND)
        m = OIP.ModelMetadata(pb.ModelMetadataRequest(name="iris"))
        self.assertEqual(m.platform, "onnxruntime_onnx")
        self.assertEqual([(t.name, t.datatype, list(t.shape)) for t in m.inputs],
                         [("features", "FP32", [-1, 4])])
        self.assertEqual(OIP.ModelMetadata(pb.ModelMetadataRequest(name="iris-mlp")).platform,
                         "pytorch_libtorch")
        text = OIP.ModelMetadata(pb.ModelMetadataRequest(name="all-minilm-l6-v2"))
        self.assertEqual(text.inputs[0].datatype, "BYTES")
        code, _ = code_of(OIP.ModelMetadata, pb.ModelMetadataRequest(name="iris", version="99"))
        self.assertEqual(code, grpc.StatusCode.NOT_FOUND)


class Infer(unittest.TestCase):
    def test_raw_in_raw_out_by_default(self):
        r = OIP.ModelInfer(iris_raw(id="req-1"))
        self.assertEqual(r.id, "req-1")
        self.assertEqual(r.model_version, "1")
        self.assertEqual([(o.name, o.datatype, list(o.shape)) for o in r.outputs],
                         [("probabilities", "FP32", [2, 3])])
        p = np.frombuffer(r.raw_output_contents[0], dtype=np.float32).reshape(2, 3)
        self.assertEqual(list(p.argmax(axis=1)), [0, 2])
        np.testing.assert_allclose(p.sum(axis=1), [1, 1], atol=1e-5)

    def test_typed_in_typed_out_when_asked(self):
        req = pb.ModelInferRequest(
            model_name="iris",
            inputs=[Input(name="features", datatype="FP32", shape=[2, 4],
                          contents=pb.InferTensorContents(fp32_contents=IRIS.flatten().tolist()))],
            parameters={"typed_output": pb.InferParameter(bool_param=True)})
        r = OIP.ModelInfer(req)
        self.assertEqual(len(r.raw_output_contents), 0)
        typed = np.array(r.outputs[0].contents.fp32_contents, dtype=np.float32).reshape(2, 3)
        raw = np.frombuffer(OIP.ModelInfer(iris_raw()).raw_output_contents[0],
                            dtype=np.float32).reshape(2, 3)
        np.testing.assert_array_equal(typed, raw)

    def test_bytes_raw_and_typed_give_the_same_embeddings(self):
        texts = [b"A man is eating food.", "Caf\u00e9 cr\u00e8me".encode()]
        raw = OIP.ModelInfer(pb.ModelInferRequest(
            model_name="all-minilm-l6-v2", inputs=[Input(name="text", datatype="BYTES", shape=[2])],
            raw_input_contents=[raw_bytes(texts)]))
        typed = OIP.ModelInfer(pb.ModelInferRequest(
            model_name="all-minilm-l6-v2",
            inputs=[Input(name="text", datatype="BYTES", shape=[2],
                          contents=pb.InferTensorContents(bytes_contents=texts))]))
        a = np.frombuffer(raw.raw_output_contents[0], dtype=np.float32).reshape(2, 384)
        b = np.frombuffer(typed.raw_output_contents[0], dtype=np.float32).reshape(2, 384)
        np.testing.assert_array_equal(a, b)

    def test_minilm_through_both_protocols_agrees(self):
        texts = ["A man is riding a horse.", "Two dogs are playing in the snow."]
        oip = OIP.ModelInfer(pb.ModelInferRequest(
            model_name="all-minilm-l6-v2", inputs=[Input(name="text", datatype="BYTES", shape=[2])],
            raw_input_contents=[raw_bytes([t.encode() for t in texts])]))
        e1 = np.frombuffer(oip.raw_output_contents[0], dtype=np.float32).reshape(2, 384)
        v1 = MP.Predict(mp.PredictRequest(
            model_name="all-minilm-l6-v2",
            inputs=[mpt.Tensor(name="text", dtype=mpt.DATA_TYPE_STRING, shape=[2],
                               string_val=texts)]))
        e2 = np.array(v1.outputs[0].float_val, dtype=np.float32).reshape(2, 384)
        for i in range(2):
            cos = float(e1[i] @ e2[i] / (np.linalg.norm(e1[i]) * np.linalg.norm(e2[i])))
            self.assertGreaterEqual(cos, 0.9999)

    def test_requested_outputs_filter_and_bad_names_are_refused(self):
        r = OIP.ModelInfer(iris_raw(outputs=[Output(name="probabilities")]))
        self.assertEqual([o.name for o in r.outputs], ["probabilities"])
        code, msg = code_of(OIP.ModelInfer, iris_raw(outputs=[Output(name="nope")]))
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("nope", msg)
        code, _ = code_of(OIP.ModelInfer, iris_raw(
            outputs=[Output(name="probabilities"), Output(name="probabilities")]))
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)

    def test_sixteen_threads(self):
        errors, answers = [], []

        def caller(k):
            try:
                for i in range(50):
                    rows = (IRIS + (k * 50 + i) % 3).astype(np.float32)
                    r = OIP.ModelInfer(iris_raw(rows, id=f"{k}-{i}"))
                    assert r.id == f"{k}-{i}"
                    answers.append(r)
            except Exception as e:  # noqa: BLE001 (collected, asserted below)
                errors.append(e)

        threads = [threading.Thread(target=caller, args=(k,)) for k in range(16)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        self.assertEqual(errors, [])
        self.assertEqual(len(answers), 16 * 50)


class Errors(unittest.TestCase):
    def check(self, req, code, *words):
        got, msg = code_of(OIP.ModelInfer, req)
        self.assertEqual(got, code, msg)
        for w in words:
            self.assertIn(w, msg)

    def test_every_error_names_what_is_wrong(self):
        self.check(pb.ModelInferRequest(model_name="no-such-model"), grpc.StatusCode.NOT_FOUND,
                   "no-such-model")
        self.check(iris_raw(IRIS[:, :3].copy()), grpc.StatusCode.INVALID_ARGUMENT, "features",
                   "[2,3]")
        both = iris_raw()
        both.inputs[0].contents.fp32_contents.extend([1.0] * 8)
        self.check(both, grpc.StatusCode.INVALID_ARGUMENT, "features", "both")
        self.check(pb.ModelInferRequest(model_name="iris", inputs=[
            Input(name="features", datatype="FP32", shape=[1, 4])]),
            grpc.StatusCode.INVALID_ARGUMENT, "features", "no data")
        self.check(pb.ModelInferRequest(model_name="iris", inputs=[
            Input(name="features", datatype="UINT16", shape=[1, 4],
                  contents=pb.InferTensorContents(uint_contents=[1, 2, 3, 4]))]),
            grpc.StatusCode.INVALID_ARGUMENT, "UINT16")
        self.check(pb.ModelInferRequest(model_name="iris", inputs=[
            Input(name="features", datatype="FP16", shape=[1, 4],
                  contents=pb.InferTensorContents(fp32_contents=[1, 2, 3, 4]))]),
            grpc.StatusCode.INVALID_ARGUMENT, "raw only")
        self.check(pb.ModelInferRequest(model_name="iris", inputs=[
            Input(name="features", datatype="FP32", shape=[1, 4])],
            raw_input_contents=[b"\x00" * 12]),
            grpc.StatusCode.INVALID_ARGUMENT, "features")
        self.check(pb.ModelInferRequest(
            model_name="all-minilm-l6-v2", inputs=[Input(name="text", datatype="BYTES", shape=[1])],
            raw_input_contents=[struct.pack("<I", 99) + b"short"]),
            grpc.StatusCode.INVALID_ARGUMENT, "text", "99")
        self.check(iris_raw(model_version="99"), grpc.StatusCode.NOT_FOUND, "99")

    def test_corrupt_bytes_are_invalid_argument_never_unknown(self):
        corrupt = CHANNEL.unary_unary("/inference.GRPCInferenceService/ModelInfer",
                                      request_serializer=lambda b: b,
                                      response_deserializer=lambda b: b)
        code, _ = code_of(corrupt, b"\x0a\xff\xff\xff\xff\x0f")
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)

    # Deadlines are not tested from here: a client-side timeout fires in the client whatever the
    # server does. The server's deadline handling is shown by ErrorsIT (Java), through the
    # server's own queue-wait histogram.


class Streaming(unittest.TestCase):
    def test_bad_items_are_answered_in_band_and_the_stream_goes_on(self):
        reqs = [iris_raw(id="ok-1"), iris_raw(IRIS[:, :3].copy(), id="bad-1"),
                pb.ModelInferRequest(model_name="no-such-model", id="bad-2"), iris_raw(id="ok-2")]
        answers = {a.infer_response.id: a for a in OIP.ModelStreamInfer(iter(reqs))}
        self.assertEqual(sorted(answers), ["bad-1", "bad-2", "ok-1", "ok-2"])
        self.assertEqual(answers["ok-1"].error_message, "")
        self.assertEqual(len(answers["ok-2"].infer_response.raw_output_contents), 1)
        self.assertIn("INVALID_ARGUMENT", answers["bad-1"].error_message)
        self.assertIn("NOT_FOUND", answers["bad-2"].error_message)


class Statistics(unittest.TestCase):
    def stats(self):
        s = OIP.ModelStatistics(pb.ModelStatisticsRequest(name="iris-mlp")).model_stats[0]
        return s.inference_count, s.execution_count, s.inference_stats.success.count

    def test_counts_follow_the_requests(self):
        before = self.stats()
        rows = np.array([[5.1, 3.5, 1.4, 0.2]] * 3, dtype=np.float32)
        for _ in range(4):
            OIP.ModelInfer(pb.ModelInferRequest(
                model_name="iris-mlp", inputs=[Input(name="features", datatype="FP32", shape=[3, 4])],
                raw_input_contents=[rows.tobytes()]))
        after = self.stats()
        self.assertEqual(after[0] - before[0], 12)   # rows inferred
        self.assertEqual(after[1] - before[1], 4)    # batches executed (one caller: no merging)
        self.assertEqual(after[2] - before[2], 4)    # successful requests
        s = OIP.ModelStatistics(pb.ModelStatisticsRequest(name="iris-mlp")).model_stats[0]
        self.assertGreater(s.inference_stats.compute_infer.ns, 0)
        self.assertTrue(any(b.batch_size == 3 for b in s.batch_stats))


class Repository(unittest.TestCase):
    def test_index_load_unload(self):
        index = OIP.RepositoryIndex(pb.RepositoryIndexRequest())
        self.assertIn(("iris", "1", "READY"), [(m.name, m.version, m.state) for m in index.models])
        OIP.RepositoryModelLoad(pb.RepositoryModelLoadRequest(model_name="iris"))
        self.assertTrue(OIP.ModelReady(pb.ModelReadyRequest(name="iris")).ready)
        for bad in ["", "../etc", "a/b"]:
            code, _ = code_of(OIP.RepositoryModelLoad, pb.RepositoryModelLoadRequest(model_name=bad))
            self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, bad)
        code, _ = code_of(OIP.RepositoryModelLoad,
                          pb.RepositoryModelLoadRequest(model_name="no-such-model"))
        self.assertEqual(code, grpc.StatusCode.NOT_FOUND)
        code, msg = code_of(OIP.RepositoryModelUnload,
                            pb.RepositoryModelUnloadRequest(model_name="iris"))
        self.assertEqual(code, grpc.StatusCode.UNIMPLEMENTED)
        self.assertIn("store", msg)


if __name__ == "__main__":
    unittest.main()
