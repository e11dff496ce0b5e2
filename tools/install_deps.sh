#!/usr/bin/env bash
# Installs the Debian packages dnnpart needs to build and test. Idempotent:
# when every package is already there it touches nothing (no apt-get update).
#   tools/install_deps.sh            build + test dependencies, and ONNX Runtime
#                                    for the ort_shapes test (tools/ort/node_modules)
#   tools/install_deps.sh --export   also python3-torch/torchvision/onnx for tools/export_models.py
#   tools/install_deps.sh --bench    also libyaml-cpp-dev, to build PipeEdge's scheduler for
#                                    tools/bench_pipeedge.sh
set -euo pipefail

packages=(build-essential cmake libonnx-dev libprotobuf-dev protobuf-compiler libboost-graph-dev
          nlohmann-json3-dev libcli11-dev libspdlog-dev libgtest-dev libbenchmark-dev
          libonnx-testdata)
if [[ ${1:-} == --export ]]; then
  packages+=(python3-torch python3-torchvision python3-onnx)
fi
if [[ ${1:-} == --bench ]]; then
  packages+=(libyaml-cpp-dev)
fi
# tools/fuzz.sh builds the libFuzzer targets with clang-14.
packages+=(clang-14 libclang-rt-14-dev)
# tools/check_shapes_ort.sh (ctest ort_shapes) runs python3-onnx and node.
packages+=(python3-onnx)
# tools/pipeedge_to_dnnpart.py (ctest pipeedge_convert) reads YAML.
packages+=(python3-yaml)
# tools/check_html_report.sh (ctest html_report) and tools/check_dot.sh (ctest dot_render).
packages+=(chromium graphviz)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#packages[@]} packages present"
else
  echo "install_deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime for the shape oracle, pinned by tools/ort/package-lock.json.
# --ignore-scripts: the package's install script downloads from a host CI
# cannot reach; the CPU binary it needs is already in the npm tarball.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -d $root/tools/ort/node_modules/onnxruntime-node ]]; then
  echo "install_deps: onnxruntime-node present in tools/ort/node_modules"
else
  echo "install_deps: npm install --ignore-scripts --prefix tools/ort"
  npm install --ignore-scripts --no-audit --no-fund --prefix "$root/tools/ort"
fi
