#!/usr/bin/python3
"""Write the small hand-made ONNX test fixtures into tests/data/.

Deterministic: the same bytes are written on every run.  Weights come from
numpy's legacy RandomState (a stream numpy keeps stable), random bytes from a
SHA-256 counter stream.

The opset-18 fixtures are derived from models/resnet18.onnx, which
tools/export_models.py writes; run that first (or pass --models DIR).

Must run with Debian's python (python3-onnx):
    /usr/bin/python3 tools/make_fixtures.py
"""

import argparse
import hashlib
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from onnx_io import write_atomic

OPSET = 13
IR_VERSION = 7  # the IR version torch 1.13 writes for opset 13
PRODUCER = "dnnpart tools/make_fixtures.py"
FLOAT = TensorProto.FLOAT


def make_model(graph, opset=OPSET):
    model = helper.make_model(
        graph,
        producer_name=PRODUCER,
        opset_imports=[helper.make_opsetid("", opset)],
    )
    model.ir_version = IR_VERSION
    return model


def weights(seed, shape):
    rng = np.random.RandomState(seed)
    return (rng.standard_normal(shape) * 0.1).astype(np.float32)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name=name)


def vinfo(name, shape, elem=FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


# --------------------------------------------------------------------------
# fixtures


def cyclic():
    """A -> B -> C -> B: a cycle through the Add's second input."""
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="A"),
        helper.make_node("Add", ["a", "c"], ["b"], name="B"),
        helper.make_node("Relu", ["b"], ["c"], name="C"),
    ]
    graph = helper.make_graph(nodes, "cyclic", [vinfo("x", [1, 4])],
                              [vinfo("b", [1, 4])])
    return make_model(graph)


def dangling_input():
    """Node 'add' consumes 'ghost', which nothing defines."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu"),
        helper.make_node("Add", ["r", "ghost"], ["y"], name="add"),
    ]
    graph = helper.make_graph(nodes, "dangling_input", [vinfo("x", [1, 4])],
                              [vinfo("y", [1, 4])])
    return make_model(graph)


def symbolic_dims():
    """Batch dimension 'N' is symbolic: the user must bind it."""
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"],
                         ["conv_out"], name="conv", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["conv_out"], ["output"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes, "symbolic_dims",
        [vinfo("input", ["N", 3, 8, 8])],
        [vinfo("output", ["N", 4, 8, 8])],
        initializer=[init("conv.weight", weights(1, (4, 3, 3, 3))),
                     init("conv.bias", weights(2, (4,)))],
    )
    return make_model(graph)


def external_conv(name, location):
    """Small Conv whose weight claims to live in an external file."""
    w = init("conv.weight", weights(3, (4, 3, 3, 3)))
    length = len(w.raw_data)
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"),
                       ("length", str(length))):
        entry = w.external_data.add()
        entry.key = key
        entry.value = value
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["conv_out"],
                         name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv_out"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes, name, [vinfo("x", [1, 3, 8, 8])], [vinfo("y", [1, 4, 8, 8])],
        initializer=[w, init("conv.bias", weights(4, (4,)))],
    )
    return make_model(graph)


def tiny_residual():
    """x -> c1 -> r1 -> c2 -> add(+x) -> r2 -> y, real weights inline."""
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    nodes = [
        helper.make_node("Conv", ["x", "c1.weight", "c1.bias"], ["c1_out"],
                         name="c1", **conv),
        helper.make_node("Relu", ["c1_out"], ["r1_out"], name="r1"),
        helper.make_node("Conv", ["r1_out", "c2.weight", "c2.bias"], ["c2_out"],
                         name="c2", **conv),
        helper.make_node("Add", ["c2_out", "x"], ["add_out"], name="add"),
        helper.make_node("Relu", ["add_out"], ["y"], name="r2"),
    ]
    graph = helper.make_graph(
        nodes, "tiny_residual",
        [vinfo("x", [1, 8, 16, 16])], [vinfo("y", [1, 8, 16, 16])],
        initializer=[init("c1.weight", weights(10, (8, 8, 3, 3))),
                     init("c1.bias", weights(11, (8,))),
                     init("c2.weight", weights(12, (8, 8, 3, 3))),
                     init("c2.bias", weights(13, (8,)))],
    )
    return make_model(graph)


def multi_io():
    """Two inputs, two outputs; 'ya' is consumed and also a graph output."""
    nodes = [
        helper.make_node("Relu", ["a"], ["ya"], name="ra"),
        helper.make_node("Relu", ["b"], ["yb"], name="rb"),
        helper.make_node("Add", ["ya", "yb"], ["s"], name="add"),
    ]
    graph = helper.make_graph(
        nodes, "multi_io",
        [vinfo("a", [1, 4]), vinfo("b", [1, 4])],
        [vinfo("s", [1, 4]), vinfo("ya", [1, 4])],
    )
    return make_model(graph)


def opset18(models_dir, with_value_info):
    """resnet18 (structure-only) relabelled as a default-domain opset-18 model."""
    model = onnx.load(os.path.join(models_dir, "resnet18.onnx"),
                      load_external_data=False)
    del model.graph.value_info[:]
    if with_value_info:
        model = onnx.shape_inference.infer_shapes(model, check_type=True,
                                                  strict_mode=True)
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx"):
            opset.version = 18
    return model


def shape_subgraph():
    """A Shape->Gather->Unsqueeze->Concat->Reshape chain that folds statically."""
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["conv_out"],
                         name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Shape", ["conv_out"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "gather.indices"], ["batch"],
                         name="gather", axis=0),
        helper.make_node("Unsqueeze", ["batch", "unsqueeze.axes"], ["batch1"],
                         name="unsqueeze"),
        helper.make_node("Constant", [], ["minus_one"], name="minus_one",
                         value=init("minus_one", np.array([-1], dtype=np.int64))),
        helper.make_node("Concat", ["batch1", "minus_one"], ["new_shape"],
                         name="concat", axis=0),
        helper.make_node("Reshape", ["conv_out", "new_shape"], ["flat"],
                         name="reshape"),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["y"],
                         name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "shape_subgraph",
        [vinfo("x", [1, 3, 4, 4])], [vinfo("y", [1, 10])],
        initializer=[init("conv.weight", weights(20, (2, 3, 3, 3))),
                     init("conv.bias", weights(21, (2,))),
                     init("gather.indices", np.array(0, dtype=np.int64)),
                     init("unsqueeze.axes", np.array([0], dtype=np.int64)),
                     init("fc.weight", weights(22, (10, 32))),
                     init("fc.bias", weights(23, (10,)))],
    )
    return make_model(graph)


def identity_dropout():
    """Identity and Dropout (mask unused) in the chain, plus a dead node."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r1_out"], name="r1"),
        helper.make_node("Identity", ["r1_out"], ["id_out"], name="id"),
        helper.make_node("Dropout", ["id_out"], ["drop_out", "drop_mask"],
                         name="drop"),
        helper.make_node("Relu", ["drop_out"], ["out"], name="r2"),
        helper.make_node("Relu", ["x"], ["dead_out"], name="dead"),
    ]
    graph = helper.make_graph(nodes, "identity_dropout",
                              [vinfo("x", [1, 4, 4, 4])],
                              [vinfo("out", [1, 4, 4, 4])])
    return make_model(graph)


def split_concat():
    """Split (split sizes as an initializer input, opset 13) -> 2x Relu -> Concat."""
    nodes = [
        helper.make_node("Split", ["x", "split.sizes"], ["s0", "s1"],
                         name="split", axis=1),
        helper.make_node("Relu", ["s0"], ["r0_out"], name="r0"),
        helper.make_node("Relu", ["s1"], ["r1_out"], name="r1"),
        helper.make_node("Concat", ["r0_out", "r1_out"], ["y"], name="concat",
                         axis=1),
    ]
    graph = helper.make_graph(
        nodes, "split_concat",
        [vinfo("x", [1, 8, 4, 4])], [vinfo("y", [1, 8, 4, 4])],
        initializer=[init("split.sizes", np.array([4, 4], dtype=np.int64))],
    )
    return make_model(graph)


def opset7_bn_mlp():
    """An opset-7 model with an unfused BatchNormalization: x -> conv -> bn ->
    relu -> maxpool -> flatten -> gemm -> softmax -> y (IR version 3, as
    exporters of that time wrote; initializers also listed as graph inputs)."""
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight"], ["conv_out"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization",
                         ["conv_out", "bn.scale", "bn.bias", "bn.mean", "bn.var"],
                         ["bn_out"], name="bn", epsilon=1e-5),
        helper.make_node("Relu", ["bn_out"], ["relu_out"], name="relu"),
        helper.make_node("MaxPool", ["relu_out"], ["pool_out"], name="pool",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool_out"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc",
                         transB=1),
        helper.make_node("Softmax", ["logits"], ["y"], name="softmax", axis=1),
    ]
    initializers = [
        init("conv.weight", weights(70, (4, 3, 3, 3))),
        init("bn.scale", weights(71, (4,)) + 1.0),
        init("bn.bias", weights(72, (4,))),
        init("bn.mean", weights(73, (4,))),
        init("bn.var", np.abs(weights(74, (4,))) + 1.0),
        init("fc.weight", weights(75, (10, 64))),
        init("fc.bias", weights(76, (10,))),
    ]
    inputs = [vinfo("x", [1, 3, 8, 8])] + [
        vinfo(t.name, list(t.dims)) for t in initializers]
    graph = helper.make_graph(nodes, "opset7_bn_mlp", inputs, [vinfo("y", [1, 10])],
                              initializer=initializers)
    model = make_model(graph, opset=7)
    model.ir_version = 3
    return model


def conflicting_value_info():
    """tiny_residual whose value_info gives c1_out a wrong spatial size."""
    model = tiny_residual()
    model.graph.value_info.append(vinfo("c1_out", [1, 8, 8, 8]))
    return model


def if_branch():
    """x -> c1 -> If(cond): then Relu(c1_out), else Sigmoid(c1_out) -> add(+x).

    The branches read c1_out from the outer scope (an implicit input of the
    If node) and declare no output shapes: only ONNX's graph inferencer
    can tell the If output's shape.
    """
    def branch(op, name):
        return helper.make_graph(
            [helper.make_node(op, ["c1_out"], [name + "_out"], name=name)],
            name, [], [helper.make_tensor_value_info(name + "_out", FLOAT, None)])

    nodes = [
        helper.make_node("Conv", ["x", "c1.weight"], ["c1_out"], name="c1",
                         kernel_shape=[1, 1]),
        helper.make_node("If", ["cond"], ["branch_out"], name="choose",
                         then_branch=branch("Relu", "then_relu"),
                         else_branch=branch("Sigmoid", "else_sigmoid")),
        helper.make_node("Add", ["branch_out", "x"], ["y"], name="add"),
    ]
    graph = helper.make_graph(
        nodes, "if_branch",
        [vinfo("x", [1, 4, 8, 8]), vinfo("cond", [], TensorProto.BOOL)],
        [vinfo("y", [1, 4, 8, 8])],
        initializer=[init("c1.weight", weights(20, (4, 4, 1, 1)))],
    )
    return make_model(graph)


def class_token_expand():
    """The class-token pattern of torch's ViT export: the Expand target is
    computed from constants (ConstantOfShape -> Mul -> Equal -> Where), then
    the expanded token is concatenated in front of the patch tokens."""
    nodes = [
        helper.make_node("Conv", ["x", "patch.weight"], ["patches"], name="patch", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Reshape", ["patches", "flat_shape"], ["flat"], name="flatten"),
        helper.make_node("Transpose", ["flat"], ["tokens"], name="to_tokens", perm=[0, 2, 1]),
        helper.make_node("ConstantOfShape", ["three"], ["ones"], name="ones",
                         value=numpy_helper.from_array(np.array([1], dtype=np.int64))),
        helper.make_node("Mul", ["ones", "minus_one"], ["minus_ones"], name="negate"),
        helper.make_node("Equal", ["target", "minus_ones"], ["is_keep"], name="is_keep"),
        helper.make_node("Where", ["is_keep", "ones", "target"], ["expand_shape"], name="pick"),
        helper.make_node("Expand", ["cls", "expand_shape"], ["cls_batch"], name="expand_cls"),
        helper.make_node("Concat", ["cls_batch", "tokens"], ["sequence"], name="prepend", axis=1),
        helper.make_node("MatMul", ["sequence", "proj.weight"], ["y"], name="proj"),
    ]
    graph = helper.make_graph(
        nodes, "class_token_expand", [vinfo("x", [1, 4, 8, 8])], [vinfo("y", [1, 17, 6])],
        initializer=[
            init("patch.weight", weights(30, (4, 4, 2, 2))),
            init("flat_shape", np.array([1, 4, 16], dtype=np.int64)),
            init("three", np.array([3], dtype=np.int64)),
            init("minus_one", np.array(-1, dtype=np.int64)),
            init("target", np.array([1, -1, -1], dtype=np.int64)),
            init("cls", weights(31, (1, 1, 4))),
            init("proj.weight", weights(32, (4, 6))),
        ],
    )
    return make_model(graph)


def data_dependent():
    """Sizes that depend on the data: NonMaxSuppression keeps at most
    max_output_boxes_per_class boxes per batch and class (bound 1*2*5), and
    NonZero of an activation at most every element."""
    nodes = [
        helper.make_node("Conv", ["x", "head.weight"], ["head"], name="head", kernel_shape=[1, 1]),
        helper.make_node("Reshape", ["head", "score_shape"], ["logits"], name="to_scores"),
        helper.make_node("Sigmoid", ["logits"], ["scores"], name="score"),
        helper.make_node("NonMaxSuppression", ["boxes", "scores", "max_per_class", "iou", "min_score"],
                         ["selected"], name="nms"),
        helper.make_node("Gather", ["selected", "box_column"], ["picked"], name="box_index", axis=1),
        helper.make_node("Gather", ["boxes_2d", "picked"], ["kept_boxes"], name="gather_boxes", axis=0),
        helper.make_node("Relu", ["x"], ["active"], name="active"),
        helper.make_node("NonZero", ["active"], ["where"], name="where"),
        helper.make_node("Cast", ["where"], ["where_f"], name="to_float", to=FLOAT),
        helper.make_node("ReduceSum", ["where_f"], ["count"], name="count", keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, "data_dependent",
        [vinfo("x", [1, 4, 4, 5]), vinfo("boxes", [1, 20, 4]), vinfo("boxes_2d", [20, 4])],
        [vinfo("kept_boxes", ["kept", 4]), vinfo("count", [])],
        initializer=[
            init("head.weight", weights(40, (2, 4, 1, 1))),
            init("score_shape", np.array([1, 2, 20], dtype=np.int64)),
            init("max_per_class", np.array([5], dtype=np.int64)),
            init("iou", np.array([0.5], dtype=np.float32)),
            init("min_score", np.array([0.1], dtype=np.float32)),
            init("box_column", np.array(2, dtype=np.int64)),
        ],
    )
    return make_model(graph)


def unknown_op():
    """An operator of an unknown domain: nothing tells its output's shape."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu"),
        helper.make_node("Mystery", ["r"], ["mystery_out"], name="mystery", domain="com.example"),
        helper.make_node("Sigmoid", ["mystery_out"], ["y"], name="sigmoid"),
    ]
    graph = helper.make_graph(nodes, "unknown_op", [vinfo("x", [1, 4, 8, 8])],
                              [helper.make_tensor_value_info("y", FLOAT, None)])
    model = helper.make_model(graph, producer_name=PRODUCER,
                              opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.example", 1)])
    model.ir_version = IR_VERSION
    return model


def loop_known_trips():
    """A Loop run a constant 3 times: its body multiplies the carried state
    by a 4x4 matrix (16 MACs per row) and emits it as a scan output."""
    body = helper.make_graph(
        [helper.make_node("MatMul", ["state_in", "w"], ["state_next"], name="step"),
         helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep_going"),
         helper.make_node("Relu", ["state_next"], ["scan_out"], name="emit")],
        "body",
        [vinfo("iteration", [], TensorProto.INT64), vinfo("cond_in", [], TensorProto.BOOL),
         vinfo("state_in", [2, 4])],
        [vinfo("cond_out", [], TensorProto.BOOL), vinfo("state_next", [2, 4]), vinfo("scan_out", [2, 4])],
    )
    nodes = [
        helper.make_node("Relu", ["x"], ["start"], name="start"),
        helper.make_node("Loop", ["trips", "", "start"], ["final", "stacked"], name="repeat", body=body),
        helper.make_node("Sigmoid", ["stacked"], ["y"], name="squash"),
    ]
    graph = helper.make_graph(
        nodes, "loop_known_trips", [vinfo("x", [2, 4])], [vinfo("final", [2, 4]), vinfo("y", [3, 2, 4])],
        initializer=[init("trips", np.array(3, dtype=np.int64)), init("w", weights(50, (4, 4)))],
    )
    return make_model(graph)


def cycle_two_nodes():
    """add -> relu -> add: a two-node cycle with no declared shapes."""
    nodes = [
        helper.make_node("Add", ["x", "r"], ["a"], name="add"),
        helper.make_node("Relu", ["a"], ["r"], name="relu"),
    ]
    graph = helper.make_graph(nodes, "cycle_two_nodes", [vinfo("x", [1, 4])],
                              [helper.make_tensor_value_info("a", FLOAT, None)])
    return make_model(graph)


def reshape_count_mismatch():
    """Reshape of 6 elements to [7,5]: ONNX's inference function accepts it."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu"),
        helper.make_node("Reshape", ["r", "target"], ["y"], name="reshape"),
    ]
    graph = helper.make_graph(nodes, "reshape_count_mismatch", [vinfo("x", [2, 3])], [vinfo("y", [7, 5])],
                              initializer=[init("target", np.array([7, 5], dtype=np.int64))])
    return make_model(graph)


def opset_negative():
    """A model importing the default operator set at version -1."""
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "opset_negative",
                              [vinfo("x", [1, 4])], [vinfo("y", [1, 4])])
    return make_model(graph, opset=-1)


def sequence_split_loop():
    """torch's export of `torch.split` with computed sizes (MViT): a Loop with
    a constant trip count (2) appends Slices of an activation to a sequence,
    one more Slice is appended after it, SequenceAt picks two of them out and
    ConcatFromSequence joins all three."""
    i64 = TensorProto.INT64
    seq_type = helper.make_sequence_type_proto(helper.make_tensor_type_proto(FLOAT, None))
    body = helper.make_graph(
        [helper.make_node("Mul", ["k", "two"], ["start0"], name="start"),
         helper.make_node("Unsqueeze", ["start0", "axis0"], ["starts"], name="starts"),
         helper.make_node("Add", ["starts", "two_1d"], ["ends"], name="ends"),
         helper.make_node("Slice", ["r", "starts", "ends", "axis0"], ["piece"], name="slice"),
         helper.make_node("SequenceInsert", ["seq_in", "piece"], ["seq_out"], name="append"),
         helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep_going")],
        "split_body",
        [vinfo("k", [], i64), vinfo("cond_in", [], TensorProto.BOOL), helper.make_value_info("seq_in", seq_type)],
        [vinfo("cond_out", [], TensorProto.BOOL), helper.make_value_info("seq_out", seq_type)],
    )
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu"),
        helper.make_node("SequenceEmpty", [], ["empty"], name="empty", dtype=FLOAT),
        helper.make_node("Loop", ["trips", "go", "empty"], ["pieces"], name="split_loop", body=body),
        helper.make_node("Slice", ["r", "four", "six", "axis0"], ["tail"], name="tail"),
        helper.make_node("SequenceInsert", ["pieces", "tail"], ["all"], name="append_tail"),
        helper.make_node("SequenceAt", ["all", "zero"], ["first"], name="first"),
        helper.make_node("SequenceAt", ["all", "minus_one"], ["last"], name="last"),
        helper.make_node("Concat", ["first", "last"], ["y"], name="ends_joined", axis=0),
        helper.make_node("ConcatFromSequence", ["all"], ["whole"], name="rejoin", axis=0),
        helper.make_node("Sigmoid", ["whole"], ["z"], name="squash"),
    ]
    graph = helper.make_graph(
        nodes, "sequence_split_loop", [vinfo("x", [6, 4])], [vinfo("y", [4, 4]), vinfo("z", [6, 4])],
        initializer=[init("trips", np.array(2, dtype=np.int64)), init("go", np.array(True)),
                     init("two", np.array(2, dtype=np.int64)), init("two_1d", np.array([2], dtype=np.int64)),
                     init("axis0", np.array([0], dtype=np.int64)), init("four", np.array([4], dtype=np.int64)),
                     init("six", np.array([6], dtype=np.int64)), init("zero", np.array(0, dtype=np.int64)),
                     init("minus_one", np.array(-1, dtype=np.int64))],
    )
    return make_model(graph)


def zero_stride():
    """tiny_residual whose first Conv has strides [0, 0]: ONNX 1.12's Conv
    inference divides by it; dnnpart must refuse it with a message."""
    model = tiny_residual()
    for attribute in model.graph.node[0].attribute:
        if attribute.name == "strides":
            attribute.ints[:] = [0, 0]
    return model


def unsorted():
    """tiny_residual with its nodes listed last to first (ONNX requires
    sorted nodes; some tools write them otherwise)."""
    model = tiny_residual()
    nodes = list(model.graph.node)[::-1]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model


def random_bytes(n, seed=b"dnnpart-fixture"):
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(seed + counter.to_bytes(8, "little")).digest()
        counter += 1
    return bytes(out[:n])


# --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join("tests", "data"),
                        help="output directory (default: tests/data/)")
    parser.add_argument("--models", default="models",
                        help="directory holding resnet18.onnx from "
                             "tools/export_models.py (default: models/)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    residual = tiny_residual().SerializeToString()
    files = [
        ("cyclic.onnx", cyclic()),
        ("dangling_input.onnx", dangling_input()),
        ("symbolic_dims.onnx", symbolic_dims()),
        ("external_escape.onnx",
         external_conv("external_escape", "../../etc/passwd")),
        ("external_absolute.onnx", external_conv("external_absolute", "/etc/passwd")),
        ("empty.onnx", b""),
        ("random_bytes.onnx", random_bytes(4096)),
        ("truncated.onnx", residual[: len(residual) // 2]),
        ("tiny_residual.onnx", residual),
        ("multi_io.onnx", multi_io()),
        ("opset18_resnet18.onnx", opset18(args.models, with_value_info=False)),
        ("opset18_resnet18_vi.onnx", opset18(args.models, with_value_info=True)),
        ("shape_subgraph.onnx", shape_subgraph()),
        ("identity_dropout.onnx", identity_dropout()),
        ("split_concat.onnx", split_concat()),
        ("opset7_bn_mlp.onnx", opset7_bn_mlp()),
        ("conflicting_value_info.onnx", conflicting_value_info()),
        ("if_branch.onnx", if_branch()),
        ("unsorted.onnx", unsorted()),
        ("zero_stride.onnx", zero_stride()),
        ("class_token_expand.onnx", class_token_expand()),
        ("data_dependent.onnx", data_dependent()),
        ("unknown_op.onnx", unknown_op()),
        ("loop_known_trips.onnx", loop_known_trips()),
        ("cycle_two_nodes.onnx", cycle_two_nodes()),
        ("reshape_count_mismatch.onnx", reshape_count_mismatch()),
        ("opset_negative.onnx", opset_negative()),
        ("sequence_split_loop.onnx", sequence_split_loop()),
    ]
    for name, content in files:
        data = content if isinstance(content, bytes) else content.SerializeToString()
        path = os.path.join(args.out, name)
        write_atomic(path, data)
        print("%-28s %7d bytes" % (name, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
