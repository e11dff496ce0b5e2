#!/usr/bin/env node
// Writes a calibration file for `dnnpart split --insert-casts
// --calibration-input` (docs/split.md): runs the stages of DIR (split
// without casts) in ONNX Runtime on N random inputs (the inputs `verify`
// draws) and records, for every tensor crossing a boundary between stages,
// its smallest and largest value.
//
//   node tools/calibrate.mjs DIR [--model MODEL.onnx] [--runs N] > calibration.json
//
// MODEL (default: the manifest's model.path) only provides the input
// metadata. Exit 2 on bad usage or a runtime error. Needs tools/ort/node_modules.

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadOrt, makeInput, makeRandom } from './ort_common.mjs';
import { openSplit, runChain, specFor } from './split_chain.mjs';

const ort = loadOrt('calibrate');

function parseArgs(argv) {
  const parsed = { dir: null, model: null, runs: 8 };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (arg === '--model' && i + 1 < argv.length) parsed.model = argv[++i];
    else if (arg === '--runs' && i + 1 < argv.length) parsed.runs = Number(argv[++i]);
    else if (!arg.startsWith('-') && parsed.dir === null) parsed.dir = arg;
    else throw new Error(`usage: calibrate.mjs DIR [--model MODEL.onnx] [--runs N] (bad argument ${arg})`);
  }
  if (parsed.dir === null) throw new Error('usage: calibrate.mjs DIR [--model MODEL.onnx] [--runs N]');
  if (!Number.isInteger(parsed.runs) || parsed.runs < 1) throw new Error('--runs must be a positive integer');
  if (parsed.model === null) {
    parsed.model = JSON.parse(readFileSync(path.join(parsed.dir, 'manifest.json'), 'utf8')).model.path;
  }
  return parsed;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const split = await openSplit(ort, args.dir, args.model);
  const crossing = new Map();  // wire name -> tensor name
  for (const stage of split.manifest.stages) {
    for (const input of stage.inputs) {
      if (input.from.stage !== undefined && input.dtype.startsWith('float')) crossing.set(input.wire, input.tensor);
    }
  }
  const ranges = {};
  for (let run = 0; run < args.runs; ++run) {
    const random = makeRandom(0x9e3779b9 + run * 7919);
    const feeds = {};
    for (const meta of split.full.inputMetadata) feeds[meta.name] = makeInput(ort, meta, specFor(meta, undefined), random);
    const wire = await runChain(split, feeds);
    for (const [name, tensor] of crossing) {
      const range = ranges[tensor] ?? (ranges[tensor] = { min: Infinity, max: -Infinity });
      for (const v of wire.get(name).data) {
        if (v < range.min) range.min = v;
        if (v > range.max) range.max = v;
      }
    }
  }
  const names = Object.keys(ranges).sort();
  const lines = names.map((n) => `    ${JSON.stringify(n)}: {"min": ${ranges[n].min}, "max": ${ranges[n].max}}`);
  process.stdout.write(`{\n  "schema_version": 1,\n  "kind": "calibration",\n  "tensors": {\n${lines.join(',\n')}\n  }\n}\n`);
}

main().catch((error) => {
  console.error(`calibrate: ${error.message}`);
  process.exit(2);
});
