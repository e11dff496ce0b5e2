#!/usr/bin/env python3
"""Writes tests/data/malformed/: small ONNX models that were once accepted
silently or crashed the loader (issue 13). Each is refused with one line
naming the file and the object at fault (tests/malformed_test.cc).

Run with Debian's python3-onnx: /usr/bin/python3 tools/make_malformed.py
"""

import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from onnx_io import write_atomic  # noqa: E402

FLOAT = TensorProto.FLOAT
PRODUCER = "dnnpart tools/make_malformed.py"


def model(nodes, inputs, outputs, inits=(), functions=(), opsets=(("", 13),)):
    graph = helper.make_graph(nodes, "malformed", inputs, outputs, initializer=list(inits))
    m = helper.make_model(graph, producer_name=PRODUCER,
                          opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                          functions=list(functions))
    m.ir_version = 8
    return m


def vinfo(name, shape):
    return helper.make_tensor_value_info(name, FLOAT, shape)


def weights(name, shape):
    return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name=name)


def recursive_function(mutual):
    """A model-local function that calls itself (or f -> g -> f)."""
    callee = "g" if mutual else "f"
    f = helper.make_function("local", "f", ["a"], ["b"], [helper.make_node(callee, ["a"], ["b"], domain="local")],
                             [helper.make_opsetid("", 13), helper.make_opsetid("local", 1)])
    functions = [f]
    if mutual:
        functions.append(helper.make_function("local", "g", ["a"], ["b"],
                                              [helper.make_node("f", ["a"], ["b"], domain="local")],
                                              [helper.make_opsetid("", 13), helper.make_opsetid("local", 1)]))
    return model([helper.make_node("f", ["x"], ["y"], domain="local", name="call")],
                 [vinfo("x", [1, 4])], [vinfo("y", None)], functions=functions,
                 opsets=(("", 13), ("local", 1)))


def conv_huge_pads():
    """Conv pads of 2^62: once a [1,4,0,0] output with 0 MACs."""
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[2**62, 2**62, 2**62, 2**62])
    return model([node], [vinfo("x", [1, 3, 8, 8])], [vinfo("y", None)], [weights("w", [4, 3, 3, 3])])


def conv_kernel_too_large():
    """A 9x9 kernel over a 4x4 input without padding."""
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [vinfo("x", [1, 3, 4, 4])], [vinfo("y", None)], [weights("w", [4, 3, 9, 9])])


def gemm_k_mismatch():
    """Gemm of [2,3] by [5,4]: the inner extents differ."""
    node = helper.make_node("Gemm", ["x", "w"], ["y"], name="gemm")
    return model([node], [vinfo("x", [2, 3])], [vinfo("y", None)], [weights("w", [5, 4])])


def flatten_overflow():
    """Flatten of a [2^32, 2^32, 2] input: the product overflows int64."""
    node = helper.make_node("Flatten", ["x"], ["y"], name="flatten", axis=0)
    return model([node], [vinfo("x", [2**32, 2**32, 2])], [vinfo("y", None)])


def conv_weight_rank():
    """A rank-3 input with a rank-4 weight: ONNX 1.12's inference read past
    the dilations (SIGSEGV, found by fuzzing)."""
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [vinfo("x", [1, 3, 4])], [vinfo("y", None)], [weights("w", [4, 3, 9, 9])])


def conv_transpose_weight_rank1():
    """ConvTranspose with a rank-1 weight: ONNX reads its second dimension."""
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv", kernel_shape=[3, 3])
    return model([node], [vinfo("x", [1, 3, 4, 4])], [vinfo("y", None)], [weights("w", [3])])


def max_unpool_indices_rank():
    """MaxUnpool whose indices have rank 1: ONNX reads their second dimension."""
    node = helper.make_node("MaxUnpool", ["x", "i"], ["y"], name="unpool", kernel_shape=[2, 2], strides=[2, 2])
    idx = helper.make_tensor_value_info("i", TensorProto.INT64, [4])
    return model([node], [vinfo("x", [1, 1, 2, 2]), idx], [vinfo("y", None)])


def conv_transpose_group0():
    """ConvTranspose with group 0: once a [1,0,5,5] output accepted."""
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv", group=0)
    return model([node], [vinfo("x", [1, 3, 4, 4])], [vinfo("y", None)], [weights("w", [3, 2, 2, 2])])


def transpose_perm_short():
    """Transpose of a [2,3] input with perm [0]: once a [2] output accepted."""
    node = helper.make_node("Transpose", ["x"], ["y"], name="t", perm=[0])
    return model([node], [vinfo("x", [2, 3])], [vinfo("y", None)])


def gemm_scalar_weight():
    """Gemm (opset 6) with a rank-0 B and transB: ONNX 1.12 reads B's second
    dimension unchecked (SIGSEGV, found by probing)."""
    node = helper.make_node("Gemm", ["x", "w", "c"], ["y"], name="gemm", transB=1, broadcast=1)
    return model([node], [vinfo("x", [2, 1]), vinfo("w", []), vinfo("c", [2])], [vinfo("y", None)],
                 opsets=(("", 6),))


def layernorm_axis_out_of_range():
    """LayerNormalization with axis -3 over a rank-2 input: ONNX 1.12 writes
    the statistics' extents from a negative position (SIGSEGV)."""
    node = helper.make_node("LayerNormalization", ["x", "s"], ["y", "mean"], name="ln", axis=-3)
    return model([node], [vinfo("x", [2, 3])], [vinfo("y", None)], [weights("s", [3])], opsets=(("", 17),))


def gathernd_negative_batch_dims():
    """GatherND with batch_dims -3: ONNX 1.12 reads a data dimension before
    the first (SIGSEGV)."""
    node = helper.make_node("GatherND", ["x", "i"], ["y"], name="gather", batch_dims=-3)
    idx = helper.make_tensor_value_info("i", TensorProto.INT64, [2, 1])
    return model([node], [vinfo("x", [2, 3]), idx], [vinfo("y", None)])


def gathernd_batch_dims_untyped():
    """gathernd_negative_batch_dims with the attribute's type unset: ONNX
    still reads its i field (a fuzzing finding; the check once looked only
    at attributes typed INT)."""
    m = gathernd_negative_batch_dims()
    m.graph.node[0].attribute[0].ClearField("type")
    return m


def split_without_outputs():
    """A Split with no outputs and no split sizes: ONNX 1.12 divides the axis
    extent by the output count (SIGFPE, a fuzzing finding)."""
    node = helper.make_node("Split", ["x"], [], name="split", axis=1)
    return model([node], [vinfo("x", [1, 8])], [vinfo("y", None)], opsets=(("", 12),))


def scan_without_body():
    """A Scan without its body: ONNX 1.12 dereferences the missing graph's
    inferencer (SIGSEGV, found by probing)."""
    node = helper.make_node("Scan", ["x"], ["y"], name="scan", num_scan_inputs=1)
    return model([node], [vinfo("x", [2, 3])], [vinfo("y", None)], opsets=(("", 11),))


def stft_signal_rank0():
    """STFT of a scalar signal: ONNX 1.12 reads its dimensions unchecked."""
    node = helper.make_node("STFT", ["x", "step"], ["y"], name="stft")
    step = helper.make_tensor_value_info("step", TensorProto.INT64, [])
    return model([node], [vinfo("x", []), step], [vinfo("y", None)], opsets=(("", 17),))


def if_branch_conv_weight_rank():
    """conv_weight_rank inside both branches of an If whose condition is not
    known: ONNX infers the branches itself, past dnnpart's checks (SIGSEGV)."""
    def branch(tag):
        conv = helper.make_node("Conv", ["x", "w"], ["y_" + tag], name="conv_" + tag)
        return helper.make_graph([conv], tag, [], [vinfo("y_" + tag, None)])
    node = helper.make_node("If", ["c"], ["y"], name="if", then_branch=branch("then"), else_branch=branch("else"))
    cond = helper.make_tensor_value_info("c", TensorProto.BOOL, [])
    return model([node], [cond, vinfo("x", [1, 3, 4])], [vinfo("y", None)], [weights("w", [4, 3, 9, 9])])


def if_branch_conv_declared():
    """if_branch_conv_weight_rank one If deeper (each branch an If over the
    malformed Conv, which the loader's walk of an If's branches does not
    enter), with its output declared ([1,4,1]) and a Relu after it: it loads
    from the declared shapes, and split's strict ONNX inference of the stage
    holding the If must not infer the branches either (split_test.cc)."""
    def branch(tag):
        inner = if_branch_conv_weight_rank().graph.node[0]
        inner.name = "inner_" + tag
        inner.output[0] = "y_" + tag
        return helper.make_graph([inner], tag, [], [vinfo("y_" + tag, None)])
    m = if_branch_conv_weight_rank()
    m.graph.node[0].CopyFrom(helper.make_node("If", ["c"], ["y"], name="if", then_branch=branch("then"),
                                              else_branch=branch("else")))
    m.graph.node.append(helper.make_node("Relu", ["y"], ["z"], name="relu"))
    m.graph.value_info.append(vinfo("y", [1, 4, 1]))
    del m.graph.output[:]
    m.graph.output.append(vinfo("z", [1, 4, 1]))
    return m


def if_branch_conv_valid():
    """The valid counterpart (written to tests/data/, not malformed/): an If
    whose condition is not known at load time, each branch a well-formed
    Conv, outputs of symbolic shape. ONNX infers [1,4,8,8] once the loader
    has checked the branches; it must load."""
    def branch(tag):
        conv = helper.make_node("Conv", ["x", "w"], ["y_" + tag], name="conv_" + tag, pads=[1, 1, 1, 1])
        return helper.make_graph([conv], tag, [], [vinfo("y_" + tag, ["n", "c", "h", "w"])])
    node = helper.make_node("If", ["c"], ["y"], name="if", then_branch=branch("then"), else_branch=branch("else"))
    cond = helper.make_tensor_value_info("c", TensorProto.BOOL, [])
    relu = helper.make_node("Relu", ["y"], ["z"], name="relu")
    return model([node, relu], [cond, vinfo("x", [1, 3, 8, 8])], [vinfo("z", ["n", "c", "h", "w"])],
                 [weights("w", [4, 3, 3, 3])])


def function_layernorm_axis():
    """layernorm_axis_out_of_range inside a model-local function: ONNX infers
    the body itself (SIGSEGV)."""
    f = helper.make_function("local", "f", ["a", "b"], ["o"],
                             [helper.make_node("LayerNormalization", ["a", "b"], ["o", "m"], axis=-3)],
                             [helper.make_opsetid("", 17)])
    return model([helper.make_node("f", ["x", "s"], ["y"], domain="local", name="call")],
                 [vinfo("x", [2, 3])], [vinfo("y", None)], [weights("s", [3])], functions=[f],
                 opsets=(("", 17), ("local", 1)))


def softmax_axis_out_of_range():
    """Softmax-13 with axis 2 over a rank-2 input: ONNX 1.12 accepted it."""
    node = helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=2)
    return model([node], [vinfo("x", [2, 3])], [vinfo("y", None)])


def reduce_axes_out_of_range():
    """ReduceMean-13 over axes [3] of a rank-2 input."""
    node = helper.make_node("ReduceMean", ["x"], ["y"], name="mean", axes=[3])
    return model([node], [vinfo("x", [2, 3])], [vinfo("y", None)])


def prelu_slope_rank():
    """PRelu whose slope has a higher rank than its input."""
    node = helper.make_node("PRelu", ["x", "s"], ["y"], name="prelu")
    return model([node], [vinfo("x", [2, 3])], [vinfo("y", None)], [weights("s", [1, 2, 3])])


def slice_axes_input_out_of_range():
    """Slice-13 whose axes input holds 5 over a rank-2 input."""
    node = helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["y"], name="slice")
    ints = [numpy_helper.from_array(np.array(v, dtype=np.int64), name=n)
            for n, v in (("starts", [0]), ("ends", [1]), ("axes", [5]))]
    return model([node], [vinfo("x", [2, 3])], [vinfo("y", None)], ints)


def main():
    out = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "malformed")
    os.makedirs(out, exist_ok=True)
    files = [
        ("function_recursive.onnx", recursive_function(False)),
        ("function_mutual.onnx", recursive_function(True)),
        ("conv_huge_pads.onnx", conv_huge_pads()),
        ("conv_kernel_too_large.onnx", conv_kernel_too_large()),
        ("gemm_k_mismatch.onnx", gemm_k_mismatch()),
        ("flatten_overflow.onnx", flatten_overflow()),
        ("conv_weight_rank.onnx", conv_weight_rank()),
        ("conv_transpose_weight_rank1.onnx", conv_transpose_weight_rank1()),
        ("max_unpool_indices_rank.onnx", max_unpool_indices_rank()),
        ("softmax_axis_out_of_range.onnx", softmax_axis_out_of_range()),
        ("reduce_axes_out_of_range.onnx", reduce_axes_out_of_range()),
        ("prelu_slope_rank.onnx", prelu_slope_rank()),
        ("slice_axes_input_out_of_range.onnx", slice_axes_input_out_of_range()),
        ("conv_transpose_group0.onnx", conv_transpose_group0()),
        ("transpose_perm_short.onnx", transpose_perm_short()),
        ("gemm_scalar_weight.onnx", gemm_scalar_weight()),
        ("layernorm_axis_out_of_range.onnx", layernorm_axis_out_of_range()),
        ("gathernd_negative_batch_dims.onnx", gathernd_negative_batch_dims()),
        ("gathernd_batch_dims_untyped.onnx", gathernd_batch_dims_untyped()),
        ("split_without_outputs.onnx", split_without_outputs()),
        ("scan_without_body.onnx", scan_without_body()),
        ("stft_signal_rank0.onnx", stft_signal_rank0()),
        ("if_branch_conv_weight_rank.onnx", if_branch_conv_weight_rank()),
        ("function_layernorm_axis.onnx", function_layernorm_axis()),
        ("if_branch_conv_declared.onnx", if_branch_conv_declared()),
    ]
    valid = if_branch_conv_valid()
    write_atomic(os.path.join(out, "..", "if_branch_conv_valid.onnx"), valid.SerializeToString())
    for name, m in files:
        data = m.SerializeToString()
        write_atomic(os.path.join(out, name), data)
        print("%-36s %5d bytes" % (name, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
