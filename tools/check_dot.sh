#!/usr/bin/env bash
# ctest dot_render: `dnnpart plan --format dot` must be valid Graphviz: dot
# (Debian's graphviz, installed by tools/install_deps.sh) renders it to SVG
# with one cluster per stage of the recommended plan.
set -euo pipefail
: "${DNNPART:?set DNNPART to the dnnpart binary}"
if ! command -v dot >/dev/null; then
  echo "dot_render: graphviz is missing; run tools/install_deps.sh" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {
  local name=$1 stages=$2
  shift 2
  "$DNNPART" -q plan "$@" --format dot >"$tmp/$name.dot"
  dot -Tsvg "$tmp/$name.dot" >"$tmp/$name.svg" 2>"$tmp/$name.err"
  if [[ -s $tmp/$name.err ]]; then
    echo "dot_render: FAIL $name: dot printed:" >&2
    cat "$tmp/$name.err" >&2
    exit 1
  fi
  local clusters
  clusters=$(grep -c '<title>cluster_stage_' "$tmp/$name.svg" || true)
  if [[ $clusters -ne $stages ]]; then
    echo "dot_render: FAIL $name: $clusters stage clusters in the SVG, expected $stages" >&2
    exit 1
  fi
}
p=tests/data/profiles
check tiny 2 tests/data/tiny_residual.onnx --platforms $p/good_a.json $p/good_b.json --max-cut-tensors 2 --any-order
check resnet18 2 models/resnet18.onnx --platforms platforms/raspberry_pi_5.json platforms/jetson_nano_4gb.json \
  --link platforms/ethernet_1g.json --max-cut-tensors 2
echo "dot_render: ok"
