#!/usr/bin/env python3
"""Writes a --platform-sets file with every pair of the bundled platform
profiles (platforms/*.json of kind "platform"), each over platforms/ethernet_1g.json.
Used by the sweep benchmark in docs/benchmarks.md.
Usage: tools/bench/make_pair_sets.py OUT.json"""
import itertools
import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
platforms = []
for name in sorted(os.listdir(os.path.join(root, "platforms"))):
    path = os.path.join(root, "platforms", name)
    if name.endswith(".json") and json.load(open(path)).get("kind") == "platform":
        platforms.append(path)
link = os.path.join(root, "platforms", "ethernet_1g.json")
sets = [{"platforms": list(pair), "links": [link]} for pair in itertools.combinations(platforms, 2)]
with open(sys.argv[1], "w") as out:
    json.dump(sets, out, indent=1)
print(f"{len(sets)} pairs of {len(platforms)} platforms")
