// What the ONNX Runtime tools share (ort_shapes.mjs, run_split.mjs): loading
// onnxruntime-node from tools/ort, a deterministic random stream, and random
// or fixed input tensors of a model's declared static shapes.

import { createRequire } from 'node:module';

// onnxruntime-node from tools/ort/node_modules; exits 2 naming `tool` when
// it is not installed.
export function loadOrt(tool) {
  const require = createRequire(import.meta.url);
  try {
    return require('./ort/node_modules/onnxruntime-node');
  } catch (error) {
    console.error(`${tool}: cannot load onnxruntime-node (${error.message});` +
                  ' run: npm install --ignore-scripts --prefix tools/ort');
    process.exit(2);
  }
}

// mulberry32: a small deterministic PRNG, so runs are repeatable.
export function makeRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ARRAYS = {
  float32: Float32Array, float64: Float64Array,
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
};

// One input tensor for `meta` (an entry of session.inputMetadata). SPEC:
// "random" (floats uniform in [-1, 1), integers in [0, 100), bools 0/1),
// "ones", "zeros", a number ("16000") or a typed number ("int:16000",
// "float:0.5"), which fills the whole tensor. Throws on symbolic dims, an
// unsupported dtype or a value the dtype cannot hold.
export function makeInput(ort, meta, spec, random) {
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
