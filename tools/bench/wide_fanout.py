#!/usr/bin/env python3
"""Writes a model with WIDTH parallel Relu -> Relu branches between a fork and
a Concat (the cut-search stress case of issue 13; 28 branches ~1.4 KB).

Usage: /usr/bin/python3 tools/bench/wide_fanout.py WIDTH OUT.onnx
"""

import sys

from onnx import TensorProto, helper


def main(width, out):
    nodes = [helper.make_node("Relu", ["x"], ["f"], name="fork")]
    joined = []
    for b in range(width):
        nodes.append(helper.make_node("Relu", ["f"], ["a%d" % b], name="ra%d" % b))
        nodes.append(helper.make_node("Relu", ["a%d" % b], ["b%d" % b], name="rb%d" % b))
        joined.append("b%d" % b)
    nodes.append(helper.make_node("Concat", joined, ["y"], name="join", axis=1))
    graph = helper.make_graph(nodes, "wide_fanout", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4 * width])])
    model = helper.make_model(graph, producer_name="dnnpart tools/bench/wide_fanout.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    with open(out, "wb") as f:
        f.write(model.SerializeToString())


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
