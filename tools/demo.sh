#!/usr/bin/env bash
# The main job on a bundled network: install dependencies, build, then plan
# EfficientNet-B0 over bundled platforms and show where it can be cut.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
tools/build.sh
model=${1:-models/efficientnet_b0.onnx}
echo
echo "== dnnpart plan $model over a Jetson Orin Nano and a Raspberry Pi 5 (Gigabit Ethernet), 30 fps target"
build/dnnpart plan "$model" --platforms platforms/raspberry_pi_5.json platforms/jetson_orin_nano_8gb.json \
  --link platforms/ethernet_1g.json --input-fps 30 --any-order --format table
echo
echo "== dnnpart cuts $model --max-cut-tensors 2 (first 15 rows)"
# Keep the whole table, then print its head: `| head` would end dnnpart with
# SIGPIPE and, under pipefail, the script with 141.
cuts_table=$(build/dnnpart cuts "$model" --max-cut-tensors 2 --format table)
sed -n 1,17p <<<"$cuts_table"
