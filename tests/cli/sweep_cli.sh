#!/usr/bin/env bash
# `dnnpart sweep` end to end: rows and summary against golden files, the same
# rows with -j 1 and in JSON lines, --resume after a cut-off file (with a
# partial last line), refusing to overwrite, gates (exit 4, naming the case).
# UPDATE_GOLDEN=1 rewrites the golden files.
set -u
: "${DNNPART:?set DNNPART to the dnnpart binary}"
golden=tests/cli/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
sweep() {
  "$DNNPART" -q sweep --models tests/data/tiny_residual.onnx tests/data/split_concat.onnx \
    --platform-sets tests/data/sweep/sets.json --bandwidths 8M,800M --max-cut-tensors 1,2 "$@"
}
compare() {  # golden file, actual file
  if [[ ${UPDATE_GOLDEN:-0} == 1 ]]; then cp "$2" "$golden/$1"; fi
  diff -u "$golden/$1" "$2" >"$tmp/diff" || { fail "$1 differs"; head -30 "$tmp/diff"; }
}

sweep -j 2 --out "$tmp/all.csv" >"$tmp/summary.out" || fail "sweep exit $?"
compare sweep_tiny.csv "$tmp/all.csv"
compare sweep_tiny_summary.out "$tmp/summary.out"
[[ $(wc -l <"$tmp/all.csv") -eq 17 ]] || fail "expected a header and 16 rows"

# System files as sets (a folder of them), at two bandwidths: every medium of
# the system at the case's bandwidth, the system's own input rate.
"$DNNPART" -q sweep --models models/resnet18.onnx --systems platforms/systems --bandwidths 100M,1G \
  --out "$tmp/systems.csv" >/dev/null || fail "sweep --systems exit $?"
compare sweep_systems.csv "$tmp/systems.csv"
[[ $(wc -l <"$tmp/systems.csv") -eq 7 ]] || fail "expected a header and 6 system rows"

sweep -j 1 --out "$tmp/one.csv" >/dev/null || fail "sweep -j 1 exit $?"
cmp -s "$tmp/all.csv" "$tmp/one.csv" || fail "-j 1 and -j 2 rows differ"

sweep --out "$tmp/all.jsonl" >/dev/null || fail "sweep jsonl exit $?"
[[ $(wc -l <"$tmp/all.jsonl") -eq 16 ]] || fail "expected 16 JSON lines"
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/all.jsonl" || fail "invalid JSON lines"
fi

# An interrupted run: 5 rows and half of the 6th. --resume completes it.
head -n 6 "$tmp/all.csv" >"$tmp/part.csv"
printf '5,tests/data/tin' >>"$tmp/part.csv"
sweep -j 2 --out "$tmp/part.csv" --resume >/dev/null || fail "--resume exit $?"
cmp -s "$tmp/all.csv" "$tmp/part.csv" || fail "--resume did not give the full file"
head -n 4 "$tmp/all.jsonl" >"$tmp/part.jsonl"
sweep --out "$tmp/part.jsonl" --resume >/dev/null || fail "--resume jsonl exit $?"
cmp -s "$tmp/all.jsonl" "$tmp/part.jsonl" || fail "--resume (jsonl) did not give the full file"

# A file from another sweep is not continued.
"$DNNPART" -q sweep --models tests/data/tiny_residual.onnx --platform-sets tests/data/sweep/sets.json \
  --bandwidths 1G --out "$tmp/part.csv" --resume >/dev/null 2>"$tmp/err"
code=$?
[[ $code -eq 1 ]] && grep -q -- "--resume needs the same flags" "$tmp/err" || fail "foreign --resume: exit $code: $(cat "$tmp/err")"

# Never overwrite without --force.
sweep --out "$tmp/all.csv" >/dev/null 2>"$tmp/err"
code=$?
[[ $code -eq 1 ]] && grep -q "exists" "$tmp/err" || fail "overwrite: exit $code: $(cat "$tmp/err")"

# Gates: exit 4, every failing case named.
sweep --out "$tmp/gate.csv" --min-fps 1e9 >/dev/null 2>"$tmp/err"
code=$?
[[ $code -eq 4 ]] || fail "gate: exit $code, expected 4"
[[ $(grep -c "gate failed: case" "$tmp/err") -eq 16 ]] || fail "gate: expected 16 named cases: $(head -3 "$tmp/err")"
grep -q "gate failed: case 3 (tests/data/tiny_residual.onnx|good_a+good_b|1e+08|2|-): .* fps < --min-fps 1e+09" \
  "$tmp/err" || fail "gate message: $(head -3 "$tmp/err")"

if ((failures > 0)); then
  echo "cli_sweep: $failures failure(s)"
  exit 1
fi
echo "cli_sweep: ok"
