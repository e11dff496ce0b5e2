#!/usr/bin/python3
"""Export torchvision networks (random weights) to ONNX for dnnpart.

Every model is exported with random weights (torchvision ``weights=None``,
``torch.manual_seed(0)``), in eval mode, input ``input`` 1x3x224x224 float32,
output ``output``, opset 13, constant folding on and torch's default node
names (e.g. ``/features/features.0/features.0.0/Conv``).

The exported model is then rewritten "structure-only": every initializer whose
payload is larger than 1024 bytes is marked as external data
(``data_location = EXTERNAL``, ``location = <model>.weights.bin``, ``offset``,
``length``) and its payload is dropped.  The data file itself is never
written: only the graph structure, the tensor dims and data types are kept.
Small initializers (shape vectors, axes, ...) stay inline so shape inference
still works.

Models named with ``--keep-weights`` are additionally written with all their
weights inline as ``<model>_full.onnx``.

Must run with Debian's python (python3-torch, python3-torchvision,
python3-onnx):  /usr/bin/python3 tools/export_models.py
"""

import argparse
import io
import os
import sys

import numpy as np
import onnx
import torch
import torchvision

from onnx_io import write_atomic

MODELS = [
    "efficientnet_b0",
    "resnet50",
    "googlenet",
    "squeezenet1_1",
    "vgg16",
    "regnet_x_400mf",
    "alexnet",
    "mobilenet_v2",
    "resnet18",
]

DEFAULT_KEEP_WEIGHTS = ["squeezenet1_1"]

# Initializers whose payload is larger than this (in bytes) become external.
EXTERNAL_THRESHOLD = 1024

OPSET = 13
INPUT_SHAPE = (1, 3, 224, 224)


def build_model(name):
    """Instantiate a torchvision architecture with random weights."""
    torch.manual_seed(0)
    ctor = getattr(torchvision.models, name)
    if name == "googlenet":
        # No auxiliary classifiers; plain PyTorch default init.
        model = ctor(weights=None, aux_logits=False, init_weights=False)
    else:
        model = ctor(weights=None)
    model.eval()
    return model


def export_onnx(name):
    """Export one model and return it as an onnx.ModelProto."""
    model = build_model(name)
    torch.manual_seed(0)
    dummy = torch.randn(*INPUT_SHAPE, dtype=torch.float32)
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(
            model,
            dummy,
            buf,
            export_params=True,
            opset_version=OPSET,
            do_constant_folding=True,
            input_names=["input"],
            output_names=["output"],
        )
    return onnx.load_model_from_string(buf.getvalue())


def element_size(data_type):
    """Size in bytes of one element of an ONNX TensorProto data type."""
    if data_type == onnx.TensorProto.STRING:
        raise ValueError("string tensors are not supported")
    np_type = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[data_type]
    return np.dtype(np_type).itemsize


def tensor_nbytes(tensor):
    """Payload size in bytes of a TensorProto, from its dims and data type."""
    count = 1
    for d in tensor.dims:
        count *= d
    return count * element_size(tensor.data_type)


TYPED_FIELDS = (
    "raw_data",
    "float_data",
    "int32_data",
    "string_data",
    "int64_data",
    "double_data",
    "uint64_data",
)


def strip_weights(model, name):
    """Mark large initializers as external data and drop their payload.

    Offsets are laid out back to back, in initializer order, as a file
    ``<name>.weights.bin`` would hold them; that file is not written.
    Returns (number of externalized tensors, total externalized bytes).
    """
    location = name + ".weights.bin"
    offset = 0
    count = 0
    for tensor in model.graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise ValueError("%s: %s already external" % (name, tensor.name))
        nbytes = tensor_nbytes(tensor)
        if tensor.HasField("raw_data") and len(tensor.raw_data) != nbytes:
            raise ValueError("%s: %s raw_data size mismatch" % (name, tensor.name))
        if nbytes <= EXTERNAL_THRESHOLD:
            continue
        for field in TYPED_FIELDS:
            tensor.ClearField(field)
        del tensor.external_data[:]
        for key, value in (
            ("location", location),
            ("offset", str(offset)),
            ("length", str(nbytes)),
        ):
            entry = tensor.external_data.add()
            entry.key = key
            entry.value = value
        tensor.data_location = onnx.TensorProto.EXTERNAL
        offset += nbytes
        count += 1
    return count, offset


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="models",
                        help="output directory (default: models/)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=MODELS,
                        help="export only these models")
    parser.add_argument("--keep-weights", nargs="*", metavar="NAME",
                        choices=MODELS, default=None,
                        help="also write <NAME>_full.onnx with all weights "
                             "inline (default: %s)" % " ".join(DEFAULT_KEEP_WEIGHTS))
    args = parser.parse_args(argv)

    names = args.only if args.only else MODELS
    keep = DEFAULT_KEEP_WEIGHTS if args.keep_weights is None else args.keep_weights
    os.makedirs(args.out, exist_ok=True)

    for name in names:
        model = export_onnx(name)
        nodes = len(model.graph.node)
        if name in keep:
            full_path = os.path.join(args.out, name + "_full.onnx")
            onnx.checker.check_model(model)
            write_atomic(full_path, model.SerializeToString())
            print("%-16s %-28s %5d nodes %10d bytes (weights inline)"
                  % (name, os.path.basename(full_path), nodes,
                     os.path.getsize(full_path)))

        count, nbytes = strip_weights(model, name)
        # Must still shape-infer without the (absent) data file.
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        path = os.path.join(args.out, name + ".onnx")
        write_atomic(path, model.SerializeToString())
        # The data file is never kept.
        stale = os.path.join(args.out, name + ".weights.bin")
        if os.path.exists(stale):
            os.unlink(stale)
        print("%-16s %-28s %5d nodes %10d bytes (%d initializers, %d bytes "
              "external, absent)" % (name, os.path.basename(path), nodes,
                                     os.path.getsize(path), count, nbytes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
