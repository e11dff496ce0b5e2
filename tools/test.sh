#!/usr/bin/env bash
# The whole test suite on a fresh machine: install dependencies, build, run ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
tools/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
