#!/usr/bin/env bash
# The whole ctest suite under AddressSanitizer and UndefinedBehaviorSanitizer:
# builds everything in build-san/ with clang-14 at -O1 (tools/sanitized_tree.sh,
# the tree tools/fuzz.sh also uses) and runs every ctest entry there; the CLI
# tests run build-san's dnnpart. Any sanitizer report ends the process with exit
# 86 (UBSan does not recover), which fails its test. Prints the build and test
# times. docs/reliability.md records the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
start=$(date +%s)
bash tools/sanitized_tree.sh
built=$(date +%s)
# Leak checking is off: ONNX's operator-schema registries and protobuf's
# descriptor pools are held until exit by design, and the CLI keeps its loaded
# model to the end on purpose (src/cli/common.cc). A report exits with 86, not
# the sanitizers' default 1, which the CLI tests would take for a refused input.
export ASAN_OPTIONS=detect_leaks=0:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86
ctest --test-dir build-san --output-on-failure -j "$jobs"
done_at=$(date +%s)
echo "sanitize.sh: build $((built - start)) s, ctest $((done_at - built)) s"
