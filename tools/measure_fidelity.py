#!/usr/bin/python3
"""Measures how well dnnpart's predictions match real ONNX Runtime runs on
this machine (docs/fidelity.md). One command:

    /usr/bin/python3 tools/measure_fidelity.py --work /tmp/fidelity [--core 1]
        [--runs 10] [--cut-networks mobilenet_v2 resnet18 ...] [--cuts 10]
        [--pipelines mobilenet_v2 resnet18 ...] [--skip-export]

Steps (each writes into --work and prints one JSON object per line to stdout;
the summary tables go to stderr):
  1. export the networks with random weights (tools/export_models.py --keep-weights);
  2. profile each whole network (tools/profile_ort.mjs, pinned with taskset to --core)
     and import the trace (dnnpart profile import --from ort, --force so noisy
     runs are still recorded): whole-network error of the mapped trace;
  3. dnnpart profile calibrate on all networks: before / after / leave-one-out error;
  4. for --cut-networks: --cuts evenly spaced single-tensor cuts, each split
     (dnnpart split --cuts ID) and both stages profiled; the head's share of
     the two stage latencies, measured vs predicted from the mapped trace of
     the whole network, and whether the predicted best cut (smallest
     max(head, tail)) is the measured best;
  5. for --pipelines: a 2-stage split at the middle cut run by
     tools/run_pipeline.mjs on cores 0 and 1 (the last one also rate-limited
     to platforms/ethernet_100m.json), throughput against
     1 / max(head, tail, link) predicted from the mapped traces.
Every record carries the 1-minute load average when it was taken.
Needs Debian's python3 with torch, torchvision and onnx, node, taskset and
tools/ort/node_modules.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DNNPART = os.environ.get("DNNPART", os.path.join(ROOT, "build", "dnnpart"))
NETWORKS = ["mobilenet_v2", "efficientnet_b0", "resnet18", "resnet50", "googlenet",
            "squeezenet1_1", "regnet_x_400mf", "alexnet"]
BASE = os.path.join(ROOT, "platforms", "raspberry_pi_4.json")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def load():
    return os.getloadavg()[0]


def emit(record):
    record["load_average_1min"] = load()
    print(json.dumps(record), flush=True)


def profile(model, out, core, runs):
    """Profiles `model`; returns the settings JSON written by profile_ort.mjs."""
    res = run(["taskset", "-c", str(core), "node", os.path.join(ROOT, "tools", "profile_ort.mjs"), model,
               "--runs", str(runs), "--warmup", "2", "--out", out])
    return json.loads(res.stdout.strip().splitlines()[-1])


def import_trace(stem, model, out_json):
    res = run([DNNPART, "profile", "import", "--from", "ort", stem + ".trace.json",
               "--optimized-model", stem + ".optimized.onnx", "--model", model, "--into", BASE,
               "--run-info", stem + ".profile.json", "-o", out_json, "--force"])
    with open(out_json) as f:
        return json.load(f), res.stderr.strip()


def trace_kernel_ms(trace_path):
    """Sum over kernels of each kernel's median (per run totals), in ms."""
    with open(trace_path) as f:
        events = json.load(f)
    runs = sorted((e["ts"], e["ts"] + e["dur"]) for e in events if e.get("name") == "model_run")
    per = {}
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
            continue
        for i, (a, b) in enumerate(runs):
            if a <= e["ts"] <= b:
                per.setdefault(e["name"], {}).setdefault(i, 0.0)
                per[e["name"]][i] += e["dur"] / 1000.0
    return sum(statistics.median(v.values()) for v in per.values())


def node_names(path):
    return [n.name for n in onnx.load(path, load_external_data=False).graph.node]


def whole_networks(args, names):
    rows = []
    for name in names:
        model = os.path.join(args.work, "models", name + "_full.onnx")
        info = profile(model, os.path.join(args.work, "whole"), args.core, args.runs)
        stem = os.path.join(args.work, "whole", name + "_full")
        table, coverage = import_trace(stem, model, os.path.join(args.work, "whole", name + ".imported.json"))
        mapped = sum(v["latency_ms"] for v in table["layers"]["table"].values())
        kernel = trace_kernel_ms(stem + ".trace.json")
        row = {"step": "whole", "network": name, "run_median_ms": info["run_median_ms"],
               "run_min_ms": info["run_min_ms"], "mapped_ms": mapped, "kernel_sum_ms": kernel,
               "coverage": table["provenance"]["measured"]["coverage"], "report": coverage}
        emit(row)
        rows.append(row)
    return rows


def calibrate(args, names):
    cmd = [DNNPART, "profile", "calibrate", "--base", BASE, "-o", os.path.join(args.work, "calibrated.json"), "--force"]
    for name in names:
        stem = os.path.join(args.work, "whole", name + "_full")
        cmd += ["--trace", stem + ".trace.json", "--model", os.path.join(args.work, "models", name + "_full.onnx")]
    res = run(cmd)
    with open(os.path.join(args.work, "calibrated.json")) as f:
        calibrated = json.load(f)
    emit({"step": "calibrate", "networks": calibrated["provenance"]["calibrated"]["networks"],
          "table": res.stderr})


def cut_ids(model, count):
    cuts = json.loads(run([DNNPART, "cuts", model, "--format", "json"]).stdout)["cuts"]
    ids = [c["id"] for c in cuts]
    if len(ids) <= count:
        return ids
    return [ids[round(i * (len(ids) - 1) / (count - 1))] for i in range(count)][1:-1] if count > 2 else ids[:count]


def cuts(args, name):
    model = os.path.join(args.work, "models", name + "_full.onnx")
    with open(os.path.join(args.work, "whole", name + ".imported.json")) as f:
        table = json.load(f)["layers"]["table"]
    records = []
    for cut in cut_ids(model, args.cuts + 2):
        out = os.path.join(args.work, "cuts", f"{name}_{cut}")
        run([DNNPART, "split", model, "--cuts", str(cut), "-o", out, "--force"])
        stages = []
        for k in (0, 1):
            stage = os.path.join(out, f"stage_{k}.onnx")
            info = profile(stage, out, args.core, args.runs)
            predicted = sum(table.get(n, {"latency_ms": 0.0})["latency_ms"] for n in node_names(stage))
            stages.append({"measured_ms": info["run_median_ms"], "predicted_ms": predicted,
                           "kernel_sum_ms": trace_kernel_ms(os.path.join(out, f"stage_{k}.trace.json"))})
        rec = {"step": "cut", "network": name, "cut": cut, "head": stages[0], "tail": stages[1]}
        emit(rec)
        records.append(rec)
    return records


def pipeline(args, name, bandwidth_link):
    model = os.path.join(args.work, "models", name + "_full.onnx")
    ids = json.loads(run([DNNPART, "cuts", model, "--format", "json"]).stdout)["cuts"]
    cut = ids[len(ids) // 2]
    out = os.path.join(args.work, "pipe", f"{name}_{cut['id']}")
    run([DNNPART, "split", model, "--cuts", str(cut["id"]), "-o", out, "--force"])
    with open(os.path.join(args.work, "whole", name + ".imported.json")) as f:
        table = json.load(f)["layers"]["table"]
    predicted = [sum(table.get(n, {"latency_ms": 0.0})["latency_ms"] for n in node_names(os.path.join(out, f"stage_{k}.onnx")))
                 for k in (0, 1)]
    cmd = ["node", os.path.join(ROOT, "tools", "run_pipeline.mjs"), out, "--runs", str(args.runs), "--cores", "0,1"]
    link_ms = 0.0
    if bandwidth_link:
        cmd += ["--link", bandwidth_link]
        with open(bandwidth_link) as f:
            link_ms = 1000.0 * cut["total_bytes"] / json.load(f)["bandwidth_bytes_per_s"]
    measured = json.loads(run(cmd).stdout.strip().splitlines()[-1])
    emit({"step": "pipeline", "network": name, "cut": cut["id"], "link": bandwidth_link, "tensor_bytes": cut["total_bytes"],
          "predicted_stage_ms": predicted, "predicted_link_ms": link_ms,
          "predicted_throughput_per_s": 1000.0 / max(predicted + [link_ms]),
          "predicted_latency_ms": sum(predicted) + link_ms, "measured": measured})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", required=True)
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--networks", nargs="+", default=NETWORKS)
    parser.add_argument("--cut-networks", nargs="*", default=["mobilenet_v2", "resnet18", "squeezenet1_1", "efficientnet_b0"])
    parser.add_argument("--cuts", type=int, default=10)
    parser.add_argument("--pipelines", nargs="*", default=["mobilenet_v2", "resnet18", "squeezenet1_1", "googlenet"])
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-whole", action="store_true",
                        help="reuse the whole-network traces already in --work (steps 2 and 3)")
    args = parser.parse_args()
    for sub in ("whole", "cuts", "pipe"):
        os.makedirs(os.path.join(args.work, sub), exist_ok=True)
    if not args.skip_export:
        run([sys.executable, os.path.join(ROOT, "tools", "export_models.py"), "--out", os.path.join(args.work, "models"),
             "--only", *args.networks, "--keep-weights", *args.networks])
    emit({"step": "start", "uptime": run(["uptime"]).stdout.strip()})
    if not args.skip_whole:
        whole_networks(args, args.networks)
        calibrate(args, args.networks)
    for name in args.cut_networks:
        cuts(args, name)
    link = os.path.join(ROOT, "platforms", "ethernet_100m.json")
    for i, name in enumerate(args.pipelines):
        pipeline(args, name, link if i == len(args.pipelines) - 1 else None)
    emit({"step": "end", "uptime": run(["uptime"]).stdout.strip()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
