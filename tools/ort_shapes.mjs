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

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
let ort;
try {
  ort = require('./ort/node_modules/onnxruntime-node');
} catch (error) {
  console.error(`ort_shapes: cannot load onnxruntime-node (${error.message});` +
                ' run: npm install --ignore-scripts --prefix tools/ort');
  process.exit(2);
}

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

// mulberry32: a small deterministic PRNG, so runs are repeatable.
let state = 0x9e3779b9;
function random() {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const ARRAYS = {
  float32: Float32Array, float64: Float64Array,
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
};

function makeInput(meta) {
  const { name, type } = meta;
  const dims = meta.shape;
  if (!meta.isTensor || !dims) throw new Error(`input ${name}: not a tensor`);
  for (const d of dims) {
    if (typeof d !== 'number' || d < 0) {
      throw new Error(`input ${name}: symbolic dim ${JSON.stringify(d)} in ` +
                      `[${dims}]; give static dims with ort_prepare.py --input-shape`);
    }
  }
  const Array_ = ARRAYS[type];
  if (!Array_) throw new Error(`input ${name}: unsupported dtype ${type}`);
  const count = dims.reduce((a, b) => a * b, 1);
  const isFloat = type.startsWith('float');
  const isBig = type === 'int64' || type === 'uint64';

  let spec = specs.get(name);
  if (spec === undefined) spec = isFloat ? 'random' : (/mask/i.test(name) || type === 'bool') ? 'ones' : 'random';
  let fill;  // () => JS number
  if (spec === 'random') {
    fill = isFloat ? () => random() * 2 - 1 : type === 'bool' ? () => (random() < 0.5 ? 0 : 1)
                                                                : () => Math.floor(random() * 100);
  } else if (spec === 'ones' || spec === 'zeros') {
    const v = spec === 'ones' ? 1 : 0;
    fill = () => v;
  } else {
    const m = /^(?:(int|float):)?(-?[0-9.eE+-]+)$/.exec(spec);
    const value = m ? Number(m[2]) : NaN;
    if (!m || Number.isNaN(value)) throw new Error(`input ${name}: bad value ${spec}`);
    if (m[1] === 'int' && isFloat) throw new Error(`input ${name}: int: value for a ${type} input`);
    if (!isFloat && !Number.isInteger(value)) throw new Error(`input ${name}: ${spec} is not an integer`);
    fill = () => value;
  }
  const data = new Array_(count);
  for (let i = 0; i < count; ++i) data[i] = isBig ? BigInt(fill()) : fill();
  return new ort.Tensor(type, data, dims);
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
  for (const meta of session.inputMetadata) feeds[meta.name] = makeInput(meta);
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
