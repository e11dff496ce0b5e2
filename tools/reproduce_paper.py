#!/usr/bin/env python3
"""Side-by-side comparison of dnnpart with the paper's EfficientNet-B0 results.

Runs `dnnpart plan --all-plans` on models/efficientnet_b0.onnx over the paper's
two accelerators (platforms/*_paper.json, built from the CNNParted per-layer
tables) and joins every single-tensor cut with the row of
tests/data/cnnparted/efficientnet_result.csv that cuts after the same node.
Prints a Markdown table (used in docs/reproduction.md). Standard library only.

    python3 tools/reproduce_paper.py [--dnnpart build/dnnpart]
"""
import argparse
import csv
import json
import subprocess


def run_plan(dnnpart, extra):
    command = [dnnpart, "-q", "plan", "models/efficientnet_b0.onnx", "--platforms",
               "platforms/eyeriss_like_paper.json", "platforms/simba_like_paper.json",
               "--format", "json"] + extra
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def pct(ours, theirs):
    return 100.0 * (ours - theirs) / theirs if theirs else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dnnpart", default="build/dnnpart")
    args = parser.parse_args()
    doc = run_plan(args.dnnpart, ["--all-plans"])
    ours = {}
    for plan in doc["all"]:
        names = plan["platforms"]
        if names == ["simba_like_paper"]:
            ours["input"] = plan
        elif names == ["eyeriss_like_paper"]:
            ours["output"] = plan
        elif names == ["eyeriss_like_paper", "simba_like_paper"]:
            ours[plan["stages"][0]["last_layer"]] = plan
    rows = list(csv.reader(open("tests/data/cnnparted/efficientnet_result.csv")))
    print("| # | cut after | paper ms | ours ms | Δ% | paper mJ | ours mJ | Δ% | paper fps | ours fps | Δ% "
          "| paper link B | ours payload B | ours wire B |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst = [0.0, 0.0, 0.0]
    matched = 0
    for row in rows:
        node, lat, energy, fps, link = row[2], float(row[5]), float(row[6]), float(row[7]), float(row[8])
        plan = ours.get(node)
        if plan is None:
            continue
        matched += 1
        links = plan["links"]
        payload = links[0]["payload_bytes"] if links else 0
        wire = links[0]["wire_bytes"] if links else 0
        d = [pct(plan["latency_ms"], lat), pct(plan["energy_mj"], energy), pct(plan["throughput_fps"], fps)]
        worst = [max(w, abs(x)) for w, x in zip(worst, d)]
        short = node.replace("/features/features.", "f.").replace("/block/block.", "/b.")
        print(f"| {row[0]} | `{short}` | {lat:.3f} | {plan['latency_ms']:.3f} | {d[0]:+.3f} | {energy:.3f} | "
              f"{plan['energy_mj']:.3f} | {d[1]:+.3f} | {fps:.4f} | {plan['throughput_fps']:.4f} | {d[2]:+.3f} | "
              f"{link:.0f} | {payload} | {wire} |")
    print()
    print(f"{matched} of the paper's {len(rows)} rows are single-tensor cuts dnnpart also evaluates; "
          f"largest differences: latency {worst[0]:.3f} %, energy {worst[1]:.3f} %, throughput {worst[2]:.3f} %.")


if __name__ == "__main__":
    main()
