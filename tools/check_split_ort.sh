#!/usr/bin/env bash
# Splits bundled models into stage models and checks in ONNX Runtime that the
# chained stages compute what the whole model computes (docs/split.md).
#
#   tools/check_split_ort.sh
#
# Env: DNNPART   dnnpart binary (default: build/dnnpart)
#      PYTHON    python with the onnx module (default: /usr/bin/python3)
#      NODE      node binary (default: node)
#      KEEP_TMP  set to 1 to keep the files
#
# For each model, tools/ort_prepare.py --no-outputs writes a copy with random
# weights inline; `dnnpart split` splits the copy per case (cut ids as
# `dnnpart cuts` numbers them, or a plan from `dnnpart plan`), and
# tools/run_split.mjs compares the outputs on random inputs (max abs
# difference <= 1e-4 x max magnitude; 1e-2 for a case that casts to float16 on
# the wire, --insert-casts). At least one case must pass a tensor
# through a stage. Exit 0 when every case passed, 1 otherwise, 2 on missing tools.
set -uo pipefail

tool=check_split_ort
# shellcheck source=tools/ort_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/ort_env.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_split_ort.XXXXXX")
if [[ ${KEEP_TMP:-0} == 1 ]]; then
  echo "check_split_ort: keeping files in $tmp" >&2
else
  trap 'rm -rf "$tmp"' EXIT
fi

failures=0
passes=0
pass_through_cases=0

prepare() {
  local model=$1
  "$python" "$root/tools/ort_prepare.py" "$root/models/$model.onnx" "$tmp/$model.onnx" --no-outputs 2>/dev/null ||
    { echo "FAIL $model: ort_prepare.py failed"; failures=$((failures + 1)); return 1; }
}

# run_case NAME MODEL DNNPART-ARGS...: `dnnpart split` (or `plan --emit`) then run_split.mjs.
run_case() {
  local name=$1 model=$2
  shift 2
  local out="$tmp/$name"
  local args=("$@")
  if ! "$dnnpart" -q "${args[@]/@OUT@/$out}" >"$tmp/$name.stdout" 2>"$tmp/$name.err"; then
    echo "FAIL $name: dnnpart: $(head -c 400 "$tmp/$name.err")"
    failures=$((failures + 1))
    return
  fi
  local result
  result=$("$node" "$root/tools/run_split.mjs" "$out" --model "$tmp/$model.onnx" --runs 2 \
    --tolerance "${tolerance:-1e-4}" 2>&1)
  local code=$?
  local stages
  stages=$(grep -o '"stages": [0-9]*' <<<"$result" | grep -o '[0-9]*$')
  if [[ $code -ne 0 ]]; then
    echo "FAIL $name: run_split exit $code: $result"
    failures=$((failures + 1))
    return
  fi
  if grep -q '"passed_through": true' "$out/manifest.json"; then pass_through_cases=$((pass_through_cases + 1)); fi
  echo "ok   $name ($stages stages): $(tr -d '\n' <<<"$result" | sed 's/.*"outputs": {//; s/}}$//')"
  passes=$((passes + 1))
}

start=$SECONDS
for model in resnet18 efficientnet_b0 googlenet squeezenet1_1_full bert_tiny_encoder; do
  prepare "$model" || continue
done

run_case resnet18_k1_2stages resnet18 split "$tmp/resnet18.onnx" --cuts 10 -o @OUT@
run_case resnet18_k1_3stages resnet18 split "$tmp/resnet18.onnx" --cuts 5,15 -o @OUT@
run_case resnet18_k2_skip resnet18 split "$tmp/resnet18.onnx" --cuts 3,5 --max-cut-tensors 2 -o @OUT@
# Pi 5 + Jetson Nano: the Pareto plans cut ResNet-18 into two stages.
platforms=("$root/platforms/raspberry_pi_5.json" "$root/platforms/jetson_nano_4gb.json")
"$dnnpart" -q plan "$tmp/resnet18.onnx" --platforms "${platforms[@]}" --max-cut-tensors 2 --format json \
  >"$tmp/resnet18_plan.json"
run_case resnet18_plan_pick1 resnet18 split "$tmp/resnet18.onnx" --plan "$tmp/resnet18_plan.json" --pick 1 -o @OUT@
# int8 on the wire: the same plan with the Pi sending int8; the ranges come
# from tools/calibrate.mjs on the float split above; quantization error stays
# below 2e-2 of the output's magnitude.
sed 's/"data_type": "float32"/"data_type": "int8"/' "$tmp/resnet18_plan.json" >"$tmp/resnet18_plan_int8.json"
"$node" "$root/tools/calibrate.mjs" "$tmp/resnet18_plan_pick1" --model "$tmp/resnet18.onnx" --runs 2 \
  >"$tmp/resnet18_calibration.json"
tolerance=2e-2 run_case resnet18_plan_int8_quantized resnet18 split "$tmp/resnet18.onnx" \
  --plan "$tmp/resnet18_plan_int8.json" --pick 1 --insert-casts --calibration-input "$tmp/resnet18_calibration.json" -o @OUT@
if ! grep -q '"quantization"' "$tmp/resnet18_plan_int8_quantized/manifest.json" 2>/dev/null; then
  echo "FAIL resnet18_plan_int8_quantized: no quantization in the manifest"
  failures=$((failures + 1))
fi
run_case resnet18_plan_emit resnet18 plan "$tmp/resnet18.onnx" --platforms "${platforms[@]}" --max-cut-tensors 2 \
  --format json --emit @OUT@
# Jetson Nano first: it sends float16 (its data_type); --insert-casts makes the
# stages cast at the boundary, so the outputs differ by float16 rounding.
"$dnnpart" -q plan "$tmp/resnet18.onnx" --platforms "${platforms[1]}" "${platforms[0]}" --max-cut-tensors 2 \
  --format json >"$tmp/resnet18_plan_f16.json"
tolerance=1e-2 run_case resnet18_plan_float16_casts resnet18 split "$tmp/resnet18.onnx" \
  --plan "$tmp/resnet18_plan_f16.json" --pick 0 --insert-casts -o @OUT@
if ! grep -q '"cast_from": "float32"' "$tmp/resnet18_plan_float16_casts/manifest.json" 2>/dev/null; then
  echo "FAIL resnet18_plan_float16_casts: no cast in the manifest"
  failures=$((failures + 1))
fi
# Weights in an existing external data file: each stage gets its own.
"$python" -c 'import onnx, sys
onnx.save_model(onnx.load(sys.argv[1]), sys.argv[2], save_as_external_data=True, location="resnet18_ext.data")' \
  "$tmp/resnet18.onnx" "$tmp/resnet18_ext.onnx"
run_case resnet18_external_weights resnet18_ext split "$tmp/resnet18_ext.onnx" --cuts 5,15 -o @OUT@
if ! grep -q '"weights": "external"' "$tmp/resnet18_external_weights/manifest.json" 2>/dev/null; then
  echo "FAIL resnet18_external_weights: the manifest does not say \"weights\": \"external\""
  failures=$((failures + 1))
fi
run_case efficientnet_b0_k1_2stages efficientnet_b0 split "$tmp/efficientnet_b0.onnx" --cuts 20 -o @OUT@
run_case efficientnet_b0_k1_3stages efficientnet_b0 split "$tmp/efficientnet_b0.onnx" --cuts 10,40 -o @OUT@
run_case googlenet_k1_2stages googlenet split "$tmp/googlenet.onnx" --cuts 10 -o @OUT@
run_case googlenet_k2_multi googlenet split "$tmp/googlenet.onnx" --cuts 12 --max-cut-tensors 2 -o @OUT@
run_case googlenet_k2_3stages googlenet split "$tmp/googlenet.onnx" --cuts 8,12 --max-cut-tensors 2 -o @OUT@
run_case squeezenet_k1_2stages squeezenet1_1_full split "$tmp/squeezenet1_1_full.onnx" --cuts 15 -o @OUT@
run_case squeezenet_k2_3stages squeezenet1_1_full split "$tmp/squeezenet1_1_full.onnx" --cuts 6,20 --max-cut-tensors 2 -o @OUT@
run_case bert_tiny_k1_2stages bert_tiny_encoder split "$tmp/bert_tiny_encoder.onnx" --cuts 6 -o @OUT@
run_case bert_tiny_k2_3stages bert_tiny_encoder split "$tmp/bert_tiny_encoder.onnx" --cuts 3,100 --max-cut-tensors 2 -o @OUT@

# expect_cli NAME CODE PATTERN CMD...: CMD must exit CODE with PATTERN on its last line.
expect_cli() {
  local name=$1 want=$2 pattern=$3
  shift 3
  local output code
  output=$("$@" 2>&1)
  code=$?
  if [[ $code -ne $want ]] || ! tail -n 1 <<<"$output" | grep -qE -- "$pattern"; then
    echo "FAIL $name: exit $code (want $want), last line not /$pattern/: $(tail -c 400 <<<"$output")"
    failures=$((failures + 1))
  else
    echo "ok   $name: $(tail -n 1 <<<"$output")"
    passes=$((passes + 1))
  fi
}

# `dnnpart verify` runs run_split.mjs (found next to the binary: build/../tools).
expect_cli verify_match 0 '^match: 3 stage' "$dnnpart" -q verify "$tmp/resnet18_k1_3stages" --model "$tmp/resnet18.onnx"
# float16 on the wire differs by about 2e-4 of the magnitude: a mismatch at the default 1e-4, a match at 1e-2.
expect_cli verify_mismatch 4 '^MISMATCH: 2 stage' "$dnnpart" -q verify "$tmp/resnet18_plan_float16_casts" \
  --model "$tmp/resnet18.onnx"
expect_cli verify_tolerance 0 '^match: 2 stage' "$dnnpart" -q verify "$tmp/resnet18_plan_float16_casts" \
  --model "$tmp/resnet18.onnx" --tolerance 1e-2 --runs 2
expect_cli verify_no_node 1 "cannot run '/nonexistent/node'" env DNNPART_NODE=/nonexistent/node "$dnnpart" -q verify \
  "$tmp/resnet18_k1_3stages" --model "$tmp/resnet18.onnx"
# tools/agreement.mjs: the last line is the top-1 agreement; an exact split agrees fully.
expect_cli agreement_exact 0 '^1$' "$node" "$root/tools/agreement.mjs" "$tmp/resnet18_k1_3stages" \
  --model "$tmp/resnet18.onnx" --runs 2
# plan --accuracy-cmd on the tiny fixture (weights inline): every Pareto plan is scored.
cp "$root/tests/data/tiny_residual.onnx" "$tmp/tiny_residual.onnx"
"$dnnpart" -q plan "$tmp/tiny_residual.onnx" --platforms "$root/tests/data/profiles/good_a.json" \
  "$root/tests/data/profiles/good_b.json" --format json --min-accuracy 0.99 \
  --accuracy-cmd "$node $root/tools/agreement.mjs {dir} --runs 2" >"$tmp/tiny_accuracy.json" 2>"$tmp/tiny_accuracy.err"
accuracy_code=$?
scored=$(grep -c '"accuracy": 1' "$tmp/tiny_accuracy.json")
if [[ $accuracy_code -ne 0 || $scored -lt 2 ]]; then
  echo "FAIL plan_accuracy_cmd: exit $accuracy_code, $scored plans with accuracy 1: $(head -c 400 "$tmp/tiny_accuracy.err")"
  failures=$((failures + 1))
else
  echo "ok   plan_accuracy_cmd: $scored plan entries with accuracy 1"
  passes=$((passes + 1))
fi

if ((pass_through_cases == 0)); then
  echo "FAIL no case passed a tensor through a stage"
  failures=$((failures + 1))
fi
echo "check_split_ort: $passes passed, $failures failed, $pass_through_cases with pass-through, $((SECONDS - start)) s"
((failures == 0))
