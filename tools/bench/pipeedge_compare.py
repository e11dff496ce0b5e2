#!/usr/bin/python3
"""PipeEdge's sched-pipeline against `dnnpart plan --best-only` (docs/benchmarks.md).

  pipeedge_compare.py table SCHED_PIPELINE DNNPART [--timeout S] [--sizes 50x4,200x8,...]
      for each instance of the table (chains of 50/200/400 layers over
      4/7/8/16/32/64 devices of 3 types, loose and tight memory, seeded):
      writes it in PipeEdge's YAML format, runs sched-pipeline on it
      (-b 8 -i 0 -o 0), converts it with tools/pipeedge_to_dnnpart.py, runs
      `dnnpart plan --objective throughput --best-only`, and prints a
      Markdown row: both wall times, the true throughput of PipeEdge's
      schedule and dnnpart's optimum, both evaluated here.
  pipeedge_compare.py generate LAYERS DEVICES loose|tight SEED DIR
      writes one instance's models.yml, device_types.yml and devices.yml.
  pipeedge_compare.py evaluate DIR SCHEDULE.yml
      prints the throughput of a PipeEdge host schedule on DIR's instance.

The evaluator is written here from the cost model of docs/pipeedge.md (as
the converter maps it), independently of dnnpart's planner: a stage costs the
sum of its layers' time_s on its host's type, a hop the output bytes over the
slower bandwidth of its two ends (Mbps x 2^20 / 8 bytes/s), the one-element
input over the converter's feed; throughput is 1 / the slowest. Memory is
checked both ways: dnnpart's (weights + the largest input+output pair of a
layer of the stage, at most the capacity) and PipeEdge's own with -i 0 -o 0
(weights + stage input + stage output, strictly below the capacity).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import yaml

MIB = 1024 * 1024
BATCH = 8
MODEL = "chain"
TYPES = ("a_fast", "b_mid", "c_slow")
SPEED = {"a_fast": 1.0, "b_mid": 2.5, "c_slow": 6.0}          # time factor per type
BW_MBPS = {"a_fast": 1000.0, "b_mid": 300.0, "c_slow": 100.0}
MEM_FACTOR = {"a_fast": 0.75, "b_mid": 1.0, "c_slow": 1.5}
LAYERS = (50, 200, 400)
DEVICES = (4, 7, 8, 16, 32, 64)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def counts(devices):
    """Devices per type: as even as possible, the faster types first."""
    return {t: devices // 3 + (devices % 3 > i) for i, t in enumerate(TYPES)}


def generate(layers, devices, tight, seed, folder):
    rng = random.Random(seed)
    out = [int(5000 * rng.uniform(0.5, 1.5)) for _ in range(layers)]
    mem = [round(2.0 * rng.uniform(0.5, 1.5), 3) for _ in range(layers)]
    base = [rng.uniform(0.5, 1.5) for _ in range(layers)]
    total_mb = sum(mem)
    # Loose: any type holds the whole model. Tight: the model needs about half
    # of all devices' memory.
    per_device = total_mb * 2.0 / devices if tight else total_mb * 4.0
    types = {}
    for t in TYPES:
        times = [round(SPEED[t] * b * rng.uniform(0.8, 1.2) / 1000.0, 7) for b in base]
        types[t] = {"mem_MB": round(per_device * MEM_FACTOR[t], 3), "bw_Mbps": BW_MBPS[t],
                    "model_profiles": {MODEL: [{"dtype": "torch.float32", "batch_size": BATCH, "time_s": times}]}}
    hosts = {t: [f"{t}-{k + 1}" for k in range(n)] for t, n in counts(devices).items() if n}
    os.makedirs(folder, exist_ok=True)
    dump = lambda name, value: yaml.safe_dump(value, open(os.path.join(folder, name), "w"), sort_keys=True)
    dump("models.yml", {MODEL: {"layers": layers, "parameters_in": 3 * 224 * 224,
                                "parameters_out": out, "mem_MB": mem}})
    dump("device_types.yml", types)
    dump("devices.yml", hosts)


def hosts_of(folder):
    return yaml.safe_load(open(os.path.join(folder, "devices.yml")))


def load(folder):
    model = yaml.safe_load(open(os.path.join(folder, "models.yml")))[MODEL]
    types = yaml.safe_load(open(os.path.join(folder, "device_types.yml")))
    hosts = yaml.safe_load(open(os.path.join(folder, "devices.yml")))
    type_of = {h: t for t, hs in hosts.items() for h in hs}
    return model, types, type_of


def evaluate(folder, schedule):
    """(fps, fits dnnpart's memory model, fits PipeEdge's) of [(host, l, r)], layers from 1."""
    model, types, type_of = load(folder)
    out = model["parameters_out"]
    act = lambda k: 4 * BATCH * (model["parameters_in"] if k == 0 else out[k - 1])  # output of layer k
    # The converter's feed: a one-element input from the first host of the
    # first type, at half the slowest bandwidth, unless the first stage runs there.
    hosts = hosts_of(folder)
    first_host = hosts[min(hosts)][0]
    feed = 0.5 * min(t["bw_Mbps"] for t in types.values()) * MIB / 8
    period = 0.0 if schedule[0][0] == first_host else 4 / feed
    fits_ours = fits_theirs = True
    for s, (host, lo, hi) in enumerate(schedule):
        t = types[type_of[host]]
        period = max(period, sum(t["model_profiles"][MODEL][0]["time_s"][lo - 1:hi]))
        weights = sum(4 * round(m * MIB / 4) for m in model["mem_MB"][lo - 1:hi])
        live = max(act(k - 1) + act(k) for k in range(lo, hi + 1))
        fits_ours &= weights + live <= t["mem_MB"] * MIB
        fits_theirs &= sum(m * MIB for m in model["mem_MB"][lo - 1:hi]) + act(lo - 1) + act(hi) < t["mem_MB"] * MIB
        if s + 1 < len(schedule):
            nxt = types[type_of[schedule[s + 1][0]]]
            period = max(period, act(hi) / (min(t["bw_Mbps"], nxt["bw_Mbps"]) * MIB / 8))
    return 1.0 / period, fits_ours, fits_theirs


def parse_pipeedge(text):
    stages = yaml.safe_load(text) or []
    return [(host, lo, hi) for stage in stages for host, (lo, hi) in stage.items()]


def run(cmd, timeout):
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, timeout
    # 3: no feasible plan; 4: dnnpart's --time-limit reached (best so far).
    if done.returncode not in (0, 3, 4):
        sys.exit(f"pipeedge_compare: {' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout, time.perf_counter() - start


def row(sched, dnnpart, layers, devices, tight, timeout):
    with tempfile.TemporaryDirectory() as folder:
        generate(layers, devices, tight, layers * 1000 + devices * 10 + tight, folder)
        y = lambda name: os.path.join(folder, name)
        text, pe_s = run([sched, "-m", MODEL, "-M", y("models.yml"), "-T", y("device_types.yml"),
                          "-D", y("devices.yml"), "-b", str(BATCH), "-i", "0", "-o", "0"], timeout)
        subprocess.run([os.path.join(ROOT, "tools", "pipeedge_to_dnnpart.py"), y("models.yml"),
                        y("device_types.yml"), y("devices.yml"), "-o", y("out"), "--batch-size", str(BATCH)],
                       check=True)
        plan, dp_s = run([dnnpart, "-q", "plan", y("out/model.onnx"), "--system", y("out/system.json"),
                          "--objective", "throughput", "--best-only", "--format", "json",
                          "--time-limit", str(timeout)], timeout + 30)
        if text is None:
            pe = f"timeout ({timeout:.0f} s)"
            pe_fps = None
        else:
            schedule = parse_pipeedge(text)
            if not schedule:
                pe, pe_fps = "no schedule", None
            else:
                pe_fps, ours, theirs = evaluate(folder, schedule)
                pe = f"{pe_fps:.3f}" + ("" if ours else " (overflows)") + ("" if theirs else " (overflows its own model)")
                if not ours:
                    pe_fps = None
        dp_fps, note = None, ""
        if plan is not None:
            result = json.loads(plan)
            rec = result.get("recommended")
            note = "" if result.get("complete", True) else " (time limit)"
            if rec:
                dp_fps = rec["throughput_fps"]
                stages = [(s["platform"], int(s["first_layer"].split("_")[1]), int(s["last_layer"].split("_")[1]))
                          for s in rec["stages"]]
                # dnnpart names instances TYPE#k; the evaluator knows hosts.
                check, ok, _ = evaluate(folder, [(f"{p.split('#')[0]}-{p.split('#')[1] if '#' in p else 1}", lo, hi)
                                                  for p, lo, hi in stages])
                if not ok or abs(check - dp_fps) > 1e-6 * dp_fps:
                    note += f" (evaluates to {check:.3f}{'' if ok else ', overflows'})"
        if plan is None:
            dp = "killed"
        elif dp_fps is None:
            dp = "none found (time limit)" if note else "no feasible plan"
        else:
            dp = f"{dp_fps:.3f}{note}"
        ratio = f"{dp_fps / pe_fps:.2f}" if dp_fps and pe_fps else "–"
        time_pe = f"{pe_s:.3f}" if text is not None else f"> {timeout:.0f}"
        time_dp = f"{dp_s:.3f}" if plan is not None else f"> {timeout + 30:.0f}"
        return (f"| {layers} | {devices} | {'tight' if tight else 'loose'} | {time_pe} | {time_dp} | "
                f"{pe} | {dp} | {ratio} |")


def table(args):
    sizes = [tuple(map(int, s.split("x"))) for s in args.sizes.split(",")] if args.sizes else \
        [(l, d) for l in LAYERS for d in DEVICES]
    print("| layers | devices | memory | PipeEdge s | dnnpart s | PipeEdge's schedule, true fps | "
          "dnnpart optimum fps | ratio |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for layers, devices in sizes:
        for tight in (False, True):
            print(row(args.sched, args.dnnpart, layers, devices, tight, args.timeout), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("table")
    t.add_argument("sched")
    t.add_argument("dnnpart")
    t.add_argument("--timeout", type=float, default=120.0, help="seconds per run of either tool (default 120)")
    t.add_argument("--sizes", help="LAYERSxDEVICES,... (default: the whole table)")
    g = sub.add_parser("generate")
    g.add_argument("layers", type=int)
    g.add_argument("devices", type=int)
    g.add_argument("memory", choices=("loose", "tight"))
    g.add_argument("seed", type=int)
    g.add_argument("folder")
    e = sub.add_parser("evaluate")
    e.add_argument("folder")
    e.add_argument("schedule")
    args = parser.parse_args()
    if args.command == "table":
        table(args)
    elif args.command == "generate":
        generate(args.layers, args.devices, args.memory == "tight", args.seed, args.folder)
    else:
        fps, ours, theirs = evaluate(args.folder, parse_pipeedge(open(args.schedule).read()))
        print(f"{fps:.6f} fps; fits dnnpart's memory model: {ours}; fits PipeEdge's (-i 0 -o 0): {theirs}")


if __name__ == "__main__":
    main()
