#!/usr/bin/env node
// Runs a model and its split stages (written by `dnnpart split`) in ONNX
// Runtime on the same random inputs and compares every original graph output.
//
//   node tools/run_split.mjs DIR --model MODEL.onnx [--runs N] [--tolerance T] [--input NAME=SPEC ...]
//
// MODEL must have real weights (a copy made by `tools/ort_prepare.py
// --no-outputs` for the structure-only bundled models) and DIR must be split
// from it. Each run draws new inputs (deterministic seeds), runs MODEL, then
// runs the stages in the manifest's run_order, feeding each stage input from
// the graph inputs (stage 0) or from the outputs of the stages before it, by
// the name on the wire ("wire" in the manifest). Prints JSON:
//   {"runs": N, "ok": true, "outputs": {"name": {"max_abs_diff": d, "max_abs": m, "ok": true}}}
// with d and m the maxima over all runs. Exit 1 when some output's
// max_abs_diff > T x max_abs (T: --tolerance, default 1e-4; stages split with
// --insert-casts to float16 need about 1e-2) or an output is missing, 2 on bad usage or
// a runtime error. Inputs: floats uniform in [-1, 1), integers uniform in
// [0, 100) (names containing "mask": ones), bools random; SPEC as in ort_common.mjs ("ones",
// "zeros", a number or int:/float: a number) overrides one input. Needs tools/ort/node_modules.

import { loadOrt, makeInput, makeRandom } from './ort_common.mjs';
import { openSplit, runChain, specFor } from './split_chain.mjs';

const ort = loadOrt('run_split');

function usage(message) {
  if (message) console.error(`run_split: ${message}`);
  console.error('usage: run_split.mjs DIR --model MODEL.onnx [--runs N] [--tolerance T] [--input NAME=ones|zeros|VALUE ...]');
  process.exit(2);
}

function parseArgs(argv) {
  const parsed = { dir: null, model: null, runs: 1, tolerance: 1e-4, specs: new Map() };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--model') parsed.model = next();
    else if (arg === '--runs') parsed.runs = Number(next());
    else if (arg === '--tolerance') parsed.tolerance = Number(next());
    else if (arg === '--input') {
      const spec = next();
      const eq = spec.lastIndexOf('=');
      if (eq <= 0) usage(`bad --input ${spec}`);
      parsed.specs.set(spec.slice(0, eq), spec.slice(eq + 1));
    } else if (arg === '-h' || arg === '--help') usage();
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else if (parsed.dir === null) parsed.dir = arg;
    else usage(`unexpected argument ${arg}`);
  }
  if (parsed.dir === null || parsed.model === null) usage('DIR and --model are required');
  if (!Number.isInteger(parsed.runs) || parsed.runs < 1) usage('--runs must be a positive integer');
  if (!(parsed.tolerance >= 0)) usage('--tolerance must be a number >= 0');
  return parsed;
}

// Largest |a - b| and largest |a| over two tensors of the same shape.
function compare(expected, actual) {
  if (expected.dims.join('x') !== actual.dims.join('x') || expected.type !== actual.type) {
    throw new Error(`shape or type differs: [${expected.dims}] ${expected.type} vs [${actual.dims}] ${actual.type}`);
  }
  let diff = 0;
  let magnitude = 0;
  const a = expected.data;
  const b = actual.data;
  for (let i = 0; i < a.length; ++i) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    const d = Number.isNaN(x) && Number.isNaN(y) ? 0 : Math.abs(x - y);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    magnitude = Math.max(magnitude, Math.abs(x));
  }
  return { diff, magnitude };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const split = await openSplit(ort, args.dir, args.model);
  const { manifest, full } = split;
  const results = {};
  for (const name of full.outputNames) results[name] = { max_abs_diff: 0, max_abs: 0, ok: true };
  for (let run = 0; run < args.runs; ++run) {
    const random = makeRandom(0x9e3779b9 + run * 7919);
    const feeds = {};
    for (const meta of full.inputMetadata) feeds[meta.name] = makeInput(ort, meta, specFor(meta, args.specs.get(meta.name)), random);
    const expected = await full.run(feeds);
    const wire = await runChain(split, feeds);
    for (const name of full.outputNames) {
      const entry = results[name];
      if (!wire.has(name)) {
        entry.ok = false;
        entry.missing = true;
        continue;
      }
      const { diff, magnitude } = compare(expected[name], wire.get(name));
      entry.max_abs_diff = Math.max(entry.max_abs_diff, diff);
      entry.max_abs = Math.max(entry.max_abs, magnitude);
    }
  }
  let ok = true;
  for (const entry of Object.values(results)) {
    if (entry.max_abs_diff > args.tolerance * entry.max_abs) entry.ok = false;
    ok = ok && entry.ok;
  }
  const lines = Object.keys(results).sort().map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(results[k])}`);
  process.stdout.write(`{"runs": ${args.runs}, "stages": ${manifest.stages.length}, "ok": ${ok}, "outputs": {\n${lines.join(',\n')}\n}}\n`);
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`run_split: ${error.message}`);
  process.exit(2);
});
