#!/usr/bin/python3
"""Writes tests/data/ort/tiny_cnn.onnx: a small CNN with real (seeded random)
weights whose ORT trace is recorded as a test fixture:
  node tools/profile_ort.mjs tests/data/ort/tiny_cnn.onnx --runs 3 --warmup 1 --out tests/data/ort
and tiny_cnn.unfused.trace.json (the trace of the same model with graph
optimisations disabled, for profile import --unfused-trace; recorded on
2026-12-02 with ORT 1.30.0, 1 thread, load average 2.3) with
  node tools/profile_ort.mjs tests/data/ort/tiny_cnn.onnx --opt disabled --runs 3 --warmup 1 --out DIR
keeping DIR/tiny_cnn.trace.json only.
Conv 3x3 + Relu, Conv 1x1, residual Add + Relu, depthwise Conv + Relu,
GlobalAveragePool, Flatten, Gemm: ORT fuses and reorders (NCHWc) most of them.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from onnx_io import write_atomic

rng = np.random.default_rng(0)
def w(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.1).astype(np.float32), name)

C = 16
inits = [w("c1.w", C, C, 3, 3), w("c1.b", C), w("c2.w", C, C, 1, 1), w("c2.b", C),
         w("dw.w", C, 1, 3, 3), w("dw.b", C), w("fc.w", 10, C), w("fc.b", 10)]
nodes = [
    helper.make_node("Conv", ["input", "c1.w", "c1.b"], ["/c1/Conv_output_0"], name="/c1/Conv", pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["/c1/Conv_output_0"], ["/c1/Relu_output_0"], name="/c1/Relu"),
    helper.make_node("Conv", ["/c1/Relu_output_0", "c2.w", "c2.b"], ["/c2/Conv_output_0"], name="/c2/Conv"),
    helper.make_node("Add", ["/c2/Conv_output_0", "input"], ["/add/Add_output_0"], name="/add/Add"),
    helper.make_node("Relu", ["/add/Add_output_0"], ["/add/Relu_output_0"], name="/add/Relu"),
    helper.make_node("Conv", ["/add/Relu_output_0", "dw.w", "dw.b"], ["/dw/Conv_output_0"], name="/dw/Conv",
                     group=C, pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["/dw/Conv_output_0"], ["/dw/Relu_output_0"], name="/dw/Relu"),
    helper.make_node("GlobalAveragePool", ["/dw/Relu_output_0"], ["/pool/GlobalAveragePool_output_0"],
                     name="/pool/GlobalAveragePool"),
    helper.make_node("Flatten", ["/pool/GlobalAveragePool_output_0"], ["/Flatten_output_0"], name="/Flatten"),
    helper.make_node("Gemm", ["/Flatten_output_0", "fc.w", "fc.b"], ["output"], name="/fc/Gemm", transB=1),
]
graph = helper.make_graph(nodes, "tiny_cnn",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, C, 32, 32])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_ort_fixture")
model.ir_version = 8
onnx.checker.check_model(model)
write_atomic("tests/data/ort/tiny_cnn.onnx", model.SerializeToString())
