#!/usr/bin/env bash
# The whole ctest suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (GCC, -DDNNPART_SANITIZE=ON) in build-asan/. Any report fails the run
# (UBSan does not recover). Prints the build and test times.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
start=$(date +%s)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDNNPART_SANITIZE=ON \
      -DCMAKE_CXX_FLAGS="-fno-sanitize-recover=undefined" -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
cmake --build build-asan -j "$jobs"
built=$(date +%s)
# Leak reports come from ONNX's registries and protobuf's arenas held until exit.
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
done_at=$(date +%s)
echo "sanitize.sh: build $((built - start)) s, ctest $((done_at - built)) s"
