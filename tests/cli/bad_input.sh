#!/usr/bin/env bash
# Bad input must give exactly one line on stderr naming the file and the fault,
# exit code 1, nothing on stdout, and never a crash or an internal error.
set -u
: "${DNNPART:?set DNNPART to the dnnpart binary}"
failures=0
passed=0

expect_bad() {
  local fault=$1
  shift
  local out err code
  out=$(mktemp)
  err=$(mktemp)
  timeout 20 "$DNNPART" "$@" >"$out" 2>"$err"
  code=$?
  local lines
  lines=$(wc -l <"$err")
  if [[ $code -ne 1 ]]; then
    echo "FAIL [$*]: exit $code (want 1): $(cat "$err")"
    failures=$((failures + 1))
  elif [[ $lines -ne 1 ]]; then
    echo "FAIL [$*]: $lines lines on stderr (want 1): $(cat "$err")"
    failures=$((failures + 1))
  elif ! grep -qF -- "$fault" "$err"; then
    echo "FAIL [$*]: stderr lacks '$fault': $(cat "$err")"
    failures=$((failures + 1))
  elif grep -q "internal error" "$err" || [[ -s $out ]]; then
    echo "FAIL [$*]: internal error or stdout output: $(cat "$err")"
    failures=$((failures + 1))
  else
    passed=$((passed + 1))
  fi
  rm -f "$out" "$err"
}

d=tests/data
for command in cuts inspect; do
  expect_bad "$d/missing.onnx: cannot open" $command $d/missing.onnx
  expect_bad "$d/empty.onnx: the file is empty" $command $d/empty.onnx
  expect_bad "$d/random_bytes.onnx: not a valid ONNX model" $command $d/random_bytes.onnx
  expect_bad "$d/truncated.onnx: not a valid ONNX model" $command $d/truncated.onnx
  expect_bad "$d/cyclic.onnx: the graph has a cycle through node" $command $d/cyclic.onnx
  expect_bad "$d/dangling_input.onnx: node 'add' reads tensor 'ghost'" $command $d/dangling_input.onnx
  expect_bad "$d/symbolic_dims.onnx: graph input 'input' has the symbolic dimension 'N'" $command $d/symbolic_dims.onnx
  expect_bad "$d/external_escape.onnx: initializer" $command $d/external_escape.onnx
  expect_bad "$d/external_absolute.onnx: initializer" $command $d/external_absolute.onnx
  expect_bad "is a directory" $command $d
done
expect_bad "not a graph input" cuts $d/symbolic_dims.onnx --input-shape nope=1x3x8x8
expect_bad "--input-shape" cuts $d/symbolic_dims.onnx --input-shape input=1xAx8x8
expect_bad "--max-cut-tensors" cuts $d/tiny_residual.onnx --max-cut-tensors 0
expect_bad "--format" cuts $d/tiny_residual.onnx --format xml
expect_bad "model is required" cuts

echo "bad input: $passed passed, $failures failed"
[[ $failures -eq 0 ]]
