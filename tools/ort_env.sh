# Sourced by the ONNX Runtime check scripts (check_shapes_ort.sh,
# check_split_ort.sh) with $tool set to the script's name: sets root,
# dnnpart, python and node (from DNNPART, PYTHON, NODE) and exits 2 when the
# dnnpart binary or onnxruntime-node is missing.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dnnpart=${DNNPART:-$root/build/dnnpart}
python=${PYTHON:-/usr/bin/python3}
node=${NODE:-node}

if [[ ! -x $dnnpart ]]; then
  echo "$tool: dnnpart binary '$dnnpart' not found (set DNNPART)" >&2
  exit 2
fi
if [[ ! -d $root/tools/ort/node_modules/onnxruntime-node ]]; then
  echo "$tool: tools/ort/node_modules/onnxruntime-node missing;" \
       "run: npm install --ignore-scripts --prefix tools/ort (or tools/install_deps.sh)" >&2
  exit 2
fi
