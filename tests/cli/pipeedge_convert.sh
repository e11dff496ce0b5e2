#!/usr/bin/env bash
# ctest pipeedge_convert: tools/pipeedge_to_dnnpart.py converts the PipeEdge
# instance in tests/data/pipeedge/ (6 layers, 3 devices of 2 types), then
# `dnnpart plan --objective throughput --best-only` must find the optimum that
# an independent brute force over the converted files finds (every ordered
# choice of distinct devices, every split of the chain), and the plan it
# recommends must have that throughput. Bad input must exit 1 naming the file.
# Exit 77 (skipped) without python3-yaml or python3-onnx.
set -euo pipefail
: "${DNNPART:?set DNNPART to the dnnpart binary}"
python=/usr/bin/python3
if ! "$python" -c 'import yaml, onnx' 2>/dev/null; then
  echo "pipeedge_convert: python3-yaml or python3-onnx is missing; run tools/install_deps.sh" >&2
  exit 77
fi
data=tests/data/pipeedge
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "pipeedge_convert: FAIL $*" >&2
  exit 1
}

tools/pipeedge_to_dnnpart.py "$data/models.yml" "$data/device_types.yml" "$data/devices.yml" \
  --model chain6 -o "$tmp/out" 2>"$tmp/convert.err" || fail "converter: $(cat "$tmp/convert.err")"
grep -q "unused: no profile for model 'chain6'" "$tmp/convert.err" || fail "no warning for the type without a profile"
"$DNNPART" -q plan "$tmp/out/model.onnx" --system "$tmp/out/system.json" --objective throughput \
  --best-only --format json >"$tmp/plan.json" || fail "dnnpart plan exited $?"

"$python" - "$tmp/out" "$tmp/plan.json" <<'EOF'
import itertools
import json
import os
import sys

import onnx

out, plan_path = sys.argv[1], sys.argv[2]
system = json.load(open(os.path.join(out, "system.json")))
model = onnx.load(os.path.join(out, "model.onnx"), load_external_data=False)

def elements(dims):
    n = 1
    for d in dims:
        n *= d.dim_value
    return n

# The chain as the converter wrote it: per layer its name, weight elements and
# output elements; the graph input's elements.
shapes = {v.name: v.type.tensor_type.shape.dim for v in list(model.graph.value_info) + list(model.graph.output)}
weights = {t.name: 1 for t in model.graph.initializer}
for t in model.graph.initializer:
    for d in t.dims:
        weights[t.name] *= d
names = [n.name for n in model.graph.node]
params = [sum(weights.get(i, 0) for i in n.input) for n in model.graph.node]
outs = [elements(shapes[n.output[0]]) for n in model.graph.node]
model_in = elements(model.graph.input[0].type.tensor_type.shape.dim)
L = len(names)
assert L == 6, L

def load(path):
    return json.load(open(os.path.join(out, path)))

# Instances by type, as the system file lists them (the source runs nothing).
instances, profile = [], {}
for entry in system["devices"]:
    p = load(entry["platform"])
    count = entry.get("count", 1)
    for k in range(count):
        inst = f"{entry['name']}#{k + 1}" if count > 1 else entry["name"]
        instances.append(inst)
        profile[inst] = (entry["name"], p)
link_bw = {}
feed_bw = None
for medium in system["media"]:
    bw = load(medium["link"])["bandwidth_bytes_per_s"]
    if medium["name"] == "feed":
        feed_bw = bw
        continue
    members = medium["devices"]
    a, b = members[0], members[-1]
    link_bw[(a, b)] = link_bw[(b, a)] = bw
assert len(instances) == 3, instances

def hop_ms(u, v, nbytes):
    return 1000.0 * nbytes / link_bw[(profile[u][0], profile[v][0])]

def evaluate(devices, bounds):
    """Throughput of stages [bounds[s], bounds[s+1]) on devices[s], or None when one overflows."""
    # The one-element input goes over the feed unless the first stage runs
    # on the input device.
    period = 0.0 if devices[0] == system["input"]["device"] else 1000.0 * 4 / feed_bw
    for s, dev in enumerate(devices):
        lo, hi = bounds[s], bounds[s + 1]
        p = profile[dev][1]
        table = p["layers"]["table"]
        period = max(period, sum(table[names[l]]["latency_ms"] for l in range(lo, hi)))
        live = max(4 * ((model_in if l == 0 else outs[l - 1]) + outs[l]) for l in range(lo, hi))
        if 4 * sum(params[lo:hi]) + live > p["memory"]["capacity_bytes"]:
            return None
        if s + 1 < len(devices):
            period = max(period, hop_ms(dev, devices[s + 1], 4 * outs[hi - 1]))
    return 1000.0 / period

best = None
for k in range(1, len(instances) + 1):
    for devices in itertools.permutations(instances, k):
        for inner in itertools.combinations(range(1, L), k - 1):
            fps = evaluate(devices, (0,) + inner + (L,))
            if fps is not None and (best is None or fps > best):
                best = fps
assert best is not None, "brute force: no feasible plan"

plan = json.load(open(plan_path))
rec = plan["recommended"]
got = rec["throughput_fps"]
if abs(got - best) > 1e-9 * best:
    sys.exit(f"pipeedge_convert: FAIL dnnpart {got} fps, brute force {best} fps")
# The recommended plan, re-evaluated independently, has that throughput.
bounds = [0]
for stage in rec["stages"]:
    assert stage["layer_names"][0] == names[bounds[-1]], stage
    bounds.append(bounds[-1] + stage["layers"])
again = evaluate([s["platform"] for s in rec["stages"]], bounds)
if again is None or abs(again - best) > 1e-9 * best:
    sys.exit(f"pipeedge_convert: FAIL the recommended plan evaluates to {again} fps, optimum {best}")
print(f"pipeedge_convert: optimum {best:.6f} fps on {[s['platform'] for s in rec['stages']]}")
EOF

# A time limit that runs out before any plan is found (here while the
# transfers are priced): exit 4, one line saying so, and the JSON says
# "complete": false with no plan.
set +e
"$DNNPART" -q plan "$tmp/out/model.onnx" --system "$tmp/out/system.json" --objective throughput \
  --best-only --format json --time-limit 1e-12 >"$tmp/limited.json" 2>"$tmp/limited.err"
rc=$?
set -e
[[ $rc -eq 4 ]] || fail "--time-limit 1e-12 exited $rc, expected 4: $(cat "$tmp/limited.err")"
grep -q "time-limit 1e-12 s reached before any plan was found" "$tmp/limited.err" ||
  fail "unexpected message: $(cat "$tmp/limited.err")"
"$python" -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["complete"] is False and not r["pareto"], r' \
  "$tmp/limited.json" || fail "the limited run's JSON"

# Bad input: one line naming the file and the entry, exit 1.
sed 's/time_s: \[0.020, 0.035, 0.010, 0.040, 0.025, 0.015\]/time_s: [0.020, 0.035]/' \
  "$data/device_types.yml" >"$tmp/short.yml"
set +e
tools/pipeedge_to_dnnpart.py "$data/models.yml" "$tmp/short.yml" "$data/devices.yml" --model chain6 \
  -o "$tmp/bad" 2>"$tmp/bad.err"
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "a short time_s list exited $rc, expected 1"
grep -q "short.yml: fast.model_profiles.chain6\[0\].time_s: 2 entries for 6 layers" "$tmp/bad.err" ||
  fail "unexpected message: $(cat "$tmp/bad.err")"
echo "pipeedge_convert: ok"
