#!/usr/bin/python3
"""Write a model whose weights (> 2 GB) live in an external data file.

    /usr/bin/python3 tools/make_large_model.py OUT_DIR [--rows N]

OUT_DIR/large.onnx: input ``idx`` int64 [8] -> Gather ``g1`` (W1 [N, 4]) ->
Relu ``r1`` -> Gather ``g2`` (W2 [N, 4], same idx) -> Add ``add`` -> ``y``
[8, 4]. W1 and W2 are float32 with external data in OUT_DIR/large.data
(default N = 90M rows: 1.44 GB each, 2.88 GB in all). The data file is sparse:
only the first 4096 rows of each matrix are written (pseudo-random, seed 0),
the rest reads as zeros, so writing it takes no time and little disk. For
checking that `dnnpart split` copies external weights range by range
(tools/check_split_large.sh). Needs the onnx module (python3-onnx).
"""

import argparse
import os
import random
import struct

from onnx import TensorProto, helper

ROW_FLOATS = 4
WRITTEN_ROWS = 4096


def external(name, rows, offset):
    tensor = TensorProto()
    tensor.name = name
    tensor.data_type = TensorProto.FLOAT
    tensor.dims.extend([rows, ROW_FLOATS])
    tensor.data_location = TensorProto.EXTERNAL
    length = rows * ROW_FLOATS * 4
    for key, value in (("location", "large.data"), ("offset", str(offset)), ("length", str(length))):
        entry = tensor.external_data.add()
        entry.key = key
        entry.value = value
    return tensor, length


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--rows", type=int, default=90_000_000)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    w1, length = external("W1", args.rows, 0)
    w2, _ = external("W2", args.rows, length)
    rng = random.Random(0)
    with open(os.path.join(args.out_dir, "large.data"), "wb") as data:
        for offset in (0, length):
            data.seek(offset)
            values = [rng.uniform(-1, 1) for _ in range(WRITTEN_ROWS * ROW_FLOATS)]
            data.write(struct.pack("<%df" % len(values), *values))
        data.truncate(2 * length)
    nodes = [
        helper.make_node("Gather", ["W1", "idx"], ["a"], name="g1"),
        helper.make_node("Relu", ["a"], ["b"], name="r1"),
        helper.make_node("Gather", ["W2", "idx"], ["c"], name="g2"),
        helper.make_node("Add", ["b", "c"], ["y"], name="add"),
    ]
    graph = helper.make_graph(
        nodes, "large",
        [helper.make_tensor_value_info("idx", TensorProto.INT64, [8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [8, ROW_FLOATS])],
        initializer=[w1, w2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_large_model")
    model.ir_version = 7
    with open(os.path.join(args.out_dir, "large.onnx"), "wb") as out:
        out.write(model.SerializeToString())


if __name__ == "__main__":
    main()
