#!/usr/bin/env bash
# Configures and builds dnnpart (Release) into build/. Incremental on reruns.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
