#!/usr/bin/env bash
# Bounded libFuzzer run over the input parsers (issue 13): builds the fuzz
# targets with clang-14 and ASan+UBSan into build-fuzz/, seeds each from
# tests/data (plus the kept findings in tests/data/fuzz/<target>/), and runs
# each for FUZZ_SECONDS (default 50). Exits non-zero on any finding; the
# crashing input is left in build-fuzz/findings/<target>/ — fix the bug, then
# keep the input in tests/data/fuzz/<target>/ so every later run replays it.
#   tools/fuzz.sh [target...]     (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-50}
targets=("$@")
((${#targets[@]})) || targets=(fuzz_onnx_loader fuzz_profiles fuzz_csv_import)

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
      -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DDNNPART_BUILD_TESTS=OFF -DDNNPART_BUILD_BENCH=OFF \
      -DDNNPART_BUILD_FUZZ=ON >/dev/null
cmake --build build-fuzz -j 2 --target "${targets[@]}"

seeds_of() {
  case $1 in
    fuzz_onnx_loader) find tests/data -maxdepth 2 -name '*.onnx' -size -200k ;;
    fuzz_profiles) find tests/data/profiles tests/data/malformed platforms -name '*.json' ;;
    fuzz_csv_import) find tests/data -name '*.csv' -size -200k ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$target
  findings=build-fuzz/findings/$target
  mkdir -p "$corpus" "$findings" "tests/data/fuzz/$target"
  seeds_of "$target" | while read -r f; do cp "$f" "$corpus/"; done
  cp tests/data/fuzz/"$target"/* "$corpus/" 2>/dev/null || true
  echo "fuzz.sh: $target for ${seconds}s ($(ls "$corpus" | wc -l) corpus files)"
  # -rss_limit_mb and -timeout turn memory blow-ups and hangs into findings too.
  if ! ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
       "build-fuzz/tests/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" \
       > "build-fuzz/$target.log" 2>&1; then
    echo "fuzz.sh: $target FOUND A PROBLEM; input in $findings/, log build-fuzz/$target.log" >&2
    tail -n 40 "build-fuzz/$target.log" >&2
    status=1
  fi
  grep -a -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "build-fuzz/$target.log" | sed "s/^/fuzz.sh: $target /"
done
exit $status
