#!/usr/bin/env node
// Runs an ONNX model once with ONNX Runtime (CPU) and prints the runtime shape
// and dtype of every graph output as JSON, sorted by name:
//   {"tensors": {"name": {"shape": [1, 64, 56, 56], "dtype": "float32"}, ...}}
//
//   node tools/ort_shapes.mjs MODEL.onnx [--input NAME=SPEC ...]
//
// Use it on a copy made by tools/ort_prepare.py, which fills absent weights and
// exposes every intermediate value as a graph output.
//
// Inputs take the static shape and dtype the model declares (a symbolic dim is
// an error: fix it with ort_prepare.py --input-shape). Default values:
// floats uniform in [-1, 1); integer inputs whose name contains "mask" are
// ones, other integers uniform in [0, 100); bools true. Deterministic (fixed
// seed). SPEC overrides one input: "random", "ones", "zeros", a number
// ("16000") or a typed number ("int:16000", "float:0.5"); a number fills the
// whole tensor, e.g. --input sr=16000 for Silero VAD's scalar sample rate.
//
// Timings go to stderr. Needs tools/ort/node_modules (npm install
// --ignore-scripts --prefix tools/ort). ORT_THREADS sets intra-op threads.

import { performance } from 'node:perf_hooks';

import { loadOrt, makeInput, makeRandom } from './ort_common.mjs';

const ort = loadOrt('ort_shapes');

function usage(message) {
  if (message) console.error(`ort_shapes: ${message}`);
  console.error('usage: ort_shapes.mjs MODEL.onnx [--input NAME=random|ones|zeros|VALUE|int:VALUE|float:VALUE ...]');
  process.exit(2);
}

const args = process.argv.slice(2);
let modelPath = null;
const specs = new Map();
for (let i = 0; i < args.length; ++i) {
  const arg = args[i];
  let spec = null;
  if (arg === '--input') {
    if (i + 1 >= args.length) usage('--input needs NAME=SPEC');
    spec = args[++i];
  } else if (arg.startsWith('--input=')) {
    spec = arg.slice('--input='.length);
  } else if (arg === '-h' || arg === '--help') {
    usage();
  } else if (arg.startsWith('-')) {
    usage(`unknown option ${arg}`);
  } else if (modelPath === null) {
    modelPath = arg;
  } else {
    usage(`unexpected argument ${arg}`);
  }
  if (spec !== null) {
    const eq = spec.lastIndexOf('=');
    if (eq <= 0) usage(`bad --input ${spec}`);
    specs.set(spec.slice(0, eq), spec.slice(eq + 1));
  }
}
if (modelPath === null) usage('no model given');

const random = makeRandom(0x9e3779b9);

// Integer masks are ones and bools true unless --input says otherwise.
function specFor(meta) {
  const spec = specs.get(meta.name);
  if (spec !== undefined) return spec;
  const isFloat = meta.type.startsWith('float');
  return !isFloat && (/mask/i.test(meta.name) || meta.type === 'bool') ? 'ones' : 'random';
}

// No graph optimisation: the oracle runs the graph as written (no fusion or
// constant folding), and sessions of large models load faster.
const options = { logSeverityLevel: 3, graphOptimizationLevel: 'disabled' };
if (process.env.ORT_THREADS) options.intraOpNumThreads = Number(process.env.ORT_THREADS);

try {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(modelPath, options);
  const t1 = performance.now();
  for (const name of specs.keys()) {
    if (!session.inputNames.includes(name)) throw new Error(`no input named ${name} (inputs: ${session.inputNames.join(', ')})`);
  }
  const feeds = {};
  for (const meta of session.inputMetadata) feeds[meta.name] = makeInput(ort, meta, specFor(meta), random);
  const t2 = performance.now();
  const results = await session.run(feeds);
  const t3 = performance.now();

  const tensors = {};
  for (const name of Object.keys(results).sort()) {
    const value = results[name];
    tensors[name] = { shape: Array.from(value.dims, Number), dtype: value.type };
  }
  // One tensor per line, for readable diffs.
  const lines = Object.entries(tensors).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  process.stdout.write(`{"tensors": {\n${lines.join(',\n')}\n}}\n`);
  console.error(`ort_shapes: ${modelPath}: load ${(t1 - t0).toFixed(0)} ms, ` +
                `run ${(t3 - t2).toFixed(0)} ms, ${Object.keys(tensors).length} outputs`);
  await session.release();
} catch (error) {
  console.error(`ort_shapes: ${modelPath}: ${error.message}`);
  process.exit(1);
}
