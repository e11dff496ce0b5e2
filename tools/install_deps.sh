#!/usr/bin/env bash
# Installs the Debian packages dnnpart needs to build and test. Idempotent:
# when every package is already there it touches nothing (no apt-get update).
#   tools/install_deps.sh            build + test dependencies
#   tools/install_deps.sh --export   also python3-torch/torchvision/onnx for tools/export_models.py
set -euo pipefail

packages=(build-essential cmake libonnx-dev libprotobuf-dev protobuf-compiler libboost-graph-dev
          nlohmann-json3-dev libcli11-dev libspdlog-dev libgtest-dev libbenchmark-dev
          libonnx-testdata)
if [[ ${1:-} == --export ]]; then
  packages+=(python3-torch python3-torchvision python3-onnx)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
