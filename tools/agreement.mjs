#!/usr/bin/env node
// Output agreement between a split folder and the whole model, for
// `dnnpart plan --accuracy-cmd` (docs/split.md, "Accuracy of a plan").
//
//   node tools/agreement.mjs DIR [--model MODEL.onnx] [--runs N] [--input NAME=SPEC ...]
//
// Runs MODEL (default: the manifest's model.path) and the chained stages of
// DIR in ONNX Runtime on N random inputs (deterministic seeds, as
// run_split.mjs draws them) and compares the first graph output:
//   top-1 agreement: the share of rows (all axes but the last) whose argmax
//     over the last axis is the same in both;
//   max relative error: max |full - split| / max |full| over every output.
// The stages are run as written, so the precision of each boundary is the
// one in the files: with `--insert-casts` a float16 boundary rounds there,
// as on the device. Prints one JSON line with both figures, then the top-1
// agreement alone (a number in [0, 1]) as the last line. Exit 2 on bad usage
// or a runtime error. Needs tools/ort/node_modules.

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadOrt, makeInput, makeRandom } from './ort_common.mjs';
import { openSplit, runChain, specFor } from './split_chain.mjs';

const ort = loadOrt('agreement');

function usage(message) {
  if (message) console.error(`agreement: ${message}`);
  console.error('usage: agreement.mjs DIR [--model MODEL.onnx] [--runs N] [--input NAME=ones|zeros|VALUE ...]');
  process.exit(2);
}

function parseArgs(argv) {
  const parsed = { dir: null, model: null, runs: 8, specs: new Map() };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--model') parsed.model = next();
    else if (arg === '--runs') parsed.runs = Number(next());
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
  if (parsed.dir === null) usage('DIR is required');
  if (!Number.isInteger(parsed.runs) || parsed.runs < 1) usage('--runs must be a positive integer');
  if (parsed.model === null) {
    parsed.model = JSON.parse(readFileSync(path.join(parsed.dir, 'manifest.json'), 'utf8')).model.path;
  }
  return parsed;
}

// [rows matching, rows] of the argmax over the last axis.
function top1(expected, actual) {
  const dims = expected.dims;
  const classes = dims.length === 0 ? 1 : dims[dims.length - 1];
  const rows = classes === 0 ? 0 : expected.data.length / classes;
  let same = 0;
  for (let r = 0; r < rows; ++r) {
    let best = [0, 0];
    for (let c = 1; c < classes; ++c) {
      if (Number(expected.data[r * classes + c]) > Number(expected.data[r * classes + best[0]])) best[0] = c;
      if (Number(actual.data[r * classes + c]) > Number(actual.data[r * classes + best[1]])) best[1] = c;
    }
    if (best[0] === best[1]) ++same;
  }
  return [same, rows];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const split = await openSplit(ort, args.dir, args.model);
  const { full } = split;
  const first = full.outputNames[0];
  let same = 0, rows = 0, diff = 0, magnitude = 0;
  for (let run = 0; run < args.runs; ++run) {
    const random = makeRandom(0x9e3779b9 + run * 7919);
    const feeds = {};
    for (const meta of full.inputMetadata) feeds[meta.name] = makeInput(ort, meta, specFor(meta, args.specs.get(meta.name)), random);
    const expected = await full.run(feeds);
    const wire = await runChain(split, feeds);
    for (const name of full.outputNames) {
      if (!wire.has(name)) throw new Error(`no stage produces graph output ${name}`);
      const a = expected[name].data;
      const b = wire.get(name).data;
      for (let i = 0; i < a.length; ++i) {
        const d = Math.abs(Number(a[i]) - Number(b[i]));
        diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
        magnitude = Math.max(magnitude, Math.abs(Number(a[i])));
      }
    }
    const [s, r] = top1(expected[first], wire.get(first));
    same += s;
    rows += r;
  }
  const agreement = rows === 0 ? 1 : same / rows;
  const relative = magnitude === 0 ? (diff === 0 ? 0 : Infinity) : diff / magnitude;
  process.stdout.write(`{"runs": ${args.runs}, "output": ${JSON.stringify(first)}, "top1_agreement": ${agreement}, ` +
                       `"max_relative_error": ${Number.isFinite(relative) ? relative : null}}\n${agreement}\n`);
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`agreement: ${error.message}`);
  process.exit(2);
});
