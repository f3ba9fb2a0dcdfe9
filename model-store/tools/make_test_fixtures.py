#!/usr/bin/python3
"""Builds small ONNX fixtures for the tests (committed; CI never runs Python).

    /usr/bin/python3 model-store/tools/make_test_fixtures.py

server/src/test/resources/fixtures/identity/1/model.onnx: one Identity per contract dtype, so a
test can send every dtype through a real engine and get it back unchanged. Inputs "in_<type>",
outputs "out_<type>", each [batch, 2].
"""
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "server", "src", "test", "resources", "fixtures", "identity", "1")

TYPES = {
    "bool": TensorProto.BOOL,
    "uint8": TensorProto.UINT8,
    "int8": TensorProto.INT8,
    "int32": TensorProto.INT32,
    "int64": TensorProto.INT64,
    "float16": TensorProto.FLOAT16,
    "float32": TensorProto.FLOAT,
    "float64": TensorProto.DOUBLE,
    "string": TensorProto.STRING,
}


def main():
    inputs, outputs, nodes = [], [], []
    for name, t in TYPES.items():
        inputs.append(helper.make_tensor_value_info(f"in_{name}", t, ["batch", 2]))
        outputs.append(helper.make_tensor_value_info(f"out_{name}", t, ["batch", 2]))
        nodes.append(helper.make_node("Identity", [f"in_{name}"], [f"out_{name}"]))
    graph = helper.make_graph(nodes, "identity_all_types", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(OUT, exist_ok=True)
    onnx.save(model, os.path.join(OUT, "model.onnx"))


if __name__ == "__main__":
    main()
