#!/usr/bin/env bash
# Compares PipeEdge's scheduler with `dnnpart plan --best-only` on the table of
# docs/benchmarks.md ("PipeEdge's scheduler"): builds sched-pipeline from a
# local checkout of PipeEdge's public source (src-native/, with Debian's
# libyaml-cpp-dev: tools/install_deps.sh --bench), builds dnnpart, and prints
# the Markdown table of tools/bench/pipeedge_compare.py.
#   tools/bench_pipeedge.sh PIPEEDGE_DIR [--timeout S] [--sizes 50x4,200x8,...]
set -euo pipefail
if [[ $# -lt 1 || ! -f $1/src-native/sched-pipeline.cpp ]]; then
  echo "usage: tools/bench_pipeedge.sh PIPEEDGE_DIR [--timeout S] [--sizes LxD,...]" >&2
  echo "  PIPEEDGE_DIR: a checkout of usc-isi/PipeEdge (src-native/sched-pipeline.cpp)" >&2
  exit 1
fi
pipeedge=$(cd "$1" && pwd)
shift
cd "$(dirname "$0")/.."
if ! dpkg-query -W -f='${Status}' libyaml-cpp-dev 2>/dev/null | grep -q "install ok installed"; then
  echo "bench_pipeedge: libyaml-cpp-dev is missing; run tools/install_deps.sh --bench" >&2
  exit 1
fi
build=build/pipeedge
cmake -S "$pipeedge/src-native" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target sched-pipeline -j "$(nproc)" >/dev/null
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target dnnpart -j "$(nproc)" >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%Y-%m-%d)"
echo "dnnpart: $(git rev-parse --short HEAD); PipeEdge: $pipeedge"
echo
/usr/bin/python3 tools/bench/pipeedge_compare.py table "$build/sched-pipeline" build/dnnpart "$@"
