#!/usr/bin/python3
"""Convert a PipeEdge scheduler instance into what `dnnpart plan` reads.

PipeEdge (usc-isi/PipeEdge) describes a scheduling problem in three YAML
files: models.yml (per model: layer count, input elements, output elements
and weight megabytes per layer), device_types.yml (per device type: memory,
bandwidth and, per model, measured seconds per layer for a data type and
batch size) and devices.yml (per device type: a list of host names).  This
tool writes into OUT:

  model.onnx            a chain with one node per PipeEdge layer, named
                        layer_1 ... layer_L, each output [batch, P_l] float32
                        and its weights as external data of mem_MB bytes (the
                        weight file is not written: dnnpart reads only dims)
  platforms/TYPE.json   one platform profile per device type, with the
                        measured per-layer table (time_s x 1000 ms)
  links/*.json          one link profile per pair of types, at the slower
                        type's bandwidth (bw_Mbps x 2^20 / 8 bytes/s)
  system.json           the device instances (a count per type), one switch
                        per pair of types, and a feed switch that carries a
                        one-element input from the first instance
  README.md             what was converted and how to plan over it

docs/pipeedge.md says which parts of PipeEdge's cost model map exactly and
which do not.  Usage:
  tools/pipeedge_to_dnnpart.py models.yml device_types.yml devices.yml -o OUT \
      [--model NAME] [--batch-size 8] [--dtype torch.float32]
Bad input: one line naming the file and the entry at fault, exit 1.
"""

import argparse
import json
import math
import os
import sys

try:
    import yaml
except ImportError:
    print("pipeedge_to_dnnpart: python3-yaml is missing (tools/install_deps.sh installs it)", file=sys.stderr)
    sys.exit(1)

MIB = 1024 * 1024
FLOAT32_BYTES = 4
# PipeEdge's defaults (sched-pipeline --help).
DEFAULT_BATCH = 8
DEFAULT_DTYPE = "torch.float32"
# PipeEdge charges no input transfer; a system file needs an input device and
# an input of at least one element. The input device is the first instance of
# the first type, and the input (one element, 4 bytes) goes to the first stage
# over a feed switch of its own ports at half the slowest type's bandwidth:
# under a microsecond at 100 Mbps, and every route between two devices is
# cheaper direct than over the feed.
FEED_BANDWIDTH_SHARE = 0.5


class InputError(Exception):
    """Bad input: the message names the file and the entry at fault."""


def load_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    except yaml.YAMLError as e:
        raise InputError(f"{path}: not YAML: {str(e).splitlines()[0]}") from e


def number(value, where, integer=False):
    """Returns value as a non-negative finite number, else raises naming `where`."""
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or not math.isfinite(value) or value < 0:
        kind = "a non-negative integer" if integer else "a non-negative number"
        raise InputError(f"{where}: expected {kind}, got {value!r}")
    return value


def number_list(value, where, integer=False):
    if not isinstance(value, list):
        raise InputError(f"{where}: expected a list, got {value!r}")
    return [number(v, f"{where}[{i}]", integer) for i, v in enumerate(value)]


def read_model(path, name):
    """The model entry as {layers, parameters_in, parameters_out (one per layer), mem_MB}."""
    models = load_yaml(path)
    if not isinstance(models, dict) or not models:
        raise InputError(f"{path}: expected a map of models")
    if name is None:
        if len(models) != 1:
            raise InputError(f"{path}: {len(models)} models; choose one with --model ({', '.join(sorted(models))})")
        name = next(iter(models))
    if name not in models:
        raise InputError(f"{path}: no model '{name}' (models: {', '.join(sorted(models))})")
    entry, where = models[name], f"{path}: {name}"
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected a map")
    for key in ("layers", "parameters_in", "parameters_out", "mem_MB"):
        if key not in entry:
            raise InputError(f"{where}: missing '{key}'")
    layers = number(entry["layers"], f"{where}.layers", integer=True)
    if layers == 0:
        raise InputError(f"{where}.layers: a model needs at least one layer")
    out = number_list(entry["parameters_out"], f"{where}.parameters_out", integer=True)
    mem = number_list(entry["mem_MB"], f"{where}.mem_MB")
    # PipeEdge repeats a shorter parameters_out list (a block repeated).
    if not out or len(out) > layers:
        raise InputError(f"{where}.parameters_out: {len(out)} entries for {layers} layers")
    if len(mem) != layers:
        raise InputError(f"{where}.mem_MB: {len(mem)} entries for {layers} layers")
    if 0 in out:
        raise InputError(f"{where}.parameters_out: a layer with no output cannot feed the next")
    return {
        "name": name,
        "layers": layers,
        "parameters_in": number(entry["parameters_in"], f"{where}.parameters_in", integer=True),
        "parameters_out": [out[i % len(out)] for i in range(layers)],
        "mem_MB": mem,
    }


def read_device_types(path, model, dtype, batch):
    """{type: {mem_MB, bw_Mbps, time_s}} for the types with a matching profile;
    the others are skipped with a warning, as PipeEdge does."""
    types = load_yaml(path)
    if not isinstance(types, dict) or not types:
        raise InputError(f"{path}: expected a map of device types")
    result = {}
    for name in sorted(types):
        entry, where = types[name], f"{path}: {name}"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: expected a map")
        for key in ("mem_MB", "bw_Mbps"):
            if key not in entry:
                raise InputError(f"{where}: missing '{key}'")
        mem = number(entry["mem_MB"], f"{where}.mem_MB")
        bw = number(entry["bw_Mbps"], f"{where}.bw_Mbps")
        if bw == 0:
            raise InputError(f"{where}.bw_Mbps: must be positive")
        profiles = (entry.get("model_profiles") or {}).get(model["name"])
        if profiles is None:
            print(f"pipeedge_to_dnnpart: warning: {where}: no profile for model '{model['name']}'; type skipped",
                  file=sys.stderr)
            continue
        if not isinstance(profiles, list):
            raise InputError(f"{where}.model_profiles.{model['name']}: expected a list")
        times = None
        for i, profile in enumerate(profiles):  # the last match wins, as in PipeEdge
            pwhere = f"{where}.model_profiles.{model['name']}[{i}]"
            if not isinstance(profile, dict) or not {"dtype", "batch_size", "time_s"} <= profile.keys():
                raise InputError(f"{pwhere}: expected dtype, batch_size and time_s")
            if profile["dtype"] == dtype and profile["batch_size"] == batch:
                times = number_list(profile["time_s"], f"{pwhere}.time_s")
                if len(times) != model["layers"]:
                    raise InputError(f"{pwhere}.time_s: {len(times)} entries for {model['layers']} layers")
        if times is None:
            print(f"pipeedge_to_dnnpart: warning: {where}: no profile for dtype {dtype}, batch size {batch}; "
                  "type skipped", file=sys.stderr)
            continue
        result[name] = {"mem_MB": mem, "bw_Mbps": bw, "time_s": times}
    return result


def read_devices(path, types):
    """{type: [host, ...]} for the types that have a profile and at least one host."""
    devices = load_yaml(path)
    if not isinstance(devices, dict):
        raise InputError(f"{path}: expected a map from device type to host names")
    hosts = {}
    for name in sorted(devices):
        where = f"{path}: {name}"
        entry = devices[name]
        if not isinstance(entry, list) or not all(isinstance(h, str) and h for h in entry):
            raise InputError(f"{where}: expected a list of host names")
        if len(set(entry)) != len(entry):
            raise InputError(f"{where}: a host is listed twice")
        if name not in types:
            print(f"pipeedge_to_dnnpart: warning: {where}: no usable device type '{name}'; hosts skipped",
                  file=sys.stderr)
            continue
        if entry:
            hosts[name] = entry
    if not hosts:
        raise InputError(f"{path}: no host of a device type with a matching profile")
    for name in hosts:
        if "#" in name or any(ord(c) < 32 for c in name) or "/" in name:
            raise InputError(f"{path}: {name}: device type name not usable as a dnnpart device name")
    return hosts


def layer_name(index):
    """PipeEdge numbers layers from 1; node names keep that number."""
    return f"layer_{index}"


def weight_elements(mem_mb):
    return int(round(mem_mb * MIB / FLOAT32_BYTES))


def write_model(path, model, batch):
    from onnx import TensorProto, helper  # python3-onnx

    nodes, inits, infos = [], [], []
    previous = "input"
    for i in range(model["layers"]):
        out = f"out_{i + 1}"
        inputs = [previous]
        elements = weight_elements(model["mem_MB"][i])
        if elements:
            weight = TensorProto(name=f"w_{i + 1}", data_type=TensorProto.FLOAT, dims=[elements])
            weight.data_location = TensorProto.EXTERNAL
            for key, value in (("location", "weights.bin"), ("offset", "0"), ("length", str(elements * 4))):
                entry = weight.external_data.add()
                entry.key, entry.value = key, value
            inits.append(weight)
            inputs.append(weight.name)
        nodes.append(helper.make_node("Layer", inputs, [out], name=layer_name(i + 1), domain="pipeedge"))
        infos.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, [batch, model["parameters_out"][i]]))
        previous = out
    graph = helper.make_graph(
        nodes, model["name"],
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, max(1, model["parameters_in"])])],
        [infos[-1]], initializer=inits, value_info=infos[:-1])
    onnx_model = helper.make_model(graph, producer_name="dnnpart tools/pipeedge_to_dnnpart.py",
                                   opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("pipeedge", 1)])
    onnx_model.ir_version = 7
    with open(path, "wb") as f:
        f.write(onnx_model.SerializeToString())


def platform_profile(name, capacity_bytes, table, source):
    return {
        "schema_version": 1,
        "kind": "platform",
        "name": name,
        "description": f"PipeEdge device type '{name}'",
        "source": source,
        "compute": {"peak_macs_per_s": {"float32": 1e12}, "data_type": "float32", "efficiency": {"default": 1.0}},
        "memory": {"capacity_bytes": capacity_bytes, "bandwidth_bytes_per_s": 1e12},
        "power": {"active_w": 0.0, "idle_w": 0.0},
        "layers": {"missing": "estimate", "table": table},
        "provenance": {"measured": {"runtime": "PipeEdge profiler (time_s per layer)"},
                       "assumed": ["compute.peak_macs_per_s", "memory.bandwidth_bytes_per_s", "power"]},
    }


def link_profile(name, bandwidth_bytes_per_s, description):
    return {
        "schema_version": 1,
        "kind": "link",
        "name": name,
        "description": description,
        "source": "PipeEdge device_types.yml bw_Mbps; PipeEdge counts a megabit as 2^20 bits",
        "bandwidth_bytes_per_s": bandwidth_bytes_per_s,
        "latency_ms": 0.0,
        "power_w": 0.0,
    }


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=False)
        f.write("\n")


def convert(args):
    model = read_model(args.models, args.model)
    types = read_device_types(args.device_types, model, args.dtype, args.batch_size)
    hosts = read_devices(args.devices, types)
    out = args.output
    os.makedirs(os.path.join(out, "platforms"), exist_ok=True)
    os.makedirs(os.path.join(out, "links"), exist_ok=True)
    write_model(os.path.join(out, "model.onnx"), model, args.batch_size)

    origin = f"converted by tools/pipeedge_to_dnnpart.py from {os.path.basename(args.device_types)}"
    names = sorted(hosts)
    for name in names:
        table = {layer_name(i + 1): {"latency_ms": t * 1000.0, "energy_mj": 0.0}
                 for i, t in enumerate(types[name]["time_s"])}
        write_json(os.path.join(out, "platforms", f"{name}.json"),
                   platform_profile(name, types[name]["mem_MB"] * MIB, table, origin))

    devices = [{"name": n, "platform": f"platforms/{n}.json", "count": len(hosts[n])} for n in names]
    media = []
    for a_index, a in enumerate(names):
        for b in names[a_index:]:
            if a == b and len(hosts[a]) < 2:
                continue  # one host: no transfer inside the type
            mbps = min(types[a]["bw_Mbps"], types[b]["bw_Mbps"])
            link_name = f"{a}--{b}"
            write_json(os.path.join(out, "links", f"{link_name}.json"),
                       link_profile(link_name, mbps * MIB / 8,
                                    f"A hop between a '{a}' and a '{b}' device: the slower bandwidth, {mbps} Mbps"))
            media.append({"name": link_name, "kind": "switch", "link": f"links/{link_name}.json",
                          "devices": [a] if a == b else [a, b]})
    feed_mbps = FEED_BANDWIDTH_SHARE * min(types[n]["bw_Mbps"] for n in names)
    write_json(os.path.join(out, "links", "feed.json"),
               link_profile("feed", feed_mbps * MIB / 8,
                            "Carries the one-element input from the input device to the first stage; at half the "
                            "slowest type's bandwidth, so no route between two devices is cheaper over it"))
    if sum(len(hosts[n]) for n in names) > 1:
        media.append({"name": "feed", "kind": "switch", "link": "links/feed.json", "devices": names})
    first = names[0] if len(hosts[names[0]]) == 1 else f"{names[0]}#1"
    system = {
        "schema_version": 1,
        "kind": "system",
        "name": f"pipeedge_{model['name']}".replace("/", "_"),
        "description": f"PipeEdge instance: model '{model['name']}', batch size {args.batch_size}, "
                       f"{sum(len(h) for h in hosts.values())} devices of {len(names)} types",
        "devices": devices,
        "media": media,
        # One element: PipeEdge charges no input transfer, and a system input
        # needs at least one element.
        "input": {"device": first, "shape": [1]},
        "provenance": {"converted_from": [os.path.basename(args.models), os.path.basename(args.device_types),
                                          os.path.basename(args.devices)]},
    }
    write_json(os.path.join(out, "system.json"), system)
    write_summary(os.path.join(out, "README.md"), args, model, types, hosts)


def write_summary(path, args, model, types, hosts):
    lines = [
        f"# PipeEdge instance '{model['name']}'",
        "",
        f"Converted by `tools/pipeedge_to_dnnpart.py` from `{args.models}`, `{args.device_types}` and "
        f"`{args.devices}` (dtype {args.dtype}, batch size {args.batch_size}). "
        "See dnnpart's docs/pipeedge.md for what maps exactly.",
        "",
        f"- model.onnx: {model['layers']} layers `layer_1` … `layer_{model['layers']}` (PipeEdge's numbering), "
        f"input {args.batch_size} x {model['parameters_in']} elements, weights "
        f"{sum(model['mem_MB']):.6g} MiB in all (external data, not written)",
        "- system.json: the device types below, one switch per pair of types at the slower bandwidth, "
        f"and a feed switch that carries a one-element input from `{min(hosts)}` instance 1 "
        "(PipeEdge charges no input transfer)",
        "",
        "| device type | instances | hosts (instance k is host k) | mem_MB | bw_Mbps | sum of time_s |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for name in sorted(hosts):
        t = types[name]
        lines.append(f"| {name} | {len(hosts[name])} | {', '.join(hosts[name])} | {t['mem_MB']:.6g} | "
                     f"{t['bw_Mbps']:.6g} | {sum(t['time_s']):.6g} |")
    lines += [
        "",
        "Plan the best throughput:",
        "",
        "```sh",
        "dnnpart plan model.onnx --system system.json --objective throughput --best-only --format json",
        "```",
        "",
        "Stage `layer_a` … `layer_b` on `TYPE#k` (`TYPE` when it has one host) is PipeEdge's `[a, b]` "
        "on the k-th host of TYPE.",
        "",
    ]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description="Convert PipeEdge's models.yml, device_types.yml and "
                                     "devices.yml into a dnnpart model, platform profiles and system file.")
    parser.add_argument("models")
    parser.add_argument("device_types")
    parser.add_argument("devices")
    parser.add_argument("-o", "--output", required=True, help="output folder (created)")
    parser.add_argument("--model", help="model name in models.yml (default: the only one)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="PipeEdge's -b (default 8)")
    parser.add_argument("--dtype", default=DEFAULT_DTYPE, help="PipeEdge's -d (default torch.float32)")
    args = parser.parse_args()
    if args.dtype != DEFAULT_DTYPE:
        parser.error(f"--dtype {args.dtype}: PipeEdge's scheduler supports only {DEFAULT_DTYPE}")
    if args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    try:
        convert(args)
    except InputError as e:
        print(f"pipeedge_to_dnnpart: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
