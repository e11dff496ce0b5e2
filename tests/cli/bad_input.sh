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
  expect_bad "$d/opset_negative.onnx: opset_import: the default ONNX operator set has version -1" $command $d/opset_negative.onnx
  expect_bad "$d/cycle_two_nodes.onnx: the graph has a cycle through node 'add'" $command $d/cycle_two_nodes.onnx
  expect_bad "$d/reshape_count_mismatch.onnx: node 'reshape' (Reshape): input 'r' 2x3 has 6 elements but output 'y' 7x5 has 35" $command $d/reshape_count_mismatch.onnx
  expect_bad "$d/dangling_input.onnx: node 'add' reads tensor 'ghost'" $command $d/dangling_input.onnx
  expect_bad "$d/symbolic_dims.onnx: graph input 'input' has the symbolic dimension 'N'" $command $d/symbolic_dims.onnx
  expect_bad "$d/external_escape.onnx: initializer" $command $d/external_escape.onnx
  expect_bad "$d/external_absolute.onnx: initializer" $command $d/external_absolute.onnx
  expect_bad "is a directory" $command $d
  expect_bad "$d/conflicting_value_info.onnx: node 'c1' (Conv): ONNX shape inference gives output 'c1_out' FLOAT [1x8x16x16], but the model declares FLOAT [1x8x8x8]" $command $d/conflicting_value_info.onnx
  expect_bad "$d/zero_stride.onnx: node 'c1' (Conv): attribute 'strides' holds 0" $command $d/zero_stride.onnx
done
expect_bad "not a graph input" cuts $d/symbolic_dims.onnx --input-shape nope=1x3x8x8
expect_bad "--input-shape" cuts $d/symbolic_dims.onnx --input-shape input=1xAx8x8
expect_bad "$d/unknown_op.onnx: cannot determine a static shape for tensor 'mystery_out'" cuts $d/unknown_op.onnx
expect_bad "--tensor-shape names 'ghost'" cuts $d/unknown_op.onnx --tensor-shape ghost=1x2
expect_bad "--tensor-shape 'mystery_out' is not of the form NAME=AxBx..." cuts $d/unknown_op.onnx --tensor-shape mystery_out
expect_bad "--input-value cond: 'yes' is not a finite number" cuts $d/if_branch.onnx --input-value cond=yes
expect_bad "--input-value cond: 'nan' is not a finite number" cuts $d/if_branch.onnx --input-value cond=nan
expect_bad "--input-value: graph input 'cond': value 3.000000 is not an integer" cuts $d/if_branch.onnx --input-value cond=3
expect_bad "--input-value names 'sr', which is not a graph input" cuts $d/if_branch.onnx --input-value sr=16000
expect_bad "--max-cut-tensors" cuts $d/tiny_residual.onnx --max-cut-tensors 0
expect_bad "--format" cuts $d/tiny_residual.onnx --format xml
expect_bad "model is required" cuts

# Planning: profiles with missing, negative or wrongly typed fields, no
# platforms, a link that cannot carry anything, a platform without a link.
p=tests/data/profiles
m=$d/tiny_residual.onnx
expect_bad "$p/bad_missing_field.json: /memory/capacity_bytes: required field is missing" plan $m --platforms $p/bad_missing_field.json
expect_bad "$p/bad_negative.json: /compute/peak_macs_per_s/float32: must be positive" plan $m --platforms $p/bad_negative.json
expect_bad "$p/bad_wrong_type.json: /memory/bandwidth_bytes_per_s: must be a number" plan $m --platforms $p/bad_wrong_type.json
expect_bad "$p/bad_efficiency.json: /compute/efficiency/default" plan $m --platforms $p/bad_efficiency.json
expect_bad "$p/bad_data_type.json: /compute/data_type" plan $m --platforms $p/bad_data_type.json
expect_bad "$p/bad_not_json.json: not valid JSON" plan $m --platforms $p/bad_not_json.json
expect_bad "$p/bad_kind.json: /kind" plan $m --platforms $p/bad_kind.json
expect_bad "$p/bad_fused_twice.json: /layers/fused_groups/1/1: node 'c2' is already in fused group 0" plan $m --platforms $p/bad_fused_twice.json
expect_bad "$p/link_zero_bandwidth.json: /bandwidth_bytes_per_s: must be positive" plan $m --platforms $p/good_a.json $p/good_b.json --link $p/link_zero_bandwidth.json
expect_bad "$p/no_link.json: no link leaves platform 'test_a'" plan $m --platforms $p/no_link.json $p/good_b.json
# Issue 13: non-finite or zero numeric flags, a FIFO as a profile, 1e309.
for flag in --fps --max-latency-ms --min-fps --max-energy-mj; do
  expect_bad "$flag: must be a finite number above 0, got 'nan'" plan $m --platforms $p/good_a.json $flag nan
done
expect_bad "--fps: must be a finite number above 0, got '0'" plan $m --platforms $p/good_a.json --fps 0
fifo=$(mktemp -u "${TMPDIR:-/tmp}/dnnpart_fifo.XXXXXX")
mkfifo "$fifo"
expect_bad "$fifo: is a FIFO (named pipe), not a JSON profile" plan $m --platforms "$fifo"
rm -f "$fifo"
mal=tests/data/malformed
expect_bad "$mal/platform_number_overflow.json: not valid JSON at /power/active_w" plan $m --platforms $mal/platform_number_overflow.json
expect_bad "$mal/function_recursive.onnx: model-local function 'f'" cuts $mal/function_recursive.onnx
expect_bad "$p/missing.json: cannot open" plan $m --platforms $p/missing.json
expect_bad "give --platforms a.json [b.json ...] or --system system.json" plan $m
expect_bad "--platforms excludes --system" plan $m --system platforms/systems/pi4_coral_jetson.json --platforms $p/good_a.json
expect_bad "--system excludes --any-order" plan $m --system platforms/systems/pi4_coral_jetson.json --any-order
expect_bad "$d/missing_system.json: cannot open" plan $m --system $d/missing_system.json
expect_bad "--input-dtype: unknown data type 'uint9'" plan $m --platforms $p/good_a.json --input-dtype uint9
expect_bad "--sensitivity works with --platforms only" plan $m --system platforms/systems/pi4_coral_jetson.json \
  --sensitivity bandwidth
moved_dir=$(mktemp -d)
cp $p/good_b.json "$moved_dir/"
expect_bad "$moved_dir/good_b.json: /default_link: $moved_dir/link_fast.json: cannot open" \
  plan $m --platforms $p/good_a.json "$moved_dir/good_b.json"
rm -rf "$moved_dir"
expect_bad "--link was given 3 times for 2 platforms" plan $m --platforms $p/good_a.json $p/good_b.json --link $p/link_fast.json $p/link_fast.json $p/link_fast.json
expect_bad "--objective" plan $m --platforms $p/good_a.json --objective speed
expect_bad "--fps" plan $m --platforms $p/good_a.json --fps -5
expect_bad "--max-latency-ms" plan $m --platforms $p/good_a.json --max-latency-ms abc

# Warnings, not errors: unknown keys, table rows naming nodes the model lacks.
expect_warning() {
  local warning=$1
  shift
  local err code
  err=$(timeout 20 "$DNNPART" "$@" 2>&1 >/dev/null)
  code=$?
  if [[ $code -eq 0 ]] && grep -qF -- "$warning" <<<"$err"; then
    passed=$((passed + 1))
  else
    echo "FAIL [$*]: exit $code, stderr lacks '$warning': $err"
    failures=$((failures + 1))
  fi
}
expect_warning "--fps is deprecated: it now means --input-fps" plan $m --platforms $p/good_a.json --fps 30
expect_warning "$p/unknown_keys.json: unknown key /colour (ignored)" plan $m --platforms $p/unknown_keys.json --format json
expect_warning "$p/unknown_keys.json: unknown key /compute/turbo (ignored)" plan $m --platforms $p/unknown_keys.json --format json
expect_warning "$p/table_unknown_nodes.json: 2 layer table entries name no layer of the model" \
  plan $m --platforms $p/table_unknown_nodes.json --format json

# Never overwrite a user's file without being asked.
tmp_profile=$(mktemp)
expect_bad "already exists; pass --force" profile import tests/data/cnnparted/efficientnet_simba_like_convlayers.csv \
  --into platforms/simba_like.json -o "$tmp_profile"
expect_bad "no column 'Latenz'" profile import tests/data/cnnparted/efficientnet_simba_like_convlayers.csv \
  --into platforms/simba_like.json --latency-column Latenz
rm -f "$tmp_profile"

# profile import hardening (issues 10, 11, 13): folders, devices, bad numbers.
csv=tests/data/cnnparted/efficientnet_simba_like_convlayers.csv
expect_bad "tests/data: is a directory, not a CSV table" profile import tests/data --into platforms/simba_like.json
expect_bad "tests/data: is a directory, not a JSON profile" profile import $csv --into tests/data
expect_bad "/dev/full: exists and is not a regular file" profile import $csv --into platforms/simba_like.json \
  -o /dev/full --force
bad_tmp=$(mktemp -d)
printf '{"schema_version": 1, "kind": "platform", "name": "x", "source": "y", "compute": {"peak_macs_per_s": {"float32": 1e309}}}' >"$bad_tmp/huge.json"
expect_bad "huge.json: not valid JSON at /compute/peak_macs_per_s/float32: number overflow" plan $m --platforms "$bad_tmp/huge.json"
rm -rf "$bad_tmp"

# profile import --from ort and profile calibrate.
ort=tests/data/ort
expect_bad "--from ort needs --optimized-model" profile import --from ort $ort/tiny_cnn.trace.json \
  --into platforms/raspberry_pi_4.json
expect_bad "below 90 %" profile import --from ort $ort/tiny_cnn.trace.json --optimized-model $ort/tiny_cnn.optimized.onnx \
  --model $ort/tiny_cnn.onnx --into platforms/raspberry_pi_4.json
expect_bad "tiny_cnn.onnx: not valid JSON" profile import --from ort $ort/tiny_cnn.onnx \
  --optimized-model $ort/tiny_cnn.optimized.onnx --model $ort/tiny_cnn.onnx --into platforms/raspberry_pi_4.json
# --unfused-trace: a trace of another model (no kernel named after a node) and the optimised trace in
# its place (no fused node ran alone) are refused even with --force; and with another --from.
unfused_tmp=$(mktemp -d)
printf '[{"cat":"Session","name":"model_run","ts":0,"dur":100},{"cat":"Node","name":"/enc/MatMul_kernel_time","ts":1,"dur":50}]' \
  >"$unfused_tmp/other.json"
expect_bad "other.json: none of its 1 kernels is named after a node of the model (e.g. kernel '/enc/MatMul'" \
  profile import --from ort $ort/tiny_cnn.trace.json --optimized-model $ort/tiny_cnn.optimized.onnx \
  --model $ort/tiny_cnn.onnx --into platforms/raspberry_pi_4.json --force --unfused-trace "$unfused_tmp/other.json"
expect_bad "tiny_cnn.trace.json: none of the 4 nodes in fused groups ran as a kernel of its own (e.g. '/c1/Conv')" \
  profile import --from ort \
  $ort/tiny_cnn.trace.json --optimized-model $ort/tiny_cnn.optimized.onnx --model $ort/tiny_cnn.onnx \
  --into platforms/raspberry_pi_4.json --force --unfused-trace $ort/tiny_cnn.trace.json
expect_bad "--unfused-trace needs --from ort" profile import tests/data/profiles/measurements.csv \
  --into platforms/raspberry_pi_4.json --unfused-trace $ort/tiny_cnn.unfused.trace.json
rm -rf "$unfused_tmp"
expect_bad "give one model per trace" profile calibrate --base platforms/raspberry_pi_4.json \
  --trace $ort/tiny_cnn.trace.json --model $ort/tiny_cnn.onnx --model $ort/tiny_cnn.onnx -o /tmp/never_written.json
expect_bad "cannot tell its optimised model" profile calibrate --base platforms/raspberry_pi_4.json \
  --trace $ort/tiny_cnn.onnx --model $ort/tiny_cnn.onnx -o /tmp/never_written.json
# profile import --from trtexec: missing flags and files, bad entries with their JSON path,
# files of another engine or model, coverage below 90 %.
trt=tests/data/trtexec
trt_tmp=$(mktemp -d)
expect_bad "--from trtexec needs --layer-info" profile import --from trtexec $trt/resnet18.profile.json \
  --model models/resnet18.onnx --into platforms/jetson_orin_nano_8gb.json
expect_bad "$trt_tmp/none.json" profile import --from trtexec "$trt_tmp/none.json" --layer-info $trt/resnet18.layers.json \
  --model models/resnet18.onnx --into platforms/jetson_orin_nano_8gb.json
printf '[ { "count" : 5 }\n, { "name" : "/fc/Gemm", "timeMs" : "1", "averageMs" : 0.2 }\n]\n' >"$trt_tmp/bad.json"
expect_bad "$trt_tmp/bad.json: /1/timeMs: must be a non-negative number" profile import --from trtexec \
  "$trt_tmp/bad.json" --layer-info $trt/resnet18.layers.json --model models/resnet18.onnx \
  --into platforms/jetson_orin_nano_8gb.json
printf '{ "Layers": [ { "Name": "/fc/Gemm", "Outputs": { "Name": "output" } } ] }' >"$trt_tmp/layers.json"
expect_bad "$trt_tmp/layers.json: /Layers/0/Outputs: must be an array" profile import --from trtexec \
  $trt/resnet18.profile.json --layer-info "$trt_tmp/layers.json" --model models/resnet18.onnx \
  --into platforms/jetson_orin_nano_8gb.json
expect_bad "resnet18.layers.json: no layer of this engine names a node or tensor of $d/tiny_residual.onnx" \
  profile import --from trtexec $trt/resnet18.profile.json --layer-info $trt/resnet18.layers.json \
  --model $d/tiny_residual.onnx --into platforms/jetson_orin_nano_8gb.json
printf '{ "Layers": [ "Conv_0 + Relu_1" ] }' >"$trt_tmp/other.json"
expect_bad "were both exported from the same engine" profile import --from trtexec $trt/resnet18.profile.json \
  --layer-info "$trt_tmp/other.json" --model models/resnet18.onnx --into platforms/jetson_orin_nano_8gb.json
sed 's/^]$/, { "name" : "(Unnamed Layer* 99) [Shuffle]", "timeMs" : 40, "averageMs" : 0.2, "medianMs" : 0.2, "percentage" : 12 }\n]/' \
  $trt/resnet18.profile.json >"$trt_tmp/low.json"
expect_bad "below 90 %" profile import --from trtexec "$trt_tmp/low.json" --layer-info $trt/resnet18.layers.json \
  --model models/resnet18.onnx --into platforms/jetson_orin_nano_8gb.json
rm -rf "$trt_tmp"

# split: bad plan files, cut ids, picks and output folders. Nothing may be
# left in a refused output folder.
split_tmp=$(mktemp -d)
"$DNNPART" -q plan $m --platforms $p/good_a.json $p/good_b.json --format json >"$split_tmp/plan.json" 2>/dev/null
"$DNNPART" -q cuts models/resnet18.onnx --format json >"$split_tmp/cuts.json"
expect_bad "cut id 99 is out of range" split $m --cuts 99 -o "$split_tmp/out1"
expect_bad "cut ids must grow strictly" split $m --cuts 0,0 --max-cut-tensors 2 -o "$split_tmp/out1"
expect_bad "cut 0 does not contain the head of cut 1: the cuts must be nested" split $m --cuts 1,0 --max-cut-tensors 2 -o "$split_tmp/out1"
expect_bad "$split_tmp/plan.json: /model: the plan is for graph" split models/resnet18.onnx --plan "$split_tmp/plan.json" -o "$split_tmp/out1"
expect_bad "$split_tmp/cuts.json: is a 'cuts' document, not a plan" split models/resnet18.onnx --plan "$split_tmp/cuts.json" -o "$split_tmp/out1"
expect_bad "$split_tmp/plan.json: /pareto: --pick 99 is out of range" split $m --plan "$split_tmp/plan.json" --pick 99 -o "$split_tmp/out1"
expect_bad "--pick 'best' is neither" split $m --plan "$split_tmp/plan.json" --pick best -o "$split_tmp/out1"
expect_bad "split needs --plan PLAN.json or --cuts" split $m -o "$split_tmp/out1"
if [[ -e $split_tmp/out1 ]]; then
  echo "FAIL [split]: a refused split created its output folder"
  failures=$((failures + 1))
fi
mkdir "$split_tmp/full" && touch "$split_tmp/full/keep"
expect_bad "$split_tmp/full: the output folder is not empty (use --force" split $m --cuts 0 -o "$split_tmp/full"
expect_bad "$split_tmp/full: the output folder is not empty" plan $m --platforms $p/good_a.json $p/good_b.json --emit "$split_tmp/full"
ln -s "$split_tmp/full" "$split_tmp/link"
expect_bad "$split_tmp/link: the output folder is a symlink; refused" split $m --cuts 0 -o "$split_tmp/link" --force
expect_bad "$split_tmp/nothere/out: cannot create the output folder" split $m --cuts 0 -o "$split_tmp/nothere/out"
rm -rf "$split_tmp"

# No plan meets the constraints: exit 3, the report still on stdout.
out=$(timeout 20 "$DNNPART" -q plan $m --platforms $p/good_a.json $p/good_b.json --max-latency-ms 0.001 --format json 2>/dev/null)
code=$?
if [[ $code -eq 3 && $out == *'"recommended": null'* ]]; then
  passed=$((passed + 1))
else
  echo "FAIL [no feasible plan]: exit $code (want 3)"
  failures=$((failures + 1))
fi

# A file that is not a system file, and a missing one.
expect_bad 'platforms/ethernet_1g.json: /kind: expected "system", got "link"' system platforms/ethernet_1g.json
expect_bad "$d/missing_system.json: cannot open" system $d/missing_system.json
# Reports and sweeps.
pp=tests/data/profiles
expect_bad "--sensitivity-range: LO must be below HI" plan $d/tiny_residual.onnx --platforms $pp/good_a.json \
  --sensitivity bandwidth --sensitivity-range 1G,1M
expect_bad "does not support --include-idle-energy" plan $d/tiny_residual.onnx --platforms $pp/good_a.json \
  $pp/good_b.json --sensitivity input-fps --include-idle-energy
expect_bad "$pp/good_a.json: exists (use --force" plan $d/tiny_residual.onnx --platforms $pp/good_a.json \
  --report $pp/good_a.json --format json
expect_bad "bandwidth '10X'" sweep --models $d/tiny_residual.onnx --platform-sets $d/sweep/sets.json \
  --bandwidths 10X --out /tmp/dnnpart_bad_sweep.csv
expect_bad "$pp/good_a.json: expected a non-empty JSON array of platform sets" sweep --models $d/tiny_residual.onnx \
  --platform-sets $pp/good_a.json --out /tmp/dnnpart_bad_sweep.csv
expect_bad "--out must end in .csv or .jsonl" sweep --models $d/tiny_residual.onnx --platform-sets $d/sweep/sets.json \
  --out /tmp/dnnpart_bad_sweep.txt
expect_bad "tests/cli: no .json files in this folder" sweep --models $d/tiny_residual.onnx --systems tests/cli --out /tmp/dnnpart_bad_sweep.csv
# Numbers on the command line are plain decimals: no hex, octal, "inf",
# "nan", overflow, trailing text or blanks; each refusal names its flag.
for value in 1e400 nan inf -0 12abc 0x10 ' 5' +5 1e-400 ''; do
  for flag in --input-fps --min-fps --max-latency-ms --max-energy-mj --time-limit; do
    expect_bad "$flag: must be a finite number above 0, got '$value'" plan $m --platforms $p/good_a.json $flag "$value"
  done
  expect_bad "--min-fps: must be a finite number above 0, got '$value'" sweep --models $d/tiny_residual.onnx \
    --platform-sets $d/sweep/sets.json --min-fps "$value" --out /tmp/dnnpart_bad_sweep.csv
  [[ -n $value ]] || continue
  expect_bad "--input-fps: must be a finite number above 0, got '$value'" sweep --models $d/tiny_residual.onnx \
    --platform-sets $d/sweep/sets.json --input-fps "30,$value" --out /tmp/dnnpart_bad_sweep.csv
  expect_bad "--sensitivity-range: must be a finite number above 0, got '$value'" plan $d/tiny_residual.onnx \
    --platforms $pp/good_a.json --sensitivity input-fps --sensitivity-range "1,$value"
  expect_bad "--bandwidths: bandwidth '$value" sweep --models $d/tiny_residual.onnx --platform-sets $d/sweep/sets.json \
    --bandwidths "100M,$value" --out /tmp/dnnpart_bad_sweep.csv
  [[ $value == -0 ]] && continue  # a fine value to feed a graph
  expect_bad "--input-value x: '$value' is not a finite number" cuts $d/if_branch.onnx --input-value "x=1,$value"
done
for value in 0x10 010x 1e1 2.0 -1 17 0 99999999999999999999 ' 3' +3; do
  expect_bad "--max-cut-tensors: must be a whole number from 1 to 16, got '$value'" cuts $m --max-cut-tensors "$value"
  expect_bad "--max-cut-tensors: must be a whole number from 1 to 16, got '$value'" sweep --models $d/tiny_residual.onnx \
    --platform-sets $d/sweep/sets.json --max-cut-tensors "1,$value" --out /tmp/dnnpart_bad_sweep.csv
done
expect_bad "--bytes: must be a whole number from 1 to 1099511627776, got '0x10'" system platforms/systems/pi4_coral_jetson.json --bytes 0x10
expect_bad "--jobs: must be a whole number from 1 to 1024, got '1e3'" sweep --models $d/tiny_residual.onnx \
  --platform-sets $d/sweep/sets.json --jobs 1e3 --out /tmp/dnnpart_bad_sweep.csv
expect_bad "--max-states: must be a whole number from 1 to" plan $m --platforms $p/good_a.json --max-states 1e9
expect_bad "--threads: must be a whole number from 1 to 256" plan $m --platforms $p/good_a.json --threads 0
expect_bad "--threads: must be a whole number from 1 to 256" plan $m --platforms $p/good_a.json --threads 2.5
expect_bad "--bandwidths: bandwidth '1e308G'" sweep --models $d/tiny_residual.onnx --platform-sets $d/sweep/sets.json \
  --bandwidths 1e308G --out /tmp/dnnpart_bad_sweep.csv
expect_bad "--tolerance: must be a number from 0 to 1, got 'nan'" verify /tmp --model $m --tolerance nan
# A FIFO as the model is refused before anything is read (no hang), and
# verify names a missing node binary.
fifo_dir=$(mktemp -d)
mkfifo "$fifo_dir/model.onnx"
expect_bad "$fifo_dir/model.onnx: is a FIFO (named pipe), not an .onnx file" cuts "$fifo_dir/model.onnx"
DNNPART_NODE=/nonexistent/node expect_bad "cannot run '/nonexistent/node'" verify "$fifo_dir" --model "$d/tiny_residual.onnx"
# profile import reads only regular files too, and refuses names that are not UTF-8.
mkfifo "$fifo_dir/table.csv" "$fifo_dir/base.json"
pp=tests/data/profiles
expect_bad "$fifo_dir/table.csv: is a FIFO (named pipe), not a CSV table" profile import "$fifo_dir/table.csv" \
  --into $pp/good_a.json
expect_bad "$fifo_dir/base.json: is a FIFO (named pipe), not a JSON profile" profile import $pp/measurements.csv \
  --into "$fifo_dir/base.json" --name-column node --latency-column 'time, ms' --energy-column energy
expect_bad "line 27: the node name is not valid UTF-8" profile import \
  tests/data/fuzz/fuzz_csv_import/invalid_utf8_layer_name.csv --into $pp/good_a.json
# A NUL byte in a name from the input is shown as \x00, and the message goes on past it.
printf '{"schema_version": 1, "kind": "plat\\u0000form!", "name": "x"}' >"$fifo_dir/nul.json"
expect_bad 'got "plat\x00form!"' plan $d/tiny_residual.onnx --platforms "$fifo_dir/nul.json"
rm -rf "$fifo_dir"

echo "bad input: $passed passed, $failures failed"
[[ $failures -eq 0 ]]
