#!/usr/bin/python3
"""Export torchvision networks (random weights) to ONNX for dnnpart.

Every model is exported with random weights (torchvision ``weights=None``,
``torch.manual_seed(0)``), in eval mode, with constant folding on and torch's
default node names (e.g. ``/features/features.0/features.0.0/Conv``).

The CNN classifiers (``MODELS``) take input ``input`` 1x3x224x224 float32 and
give output ``output``, opset 13.  The newer networks (``EXTRA_MODELS``: ViT,
Swin, a small BERT-like encoder, SSDlite, LRASPP, R3D-18, a BiLSTM) each have
their own fixed static input shapes, listed in ``EXTRA_MODELS``; they are
exported at opset 13 as well (none of them needs a newer opset in torch 1.13).

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
from torch import nn

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



class DetectionWrapper(nn.Module):
    """Makes a torchvision detector take one batched tensor [1,3,H,W] (the
    detector itself takes a list of [3,H,W] images) and return plain tensors
    (boxes [N,4], scores [N], labels [N]) instead of a list of dicts."""

    def __init__(self, detector):
        super().__init__()
        self.detector = detector

    def forward(self, images):
        detections = self.detector([images[0]])[0]
        return detections["boxes"], detections["scores"], detections["labels"]


class SegmentationWrapper(nn.Module):
    """Returns the ``out`` entry of a torchvision segmentation model's dict."""

    def __init__(self, segmenter):
        super().__init__()
        self.segmenter = segmenter

    def forward(self, images):
        return self.segmenter(images)["out"]


class BertTinyEncoder(nn.Module):
    """A small BERT-like encoder: token + learned position embeddings,
    LayerNorm, a 4-layer post-norm nn.TransformerEncoder (d_model 256, 4 heads,
    feed-forward 1024, batch_first) and a pooled classifier head on the first
    token.  ``attention_mask`` (1 = real token, 0 = padding) becomes the
    encoder's ``src_key_padding_mask`` inside the model."""

    def __init__(self, vocab=1000, d_model=256, layers=4, heads=4,
                 feedforward=1024, max_len=128, classes=2):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, d_model)
        self.position_embedding = nn.Embedding(max_len, d_model)
        self.embedding_norm = nn.LayerNorm(d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, feedforward,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers,
                                             enable_nested_tensor=False)
        self.pooler = nn.Linear(d_model, d_model)
        self.classifier = nn.Linear(d_model, classes)

    def forward(self, input_ids, attention_mask):
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.token_embedding(input_ids) + self.position_embedding(positions)
        x = self.embedding_norm(x)
        x = self.encoder(x, src_key_padding_mask=attention_mask == 0)
        return self.classifier(torch.tanh(self.pooler(x[:, 0])))


class LstmSpeech(nn.Module):
    """A 2-layer bidirectional LSTM over 40-dim acoustic frames with a
    per-frame Linear head (32 classes)."""

    def __init__(self, features=40, hidden=128, layers=2, classes=32):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, layers, batch_first=True,
                            bidirectional=True)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, frames):
        sequence, _ = self.lstm(frames)
        return self.head(sequence)


def _image(*shape):
    return lambda: (torch.randn(*shape, dtype=torch.float32),)


def _bert_inputs():
    input_ids = torch.randint(0, 1000, (1, 128), dtype=torch.int64)
    attention_mask = torch.ones(1, 128, dtype=torch.int64)
    return input_ids, attention_mask


# name -> (constructor, example-input maker, input names, output names,
#          grad_enabled).  Static shapes are those of the example inputs.
# grad_enabled: nn.MultiheadAttention / nn.TransformerEncoderLayer take a fused
# "fast path" (aten::_native_multi_head_attention,
# aten::_transformer_encoder_layer_fwd) in eval mode without autograd, and
# torch 1.13 cannot export those ops at any opset; with autograd on they run
# the plain, exportable ops.  The exported graph is the same network.
EXTRA_MODELS = {
    "vit_b_16": (lambda: torchvision.models.vit_b_16(weights=None),
                 _image(1, 3, 224, 224), ["input"], ["output"], True),
    "swin_t": (lambda: torchvision.models.swin_t(weights=None),
               _image(1, 3, 224, 224), ["input"], ["output"], False),
    "bert_tiny_encoder": (BertTinyEncoder, _bert_inputs,
                          ["input_ids", "attention_mask"], ["output"], True),
    "ssdlite320_mobilenet_v3_large": (
        lambda: DetectionWrapper(
            torchvision.models.detection.ssdlite320_mobilenet_v3_large(
                weights=None, weights_backbone=None)),
        _image(1, 3, 320, 320), ["input"], ["boxes", "scores", "labels"],
        False),
    "lraspp_mobilenet_v3_large": (
        lambda: SegmentationWrapper(
            torchvision.models.segmentation.lraspp_mobilenet_v3_large(
                weights=None, weights_backbone=None)),
        _image(1, 3, 224, 224), ["input"], ["output"], False),
    "r3d_18": (lambda: torchvision.models.video.r3d_18(weights=None),
               _image(1, 3, 16, 112, 112), ["input"], ["output"], False),
    "lstm_speech": (LstmSpeech, _image(1, 100, 40), ["input"], ["output"],
                    False),
}

ALL_MODELS = MODELS + list(EXTRA_MODELS)

DEFAULT_KEEP_WEIGHTS = ["squeezenet1_1"]

# Initializers whose payload is larger than this (in bytes) become external.
EXTERNAL_THRESHOLD = 1024

OPSET = 13
INPUT_SHAPE = (1, 3, 224, 224)


def build_model(name):
    """Instantiate a torchvision architecture with random weights."""
    torch.manual_seed(0)
    if name in EXTRA_MODELS:
        model = EXTRA_MODELS[name][0]()
        model.eval()
        return model
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
    if name in EXTRA_MODELS:
        _, make_inputs, input_names, output_names, grad = EXTRA_MODELS[name]
        dummy = make_inputs()
    else:
        dummy = torch.randn(*INPUT_SHAPE, dtype=torch.float32)
        input_names, output_names, grad = ["input"], ["output"], False
    buf = io.BytesIO()
    with torch.set_grad_enabled(grad):
        torch.onnx.export(
            model,
            dummy,
            buf,
            export_params=True,
            opset_version=OPSET,
            do_constant_folding=True,
            input_names=input_names,
            output_names=output_names,
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
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=ALL_MODELS,
                        help="export only these models")
    parser.add_argument("--keep-weights", nargs="*", metavar="NAME",
                        choices=ALL_MODELS, default=None,
                        help="also write <NAME>_full.onnx with all weights "
                             "inline (default: %s)" % " ".join(DEFAULT_KEEP_WEIGHTS))
    args = parser.parse_args(argv)

    names = args.only if args.only else ALL_MODELS
    keep = DEFAULT_KEEP_WEIGHTS if args.keep_weights is None else args.keep_weights
    os.makedirs(args.out, exist_ok=True)

    for name in names:
        model = export_onnx(name)
        nodes = len(model.graph.node)
        if name in keep:
            full_path = os.path.join(args.out, name + "_full.onnx")
            onnx.checker.check_model(model)
            write_atomic(full_path, model.SerializeToString())
            print("%-30s %-36s %5d nodes %10d bytes (weights inline)"
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
        print("%-30s %-36s %5d nodes %10d bytes (%d initializers, %d bytes "
              "external, absent)" % (name, os.path.basename(path), nodes,
                                     os.path.getsize(path), count, nbytes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
