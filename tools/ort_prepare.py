#!/usr/bin/python3
"""Make a runnable copy of an ONNX model for the ONNX Runtime shape oracle.

    /usr/bin/python3 tools/ort_prepare.py MODEL OUT.onnx [--input-shape NAME=AxB ...]

The bundled models are "structure-only": their large initializers are marked
as external data whose file does not exist.  This tool writes OUT.onnx where

  * every external initializer gets deterministic pseudo-random data of its
    own dtype and dims: a block of 4096 values from numpy ``default_rng(0)``
    (floats uniform in [-0.1, 0.1], integers in [0, 4); bools False), repeated
    to fill the tensor (drawing every value of a 138M-parameter VGG16 would
    dominate the run time);
  * graph inputs named with ``--input-shape NAME=AxBxC`` get those static dims
    (for inputs with symbolic dims such as Silero VAD's ``batch``/``sequence``);
  * every value produced by a node of the top-level graph becomes a graph
    output, so ONNX Runtime reports its runtime shape.  An output needs an
    element type: it is taken from ONNX shape inference (with data
    propagation).  Only the element type is declared, never the shape, so the
    shapes ORT reports are its own.  Values whose type inference cannot
    determine are skipped and listed on stderr.

Subgraphs (If/Loop bodies) are left alone; their values are not exposed.

With ``--no-outputs`` the graph outputs are left as they are: OUT.onnx is the
original model with random weights inline, for comparing a model with its
split stages (tools/run_split.mjs).
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_io import write_atomic  # noqa: E402


def parse_shape(text):
    """'NAME=1x3x224x224' -> ('NAME', [1, 3, 224, 224])."""
    if "=" not in text:
        raise argparse.ArgumentTypeError("expected NAME=AxB..., got %r" % text)
    name, dims = text.rsplit("=", 1)
    try:
        values = [int(d) for d in dims.split("x")] if dims else []
    except ValueError:
        raise argparse.ArgumentTypeError("bad dims in %r" % text)
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError("negative dim in %r" % text)
    return name, values


BLOCK = 4096


def random_tensor(tensor, rng):
    """A TensorProto with the name, dtype and dims of `tensor`, filled with
    small deterministic pseudo-random values."""
    np_type = np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[tensor.data_type])
    dims = tuple(tensor.dims)
    if np_type.kind == "f":
        block = rng.uniform(-0.1, 0.1, size=BLOCK).astype(np_type)
    elif np_type.kind in "iu":
        block = rng.integers(0, 4, size=BLOCK).astype(np_type)
    elif np_type.kind == "b":
        block = np.zeros(BLOCK, dtype=np_type)
    else:
        raise ValueError("%s: cannot fill data type %s"
                         % (tensor.name, onnx.TensorProto.DataType.Name(tensor.data_type)))
    return numpy_helper.from_array(np.resize(block, dims), tensor.name)


def fill_external(graph, rng):
    """Replaces every external initializer by inline random data; returns the count."""
    count = 0
    for index, tensor in enumerate(graph.initializer):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        graph.initializer[index].CopyFrom(random_tensor(tensor, rng))
        count += 1
    return count


def set_input_shapes(graph, shapes):
    by_name = {value.name: value for value in graph.input}
    for name, dims in shapes:
        if name not in by_name:
            raise SystemExit("ort_prepare: no graph input named %r (inputs: %s)"
                             % (name, ", ".join(by_name)))
        shape = by_name[name].type.tensor_type.shape
        shape.ClearField("dim")
        for d in dims:
            shape.dim.add().dim_value = d


def inferred_types(model):
    """value name -> elem_type from ONNX shape inference (data propagation
    on where supported; falls back to plain inference, then to none)."""
    for kwargs in ({"data_prop": True}, {}):
        try:
            inferred = onnx.shape_inference.infer_shapes(model, **kwargs)
            break
        except Exception as error:  # inference errors are reported, not fatal
            print("ort_prepare: shape inference %s failed: %s"
                  % (kwargs or "(plain)", str(error).splitlines()[0]),
                  file=sys.stderr)
    else:
        return {}
    types = {}
    graph = inferred.graph
    for value in list(graph.value_info) + list(graph.output) + list(graph.input):
        if value.type.HasField("tensor_type") and value.type.tensor_type.elem_type:
            types[value.name] = value.type.tensor_type.elem_type
    return types


def expose_intermediates(model, types):
    """Adds every top-level node output as a graph output; returns
    (number added, names skipped for lack of a type)."""
    graph = model.graph
    taken = {value.name for value in graph.output}
    taken.update(value.name for value in graph.input)
    added, skipped = 0, []
    for node in graph.node:
        for name in node.output:
            if not name or name in taken:
                continue
            taken.add(name)
            elem_type = types.get(name)
            if not elem_type:
                skipped.append(name)
                continue
            output = graph.output.add()
            output.CopyFrom(helper.make_tensor_value_info(name, elem_type, None))
            added += 1
    return added, skipped


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--input-shape", action="append", type=parse_shape,
                        default=[], metavar="NAME=AxB",
                        help="static dims for a graph input (repeatable)")
    parser.add_argument("--no-outputs", action="store_true",
                        help="only fill the weights; add no intermediate outputs")
    args = parser.parse_args(argv)

    model = onnx.load(args.model, load_external_data=False)
    set_input_shapes(model.graph, args.input_shape)
    # Types first, on the structure-only model: shape inference copies the
    # whole model, which is slow once hundreds of MB of weights are inline.
    types = {} if args.no_outputs else inferred_types(model)
    filled = fill_external(model.graph, np.random.default_rng(0))
    added, skipped = (0, []) if args.no_outputs else expose_intermediates(model, types)
    write_atomic(args.out, model.SerializeToString())
    print("ort_prepare: %s: %d external initializers filled, %d intermediate "
          "outputs added, %d skipped (no inferred type)"
          % (os.path.basename(args.model), filled, added, len(skipped)),
          file=sys.stderr)
    for name in skipped:
        print("ort_prepare:   skipped %s" % name, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
