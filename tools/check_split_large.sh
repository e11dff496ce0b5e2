#!/usr/bin/env bash
# Optional, not run by ctest (writes about 3 GB, takes a minute): splits a
# generated model whose external weights exceed 2 GB and checks that the
# stage weight files hold exactly their stage's weights, that dnnpart's
# memory stays small (weights are copied range by range), and that the
# chained stages compute what the model computes in ONNX Runtime.
#
#   tools/check_split_large.sh        (DNNPART, PYTHON, NODE, KEEP_TMP as in check_split_ort.sh)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dnnpart=${DNNPART:-$root/build/dnnpart}
python=${PYTHON:-/usr/bin/python3}
node=${NODE:-node}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_split_large.XXXXXX")
if [[ ${KEEP_TMP:-0} == 1 ]]; then echo "check_split_large: keeping files in $tmp" >&2; else trap 'rm -rf "$tmp"' EXIT; fi

"$python" "$root/tools/make_large_model.py" "$tmp" || exit 2
# Cut 2 (K = 2): g1 and r1 in stage 0, g2 and add in stage 1; W1 and W2 are 1.44 GB each.
/usr/bin/time -f '%M' -o "$tmp/rss_kb" "$dnnpart" -q split "$tmp/large.onnx" --cuts 2 --max-cut-tensors 2 -o "$tmp/out" ||
  { echo "FAIL: dnnpart split"; exit 1; }
failures=0
for k in 0 1; do
  size=$(stat -c %s "$tmp/out/stage_$k.weights.bin")
  if [[ $size -ne 1440000000 ]]; then echo "FAIL: stage_$k.weights.bin has $size bytes, want 1440000000"; failures=$((failures + 1)); fi
done
rss_kb=$(cat "$tmp/rss_kb")
if ((rss_kb > 200000)); then echo "FAIL: dnnpart used $rss_kb kB (want < 200 MB)"; failures=$((failures + 1)); fi
"$node" "$root/tools/run_split.mjs" "$tmp/out" --model "$tmp/large.onnx" --runs 2 || failures=$((failures + 1))
echo "check_split_large: max RSS of dnnpart split ${rss_kb} kB, $failures failure(s)"
((failures == 0))
