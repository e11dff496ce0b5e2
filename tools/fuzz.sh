#!/usr/bin/env bash
# Bounded libFuzzer run over the input parsers (issue 13): builds the fuzz
# targets in the clang-14 ASan+UBSan tree build-san/ (tools/sanitized_tree.sh,
# shared with tools/sanitize.sh), seeds each from tests/data and platforms/
# (plus the kept findings in tests/data/fuzz/<target>/), and runs each for
# FUZZ_SECONDS (default 50). Exits non-zero on any finding; the crashing input
# is left in build-san/findings/<target>/ — fix the bug, then keep the input
# in tests/data/fuzz/<target>/ so every later run replays it.
#   tools/fuzz.sh [target...]     (default: all five)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-50}
targets=("$@")
((${#targets[@]})) || targets=(fuzz_onnx_loader fuzz_profiles fuzz_csv_import fuzz_system fuzz_trace_import)

bash tools/sanitized_tree.sh "${targets[@]}"

seeds_of() {
  case $1 in
    fuzz_onnx_loader) find tests/data -maxdepth 2 -name '*.onnx' -size -200k ;;
    fuzz_profiles) find tests/data/profiles tests/data/malformed platforms -name '*.json' ;;
    fuzz_csv_import) find tests/data -name '*.csv' -size -200k ;;
    fuzz_system) find platforms/systems tests/data/systems -name '*.json' ;;
    fuzz_trace_import) seed_traces ;;
  esac
}

# fuzz_trace_import's first byte picks the file an input replaces (see the
# target): each fixture becomes a seed with its selector byte in front.
seed_traces() {
  local dir=build-san/seeds/fuzz_trace_import i=0 f
  mkdir -p "$dir"
  for f in tests/data/ort/tiny_cnn.trace.json tests/data/ort/tiny_cnn.unfused.trace.json \
           tests/data/trtexec/resnet18.profile.json tests/data/trtexec/resnet18.layers.json; do
    { printf "\\$(printf '%03o' "$i")"; cat "$f"; } > "$dir/seed_$i.bin"
    echo "$dir/seed_$i.bin"
    i=$((i + 1))
  done
}

status=0
for target in "${targets[@]}"; do
  corpus=build-san/corpus/$target
  findings=build-san/findings/$target
  mkdir -p "$corpus" "$findings" "tests/data/fuzz/$target"
  seeds_of "$target" | while read -r f; do cp "$f" "$corpus/"; done
  cp tests/data/fuzz/"$target"/* "$corpus/" 2>/dev/null || true
  echo "fuzz.sh: $target for ${seconds}s ($(ls "$corpus" | wc -l) corpus files)"
  # The kept inputs (seeds and earlier findings) replayed once: a regression always fails.
  if ! ASAN_OPTIONS=detect_leaks=0 "build-san/tests/fuzz/$target" -runs=0 -rss_limit_mb=2048 -timeout=10 \
       "$corpus" > "build-san/$target.replay.log" 2>&1; then
    echo "fuzz.sh: $target FAILS ON A KEPT INPUT; log build-san/$target.replay.log" >&2
    tail -n 40 "build-san/$target.replay.log" >&2
    status=1
    continue
  fi
  # A dictionary of tokens (tests/fuzz/<target>.dict), when there is one.
  dict=()
  [[ -f tests/fuzz/$target.dict ]] && dict=(-dict="tests/fuzz/$target.dict")
  # -rss_limit_mb and -timeout turn memory blow-ups and hangs into findings too.
  if ! ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
       "build-san/tests/fuzz/$target" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" \
       > "build-san/$target.log" 2>&1; then
    echo "fuzz.sh: $target FOUND A PROBLEM; input in $findings/, log build-san/$target.log" >&2
    tail -n 40 "build-san/$target.log" >&2
    # FUZZ_NEW_FINDINGS=report (CI): a new finding is printed and kept for
    # fixing but does not fail the run; replaying kept inputs always does.
    [[ ${FUZZ_NEW_FINDINGS:-fail} == report ]] || status=1
  fi
  grep -a -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "build-san/$target.log" | sed "s/^/fuzz.sh: $target /"
done
exit $status
