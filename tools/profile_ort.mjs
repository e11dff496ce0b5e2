#!/usr/bin/env node
// Profiles one model in ONNX Runtime: what `dnnpart profile import --from ort`
// and `dnnpart profile calibrate` read (docs/profiling.md).
//
//   node tools/profile_ort.mjs MODEL.onnx [--opt all|extended|basic|disabled] [--threads N]
//        [--runs N] [--warmup N] [--ep cpu] [--out DIR] [--input NAME=SPEC ...]
//
// It creates one session with profiling on, runs --warmup untimed runs and
// --runs timed runs on deterministic random inputs (ort_common.mjs), then
// writes into DIR (default: next to MODEL, named after it):
//   <stem>.trace.json      ORT's profile trace (Chrome trace events, every run)
//   <stem>.optimized.onnx  the graph ORT actually ran (optimizedModelFilePath)
//   <stem>.profile.json    settings, ORT version, load and whole-run medians
// The trace holds the warm-up runs too; the importer takes per-kernel medians
// over all runs, so a few slow first runs do not move them. Exit 2 on bad usage
// or a runtime error. Needs tools/ort/node_modules.

import { mkdirSync, readdirSync, renameSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { loadOrt, makeInput, makeRandom } from './ort_common.mjs';

const ort = loadOrt('profile_ort');
const LEVELS = ['all', 'extended', 'basic', 'disabled'];

function usage(message) {
  if (message) console.error(`profile_ort: ${message}`);
  console.error('usage: profile_ort.mjs MODEL.onnx [--opt all|extended|basic|disabled] [--threads N] ' +
                '[--runs N] [--warmup N] [--ep cpu] [--out DIR] [--input NAME=SPEC ...]');
  process.exit(2);
}

function positiveInt(text, flag) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) usage(`${flag} must be a positive integer, got '${text}'`);
  return value;
}

function parseArgs(argv) {
  const args = { model: null, opt: 'all', threads: 1, runs: 20, warmup: 3, ep: 'cpu', out: null, specs: new Map() };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--opt') args.opt = next();
    else if (arg === '--threads') args.threads = positiveInt(next(), arg);
    else if (arg === '--runs') args.runs = positiveInt(next(), arg);
    else if (arg === '--warmup') args.warmup = Number(next());
    else if (arg === '--ep') args.ep = next();
    else if (arg === '--out') args.out = next();
    else if (arg === '--input') {
      const spec = next();
      const eq = spec.lastIndexOf('=');
      if (eq <= 0) usage(`bad --input ${spec}`);
      args.specs.set(spec.slice(0, eq), spec.slice(eq + 1));
    } else if (arg === '-h' || arg === '--help') usage();
    else if (arg.startsWith('-')) usage(`unknown flag ${arg}`);
    else if (args.model === null) args.model = arg;
    else usage(`unexpected argument ${arg}`);
  }
  if (args.model === null) usage('MODEL is required');
  if (!LEVELS.includes(args.opt)) usage(`--opt must be one of ${LEVELS.join(', ')}`);
  if (args.ep !== 'cpu') usage(`--ep ${args.ep}: only cpu is supported by this tool`);
  if (!Number.isInteger(args.warmup) || args.warmup < 0) usage('--warmup must be a non-negative integer');
  return args;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function ortVersion() {
  return ort.env && ort.env.versions && ort.env.versions.common ? ort.env.versions.common : 'unknown';
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const stem = path.basename(args.model).replace(/\.onnx$/, '');
  const outDir = path.resolve(args.out ?? path.dirname(args.model));
  mkdirSync(outDir, { recursive: true });
  const tracePrefix = path.join(outDir, `${stem}.ortprofile`);
  const optimizedPath = path.join(outDir, `${stem}.optimized.onnx`);
  const session = await ort.InferenceSession.create(args.model, {
    graphOptimizationLevel: args.opt,
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: [args.ep],
    enableProfiling: true,
    profileFilePrefix: tracePrefix,
    optimizedModelFilePath: optimizedPath,
  });
  const random = makeRandom(1);
  const feeds = {};
  for (const meta of session.inputMetadata) {
    feeds[meta.name] = makeInput(ort, meta, args.specs.get(meta.name) ?? 'random', random);
  }
  const runMs = [];
  for (let i = 0; i < args.warmup + args.runs; ++i) {
    const start = performance.now();
    await session.run(feeds);
    if (i >= args.warmup) runMs.push(performance.now() - start);
  }
  session.endProfiling();
  await session.release();
  // ORT names the trace <prefix>_<date>.json; take the newest one.
  const traces = readdirSync(outDir)
    .filter((f) => f.startsWith(`${stem}.ortprofile`) && f.endsWith('.json'))
    .map((f) => path.join(outDir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (traces.length === 0) throw new Error(`ORT wrote no profile trace under ${tracePrefix}*`);
  const tracePath = path.join(outDir, `${stem}.trace.json`);
  renameSync(traces[0], tracePath);
  const summary = {
    model: path.basename(args.model),
    runtime: 'onnxruntime',
    runtime_version: ortVersion(),
    binding: 'onnxruntime-node',
    optimization_level: args.opt,
    intra_op_threads: args.threads,
    execution_provider: args.ep,
    warmup_runs: args.warmup,
    timed_runs: args.runs,
    run_median_ms: median(runMs),
    run_min_ms: Math.min(...runMs),
    run_max_ms: Math.max(...runMs),
    load_average_1min: os.loadavg()[0],
    date_utc: new Date().toISOString(),
    trace: path.basename(tracePath),
    optimized_model: path.basename(optimizedPath),
  };
  const summaryPath = path.join(outDir, `${stem}.profile.json`);
  writeFileSync(summaryPath, JSON.stringify(summary, null, 2) + '\n');
  console.log(JSON.stringify(summary));
}

main().catch((error) => {
  console.error(`profile_ort: ${error.message}`);
  process.exit(2);
});
