#!/usr/bin/env python3
"""Writes tests/data/trtexec/resnet18.{profile,layers}.json: the two files
`trtexec --exportProfile` and `--exportLayerInfo` (detailed verbosity) would
write for models/resnet18.onnx, in the layout NVIDIA documents and its own
examples show (docs/profiling.md, "TensorRT"). Written by us, NOT produced by a
real TensorRT: the layer grouping follows TensorRT's naming rules (" + ",
" || ", PWN(...), {ForeignNode[first...last]}, reformat layers, parser-added
reshapes, one unnamed layer) and the times are invented but plausible for an
FP16 engine on a Jetson Orin Nano at batch 1. Deterministic; rerun to
regenerate."""
import json
import os
import sys

RUNS = 200
H16 = "Channel major FP16 format where channel % 8 == 0"
F32 = "Row major linear FP32"


def t(name, dims, fmt=H16):
    return {"Name": name, "Location": "Device", "Dimensions": dims, "Format/Datatype": fmt}


def act(name, c, hw):
    return t(name, [1, c, hw, hw])


L1 = "/layer1/layer1.{}"
# (name, LayerType, inputs, outputs, median_ms)
LAYERS = []


def add(name, kind, inputs, outputs, ms):
    LAYERS.append((name, kind, inputs, outputs, ms))


conv1 = "/conv1/Conv + /relu/Relu"
add("Reformatting CopyNode for Input Tensor 0 to " + conv1, "Reformat",
    [t("input", [1, 3, 224, 224], F32)], [act("Reformatted Input Tensor 0 to " + conv1, 3, 224)], 0.0215)
add(conv1, "CaskConvolution", [act("Reformatted Input Tensor 0 to " + conv1, 3, 224)],
    [act("/relu/Relu_output_0", 64, 112)], 0.1242)
add("/maxpool/MaxPool", "CaskPooling", [act("/relu/Relu_output_0", 64, 112)],
    [act("/maxpool/MaxPool_output_0", 64, 56)], 0.0398)
prev = "/maxpool/MaxPool_output_0"
for b in range(2):
    p = "/layer1/layer1.%d" % b
    add(f"{p}/conv1/Conv + {p}/relu/Relu", "CaskConvolution", [act(prev, 64, 56)],
        [act(f"{p}/relu/Relu_output_0", 64, 56)], 0.0581)
    add(f"{p}/conv2/Conv + {p}/Add + {p}/relu_1/Relu", "CaskConvolution",
        [act(f"{p}/relu/Relu_output_0", 64, 56), act(prev, 64, 56)],
        [act(f"{p}/relu_1/Relu_output_0", 64, 56)], 0.0644)
    prev = f"{p}/relu_1/Relu_output_0"
# layer2.0: a downsample block, vertical fusions.
p = "/layer2/layer2.0"
add(f"{p}/conv1/Conv + {p}/relu/Relu", "CaskConvolution", [act(prev, 64, 56)],
    [act(f"{p}/relu/Relu_output_0", 128, 28)], 0.0417)
add(f"{p}/downsample/downsample.0/Conv", "CaskConvolution", [act(prev, 64, 56)],
    [act(f"{p}/downsample/downsample.0/Conv_output_0", 128, 28)], 0.0133)
add(f"{p}/conv2/Conv + {p}/Add + {p}/relu_1/Relu", "CaskConvolution",
    [act(f"{p}/relu/Relu_output_0", 128, 28), act(f"{p}/downsample/downsample.0/Conv_output_0", 128, 28)],
    [act(f"{p}/relu_1/Relu_output_0", 128, 28)], 0.0702)
prev = f"{p}/relu_1/Relu_output_0"
# layer2.1: pointwise fusions, one of them a separate (nested) PWN layer
# whose output goes through a reformat.
p = "/layer2/layer2.1"
add(f"{p}/conv1/Conv + PWN({p}/relu/Relu)", "CaskConvolution", [act(prev, 128, 28)],
    [act(f"{p}/relu/Relu_output_0", 128, 28)], 0.0655)
add(f"{p}/conv2/Conv", "CaskConvolution", [act(f"{p}/relu/Relu_output_0", 128, 28)],
    [act(f"{p}/conv2/Conv_output_0", 128, 28)], 0.0631)
pwn = f"PWN(PWN({p}/Add), {p}/relu_1/Relu)"
add(pwn, "PointWiseV2", [act(f"{p}/conv2/Conv_output_0", 128, 28), act(prev, 128, 28)],
    [t("Reformatted Output Tensor 0 to " + pwn, [1, 128, 28, 28], "Channel major FP16 format where channel % 2 == 0")],
    0.0121)
add("Reformatting CopyNode for Output Tensor 0 to " + pwn, "Reformat",
    [t("Reformatted Output Tensor 0 to " + pwn, [1, 128, 28, 28], "Channel major FP16 format where channel % 2 == 0")],
    [act(f"{p}/relu_1/Relu_output_0", 128, 28)], 0.0089)
prev = f"{p}/relu_1/Relu_output_0"
# layer3.0: the first Conv and the downsample Conv read the same tensor:
# horizontal fusion.
p = "/layer3/layer3.0"
add(f"{p}/conv1/Conv || {p}/downsample/downsample.0/Conv", "CaskConvolution", [act(prev, 128, 28)],
    [act(f"{p}/conv1/Conv_output_0", 256, 14), act(f"{p}/downsample/downsample.0/Conv_output_0", 256, 14)], 0.0503)
add(f"PWN({p}/relu/Relu)", "PointWiseV2", [act(f"{p}/conv1/Conv_output_0", 256, 14)],
    [act(f"{p}/relu/Relu_output_0", 256, 14)], 0.0062)
add(f"{p}/conv2/Conv + {p}/Add + {p}/relu_1/Relu", "CaskConvolution",
    [act(f"{p}/relu/Relu_output_0", 256, 14), act(f"{p}/downsample/downsample.0/Conv_output_0", 256, 14)],
    [act(f"{p}/relu_1/Relu_output_0", 256, 14)], 0.0688)
prev = f"{p}/relu_1/Relu_output_0"
p = "/layer3/layer3.1"
add(f"{p}/conv1/Conv + {p}/relu/Relu", "CaskConvolution", [act(prev, 256, 14)],
    [act(f"{p}/relu/Relu_output_0", 256, 14)], 0.0671)
add(f"{p}/conv2/Conv + {p}/Add + {p}/relu_1/Relu", "CaskConvolution",
    [act(f"{p}/relu/Relu_output_0", 256, 14), act(prev, 256, 14)],
    [act(f"{p}/relu_1/Relu_output_0", 256, 14)], 0.0694)
prev = f"{p}/relu_1/Relu_output_0"
# layer4: one Myelin region, named by its first and last node.
add("{ForeignNode[/layer4/layer4.0/conv1/Conv.../layer4/layer4.1/relu_1/Relu]}", "Myelin", [act(prev, 256, 14)],
    [act("/layer4/layer4.1/relu_1/Relu_output_0", 512, 7)], 0.2874)
add("/avgpool/GlobalAveragePool", "CaskPooling", [act("/layer4/layer4.1/relu_1/Relu_output_0", 512, 7)],
    [act("/avgpool/GlobalAveragePool_output_0", 512, 1)], 0.0075)
# The ONNX parser's own reshapes around a Gemm; one fused with the Flatten.
add("/Flatten + reshape_before_/fc/Gemm", "NoOp", [act("/avgpool/GlobalAveragePool_output_0", 512, 1)],
    [t("reshape_before_/fc/Gemm_out_tensor", [1, 512, 1, 1])], 0.0)
add("/fc/Gemm", "CaskGemmConvolution", [t("reshape_before_/fc/Gemm_out_tensor", [1, 512, 1, 1])],
    [t("/fc/Gemm_out_tensor", [1, 1000, 1, 1])], 0.0312)
add("(Unnamed Layer* 71) [Shuffle]", "Shuffle", [t("/fc/Gemm_out_tensor", [1, 1000, 1, 1])],
    [t("(Unnamed Layer* 71) [Shuffle]_output", [1, 1000, 1, 1])], 0.0041)
add("reshape_after_/fc/Gemm", "Shuffle", [t("(Unnamed Layer* 71) [Shuffle]_output", [1, 1000, 1, 1])],
    [t("output", [1, 1000], F32)], 0.0052)


def number(x):
    return ("%.6g" % x)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def main(out_dir):
    # Per-layer samples are not stored; average = median × 1.03 stands in for
    # the usual right skew of GPU timings, timeMs = average × count.
    total = sum(ms * 1.03 * RUNS for *_, ms in LAYERS)
    lines = ["[", '  { "count" : %d }' % RUNS]
    for name, _, _, _, ms in LAYERS:
        avg = ms * 1.03
        lines.append(', { "name" : "%s", "timeMs" : %s, "averageMs" : %s, "medianMs" : %s, "percentage" : %s }' %
                     (name, number(avg * RUNS), number(avg), number(ms), number(avg * RUNS / total * 100)))
    lines.append("]")
    write(os.path.join(out_dir, "resnet18.profile.json"), "\n".join(lines) + "\n")
    layers = []
    for i, (name, kind, inputs, outputs, _) in enumerate(LAYERS):
        layer = {"Name": name, "LayerType": kind, "Inputs": inputs, "Outputs": outputs}
        if kind == "Reformat":
            layer.update({"ParameterType": "Reformat", "Origin": "REFORMAT"})
        layer["TacticValue"] = "0x%016x" % (0x1000 + i)
        layers.append(layer)
    doc = {"Layers": layers, "Bindings": ["input", "output"]}
    write(os.path.join(out_dir, "resnet18.layers.json"), json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "trtexec"))
