#!/usr/bin/env bash
# Benchmarks `dnnpart cuts` against the floor (a bare process that parses the
# same file and runs ONNX shape inference) on every bundled network and on
# generated residual networks of growing size. Prints Markdown tables for
# docs/benchmarks.md. Whole-process wall time, median of N runs; the floor and
# dnnpart run alternately.
#   tools/bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
tools/build.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Prints the wall time in microseconds of one run of "$@", output discarded.
elapsed_us() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}

# Prints the median wall time in milliseconds of `runs` executions of "$@".
median_ms() {
  local times=()
  for ((i = 0; i < runs; i++)); do times+=("$(elapsed_us "$@")"); done
  local median rest
  read -r median rest <<<"$(summary_ms "${times[@]}")"
  echo "$median"
}

# Runs the floor on MODEL and "$@" alternately, `runs` times each, so that
# drift in the machine's speed (large on a shared virtual machine) hits both
# alike. Fills floor_times and our_times (microseconds).
paired_times() {
  local model=$1
  shift
  floor_times=()
  our_times=()
  for ((i = 0; i < runs; i++)); do
    floor_times+=("$(elapsed_us build/dnnpart_parse_floor "$model")")
    our_times+=("$(elapsed_us "$@")")
  done
}

# "median min max" in milliseconds of the microsecond times given.
summary_ms() {
  printf '%s\n' "$@" | sort -n | awk '{ t[NR] = $1 } END { printf "%.1f %.1f %.1f", t[int((NR + 1) / 2)] / 1000, t[1] / 1000, t[NR] / 1000 }'
}

# Prints "FLOOR OURS": the medians of paired_times, in milliseconds.
paired_ms() {
  paired_times "$@"
  local floor ours rest
  read -r floor rest <<<"$(summary_ms "${floor_times[@]}")"
  read -r ours rest <<<"$(summary_ms "${our_times[@]}")"
  echo "$floor $ours"
}

peak_kb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

# Flags a bundled model needs to load (models/README.md).
model_args() {
  case $(basename "$1" .onnx) in
    silero_vad) echo "--input-shape input=1x512 --input-shape h=2x1x64 --input-shape c=2x1x64 --input-value sr=16000" ;;
  esac
}

# The median of `cuts --max-cut-tensors 2`, or "refused" when the cut search
# stops at its budget (docs/cuts.md).
two_tensor_ms() {
  if build/dnnpart -q "$@" >/dev/null 2>&1; then median_ms build/dnnpart -q "$@"; else echo refused; fi
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%d)"
echo
echo "| network | layers | cuts (K=1) | floor ms | dnnpart cuts ms | ratio | cuts K=2 ms | peak RSS MB (K=1) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for model in models/*.onnx; do
  name=$(basename "$model" .onnx)
  read -ra args <<<"$(model_args "$model")"
  layers=$(build/dnnpart -q inspect "$model" "${args[@]}" --format json | grep -c '"op_type"')
  cuts=$(build/dnnpart -q cuts "$model" "${args[@]}" --format json | grep -c '"last_head_layer"')
  read -r floor ours < <(paired_ms "$model" build/dnnpart -q cuts "$model" "${args[@]}" --format json)
  two=$(two_tensor_ms cuts "$model" "${args[@]}" --format json --max-cut-tensors 2)
  rss=$(peak_kb build/dnnpart -q cuts "$model" "${args[@]}" --format json)
  ratio=$(awk -v a="$ours" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')
  echo "| $name | $layers | $cuts | $floor | $ours | $ratio | $two | $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') |"
done
echo
echo "Planning (\`dnnpart plan ... --format json\`):"
echo
echo "| case | plans | visited | floor ms | dnnpart plan ms | ratio | peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
plan_case() {
  local label=$1 model=$2
  shift 2
  local doc plans visited floor ours rss
  doc=$(build/dnnpart -q plan "$model" "$@" --format json)
  plans=$(grep -m1 '"plans_evaluated"' <<<"$doc" | tr -dc 0-9)
  visited=$(grep -m1 '"plans_visited"' <<<"$doc" | tr -dc 0-9)
  read -r floor ours < <(paired_ms "$model" build/dnnpart -q plan "$model" "$@" --format json)
  rss=$(peak_kb build/dnnpart -q plan "$model" "$@" --format json)
  echo "| $label | $plans | $visited | $floor | $ours | $(awk -v a="$ours" -v b="$floor" 'BEGIN { printf "%.2f", a / b }') | $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') |"
}
plan_case "EfficientNet-B0, eyeriss+simba (paper)" models/efficientnet_b0.onnx \
  --platforms platforms/eyeriss_like.json platforms/simba_like.json
plan_case "ResNet-50, 4 platforms, K=2, --any-order" models/resnet50.onnx \
  --platforms platforms/jetson_orin_nano_8gb.json platforms/raspberry_pi_5.json platforms/jetson_nano_4gb.json \
  platforms/raspberry_pi_4.json --max-cut-tensors 2 --any-order
plan_case "ResNet-50, 4 platforms, K=1, --any-order" models/resnet50.onnx \
  --platforms platforms/jetson_orin_nano_8gb.json platforms/raspberry_pi_5.json platforms/jetson_nano_4gb.json \
  platforms/raspberry_pi_4.json --any-order
plan_case "ResNet-50, 3 platforms, K=2" models/resnet50.onnx \
  --platforms platforms/jetson_orin_nano_8gb.json platforms/raspberry_pi_5.json platforms/jetson_nano_4gb.json \
  --max-cut-tensors 2
plan_case "GoogLeNet, 3 platforms, K=3, --any-order" models/googlenet.onnx \
  --platforms platforms/jetson_orin_nano_8gb.json platforms/raspberry_pi_5.json platforms/coral_usb.json \
  --link platforms/ethernet_1g.json --max-cut-tensors 3 --any-order
plan_case "VGG16, 5 platforms, --any-order" models/vgg16.onnx \
  --platforms platforms/jetson_orin_nano_8gb.json platforms/raspberry_pi_5.json platforms/jetson_nano_4gb.json \
  platforms/raspberry_pi_4.json platforms/coral_usb.json --link platforms/ethernet_1g.json --any-order
echo
echo "Generated residual networks (Conv-Relu-Conv-Add-Relu blocks, structure-only):"
echo
echo "| layers | floor ms | dnnpart cuts ms | ms per 1000 layers | peak RSS MB |"
echo "|---:|---:|---:|---:|---:|"
big_runs=$(( runs > 7 ? 7 : runs ))
for layers in 1000 2500 5000 10000 20000; do
  build/dnnpart_gen_residual "$layers" "$work/res.onnx"
  runs_saved=$runs
  runs=$big_runs
  read -r floor ours < <(paired_ms "$work/res.onnx" build/dnnpart -q cuts "$work/res.onnx" --format json)
  runs=$runs_saved
  rss=$(peak_kb build/dnnpart -q cuts "$work/res.onnx" --format json)
  echo "| $layers | $floor | $ours | $(awk -v t="$ours" -v n="$layers" 'BEGIN { printf "%.1f", t / n * 1000 }') | $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') |"
done
echo
echo "20,000-layer headline: floor and \`dnnpart cuts\` interleaved, $((runs * 2 - 1)) runs each (ms):"
echo
build/dnnpart_gen_residual 20000 "$work/res.onnx"
runs=$((runs * 2 - 1))
paired_times "$work/res.onnx" build/dnnpart -q cuts "$work/res.onnx" --format json
read -r median low high <<<"$(summary_ms "${floor_times[@]}")"
echo "- floor: median $median, min $low, max $high"
read -r median low high <<<"$(summary_ms "${our_times[@]}")"
echo "- dnnpart cuts: median $median, min $low, max $high"
