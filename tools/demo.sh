#!/usr/bin/env bash
# The main job on a bundled network: install dependencies, build, then list
# every place EfficientNet-B0 can be cut (one and two crossing tensors).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
tools/build.sh
model=${1:-models/efficientnet_b0.onnx}
echo
echo "== dnnpart cuts $model (single-tensor cuts)"
build/dnnpart cuts "$model" --format table
echo
echo "== dnnpart cuts $model --max-cut-tensors 2 (first 15 rows)"
build/dnnpart cuts "$model" --max-cut-tensors 2 --format table | head -17
