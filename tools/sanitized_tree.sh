#!/usr/bin/env bash
# Builds the given targets (default: all) into build-san/ with clang-14,
# AddressSanitizer and UndefinedBehaviorSanitizer (UBSan does not recover),
# -O1. One tree serves both tools/sanitize.sh (the whole ctest suite) and
# tools/fuzz.sh (the libFuzzer targets): everything is compiled with
# -fsanitize=fuzzer-no-link, whose coverage hooks are no-ops outside a fuzzer,
# so CI compiles the project with sanitizers once, not twice.
#   tools/sanitized_tree.sh [target...]      JOBS (default 2) sets -j.
set -euo pipefail
cd "$(dirname "$0")/.."
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
flags+=" -fno-omit-frame-pointer -gline-tables-only -O1"
cmake -S . -B build-san -DCMAKE_BUILD_TYPE=None \
      -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
      -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DDNNPART_BUILD_TESTS=ON -DDNNPART_BUILD_BENCH=OFF \
      -DDNNPART_BUILD_FUZZ=ON >/dev/null
# The build runs the test binary to list its tests (gtest_discover_tests);
# leak checking would fail that listing (see tools/sanitize.sh).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
if (($#)); then
  cmake --build build-san -j "${JOBS:-2}" --target "$@"
else
  cmake --build build-san -j "${JOBS:-2}"
fi
