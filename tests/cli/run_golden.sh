#!/usr/bin/env bash
# Golden CLI tests: each case's stdout must match tests/cli/golden/<case>.out
# byte for byte. Run with UPDATE_GOLDEN=1 to rewrite the golden files.
set -u
: "${DNNPART:?set DNNPART to the dnnpart binary}"
golden_dir="$(dirname "$0")/golden"
failures=0
passed=0

check() {
  local name=$1
  shift
  local actual
  actual=$("$DNNPART" -q "$@" 2>&1)
  local code=$?
  # Absolute paths (profile import to stdout writes default_link absolute) as <root>/...
  actual=${actual//"$PWD/"/<root>/}
  if [[ $code -ne 0 && $code -ne 3 ]]; then
    echo "FAIL $name: exit $code: $actual"
    failures=$((failures + 1))
    return
  fi
  if [[ ${UPDATE_GOLDEN:-0} == 1 ]]; then
    printf '%s\n' "$actual" >"$golden_dir/$name.out"
  fi
  if diff -u "$golden_dir/$name.out" <(printf '%s\n' "$actual") >/tmp/dnnpart_golden_diff.$$; then
    passed=$((passed + 1))
  else
    echo "FAIL $name: output differs from $golden_dir/$name.out"
    head -40 /tmp/dnnpart_golden_diff.$$
    failures=$((failures + 1))
  fi
  rm -f /tmp/dnnpart_golden_diff.$$
}

check cuts_tiny_json cuts tests/data/tiny_residual.onnx --format json
check cuts_tiny_k2_table cuts tests/data/tiny_residual.onnx --max-cut-tensors 2 --format table
check inspect_tiny_json inspect tests/data/tiny_residual.onnx --format json
check inspect_tiny_table inspect tests/data/tiny_residual.onnx --format table
check cuts_resnet18_json cuts models/resnet18.onnx --format json
check cuts_googlenet_k2_table cuts models/googlenet.onnx --max-cut-tensors 2 --format table
check inspect_squeezenet_table inspect models/squeezenet1_1.onnx --format table
# --accuracy-cmd: the command counts the stage files, --min-accuracy 2 rejects the one-platform plan.
accuracy_cmd="ls {dir} | grep -c '^stage_[0-9]*[.]onnx\$'"
for format in table json; do
  check plan_resnet18_accuracy_$format plan models/resnet18.onnx --platforms platforms/raspberry_pi_5.json \
    platforms/jetson_nano_4gb.json --max-cut-tensors 2 --objective latency --show-infeasible \
    --accuracy-cmd "$accuracy_cmd" --min-accuracy 2 --format $format
done
check cuts_symbolic_bound_json cuts tests/data/symbolic_dims.onnx --input-shape input=2x3x8x8 --format json
check inspect_data_dependent_table inspect tests/data/data_dependent.onnx --format table
check cuts_data_dependent_k2_json cuts tests/data/data_dependent.onnx --max-cut-tensors 2 --format json
check inspect_if_inlined_json inspect tests/data/if_branch.onnx --input-value cond=1 --format json
check inspect_lstm_speech_table inspect models/lstm_speech.onnx --format table
check cuts_swin_t_table cuts models/swin_t.onnx --format table
check plan_vit_b_16_table plan models/vit_b_16.onnx --platforms platforms/raspberry_pi_5.json \
  platforms/jetson_orin_nano_8gb.json --link platforms/ethernet_1g.json --format table
# Issue 11, case 1: frames at 250 fps; the 167 fps Jetson plan is recommended
# (the link is loaded at the rate the plan achieves, not at 250 fps).
check plan_resnet50_input_fps_table plan models/resnet50.onnx --platforms platforms/raspberry_pi_5.json \
  platforms/jetson_orin_nano_8gb.json --input-fps 250 --format table
# System files: a Coral reached through its Pi, uint8 camera frames, results back on the Pi;
# two identical Pi 5 boards on a switch (instances named pi5#1, pi5#2); a shared Wi-Fi channel.
check plan_system_coral_table plan models/resnet18.onnx --system platforms/systems/pi4_coral_jetson.json \
  --max-cut-tensors 2 --format table
check plan_system_switch_json plan models/resnet18.onnx --system platforms/systems/two_pi5_jetson_switch.json \
  --format json
check plan_system_wifi_table plan models/mobilenet_v2.onnx --system platforms/systems/wifi_robots.json --format table
check plan_silero_vad_k3_table plan models/silero_vad.onnx --input-shape input=1x512 --input-shape h=2x1x64 \
  --input-shape c=2x1x64 --input-value sr=16000 --platforms platforms/raspberry_pi_5.json \
  platforms/jetson_orin_nano_8gb.json --link platforms/ethernet_1g.json --max-cut-tensors 3 --format table

p=tests/data/profiles
check plan_tiny_json plan tests/data/tiny_residual.onnx --platforms $p/good_a.json $p/good_b.json --format json
check plan_tiny_any_order_k2_table plan tests/data/tiny_residual.onnx --platforms $p/good_a.json $p/good_b.json \
  --any-order --max-cut-tensors 2 --output-at first --format table
check plan_tiny_constraints_json plan tests/data/tiny_residual.onnx --platforms $p/good_a.json $p/good_b.json \
  --fps 2000 --max-energy-mj 1 --show-infeasible --include-idle-energy --objective energy --format json
check plan_efficientnet_paper_table plan models/efficientnet_b0.onnx --platforms platforms/eyeriss_like.json \
  platforms/simba_like.json --format table

check profile_import_csv profile import $p/measurements.csv --into $p/good_a.json --name-column node \
  --latency-column "time, ms" --energy-column energy --missing estimate --rename test_a_measured
check profile_import_trtexec profile import --from trtexec tests/data/trtexec/resnet18.profile.json \
  --layer-info tests/data/trtexec/resnet18.layers.json --model models/resnet18.onnx \
  --into platforms/jetson_orin_nano_8gb.json --rename orin_nano_trt_fp16
# Issue 10: --unfused-trace (tiny_cnn run with graph optimisations disabled) gives the nodes of
# fused groups unfused_latency_ms/unfused_energy_mj; --force: the 0.3 ms model's kernels cover < 90 %.
check profile_import_ort_unfused profile import --from ort tests/data/ort/tiny_cnn.trace.json \
  --optimized-model tests/data/ort/tiny_cnn.optimized.onnx --model tests/data/ort/tiny_cnn.onnx \
  --unfused-trace tests/data/ort/tiny_cnn.unfused.trace.json --into platforms/raspberry_pi_4.json \
  --rename pi4_ort_tiny --force
check plan_tiny_all_plans_json plan tests/data/tiny_residual.onnx --platforms $p/good_a.json $p/good_b.json --all-plans --format json
# Issue 10, fusion-aware costs: tiny_fused.json ran c1 + r1 and c2 + add + r2 as kernels;
# a cut through a group charges each side's unfused cost (broken_fusions).
check plan_tiny_fused_k2_table plan tests/data/tiny_residual.onnx --platforms $p/good_a.json $p/tiny_fused.json \
  --max-cut-tensors 2 --format table
check plan_tiny_fused_all_plans_json plan tests/data/tiny_residual.onnx --platforms $p/tiny_fused.json \
  $p/good_a.json --max-cut-tensors 2 --all-plans --format json
check plan_tiny_k2_dot plan tests/data/tiny_residual.onnx --platforms $p/good_a.json $p/good_b.json \
  --max-cut-tensors 2 --format dot
check plan_tiny_sensitivity_bandwidth_table plan tests/data/tiny_residual.onnx --platforms $p/good_a.json \
  $p/good_b.json --any-order --max-cut-tensors 2 --sensitivity bandwidth --sensitivity-range 8k,800G --format table
check plan_tiny_sensitivity_fps_json plan tests/data/tiny_residual.onnx --platforms $p/good_a.json $p/good_b.json \
  --link $p/link_fast.json --max-cut-tensors 2 --sensitivity input-fps --sensitivity-range 1,100000 --format json

check system_pi4_coral_jetson system platforms/systems/pi4_coral_jetson.json
check system_switch_small_payload system platforms/systems/two_pi5_jetson_switch.json --bytes 150528
check system_lan_20_pis system tests/data/systems/lan_20_pis.json
echo "golden: $passed passed, $failures failed"
[[ $failures -eq 0 ]]
