#!/usr/bin/env node
// Runs the stages of a split (written by `dnnpart split`) as a real pipeline:
// one process per stage, each pinned to its own core with taskset, tensors
// passed over loopback TCP, optionally rate-limited to a link's bandwidth.
//
//   node tools/run_pipeline.mjs DIR [--runs N] [--warmup N] [--cores 0,1,...]
//        [--link LINK.json | --bandwidth BYTES_PER_S] [--opt all|basic|disabled]
//
// This process is the source (it sends random graph inputs to stage 0) and the
// sink (it receives what the last stage sends). Two phases on the same
// processes: latency (one input in flight: the end-to-end latency of each run,
// median reported) and throughput (as many in flight as there are stages + 1:
// steady-state inputs per second between the first and the last result after
// the warm-up). Each stage runs ORT with 1 intra-op thread. --link uses the
// link profile's bandwidth_bytes_per_s (framing and fixed latency are not
// emulated); the limit paces the bytes a stage writes to the next stage, not
// the source or the sink. A stage sends on a chain of its own, so sending a
// result overlaps computing the next input. Prints JSON with the settings, per-stage median
// compute time, latency_ms (median) and throughput_per_s. Exit 2 on bad usage
// or a runtime error. Needs tools/ort/node_modules and taskset.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { loadOrt, makeInput, makeRandom } from './ort_common.mjs';

const SELF = fileURLToPath(import.meta.url);

function usage(message) {
  if (message) console.error(`run_pipeline: ${message}`);
  console.error('usage: run_pipeline.mjs DIR [--runs N] [--warmup N] [--cores 0,1] ' +
                '[--link LINK.json | --bandwidth BYTES_PER_S] [--opt all|basic|disabled]');
  process.exit(2);
}

// ---- framing: [u32 header length][header JSON][payload] ----
const TYPED = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array,
  uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
  bool: Uint8Array, float16: Uint16Array,
};

function encode(seq, tensors) {
  const entries = [];
  const parts = [];
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    entries.push({ name, type: t.type, dims: t.dims, bytes: bytes.length });
    parts.push(bytes);
  }
  const header = Buffer.from(JSON.stringify({ seq, tensors: entries }));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([length, header, ...parts]);
}

// Calls onFrame(seq, {name: ort.Tensor}) for each complete frame on `socket`.
function reader(ort, socket, onFrame) {
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    for (;;) {
      if (buffer.length < 4) return;
      const headerLength = buffer.readUInt32LE(0);
      if (buffer.length < 4 + headerLength) return;
      const header = JSON.parse(buffer.subarray(4, 4 + headerLength).toString());
      const total = 4 + headerLength + header.tensors.reduce((s, t) => s + t.bytes, 0);
      if (buffer.length < total) return;
      let offset = 4 + headerLength;
      const tensors = {};
      for (const t of header.tensors) {
        const copy = new Uint8Array(t.bytes);
        copy.set(buffer.subarray(offset, offset + t.bytes));
        offset += t.bytes;
        const Typed = TYPED[t.type];
        tensors[t.name] = new ort.Tensor(t.type, new Typed(copy.buffer), t.dims);
      }
      buffer = buffer.subarray(total);
      onFrame(header.seq, tensors);
    }
  });
}

// Writes `data` to `socket`, paced to `bytesPerS` (0: unlimited).
async function send(socket, data, bytesPerS) {
  if (!bytesPerS) {
    if (!socket.write(data)) await new Promise((r) => socket.once('drain', r));
    return;
  }
  const chunk = 16384;
  const start = performance.now();
  for (let off = 0; off < data.length; off += chunk) {
    const piece = data.subarray(off, Math.min(off + chunk, data.length));
    if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r));
    const due = start + ((off + piece.length) / bytesPerS) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? null : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---- worker: one stage ----
async function worker(argv) {
  const [stageFile, nextPort, bytesPerS, opt, forwardJson] = argv;
  const ort = loadOrt('run_pipeline');
  const session = await ort.InferenceSession.create(stageFile, {
    graphOptimizationLevel: opt, intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3,
  });
  const forward = new Set(JSON.parse(forwardJson));
  const next = net.connect(Number(nextPort), '127.0.0.1');
  next.setNoDelay(true);
  await new Promise((r) => next.once('connect', r));
  const computeMs = [];
  // Sends go out in order on their own chain, so a stage computes the next
  // input while the last result is still on the wire (a link is a pipeline
  // stage of its own, as the planner models it).
  let sending = Promise.resolve();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let chain = Promise.resolve();
    reader(ort, socket, (seq, tensors) => {
      chain = chain.then(async () => {
        const feeds = {};
        for (const name of session.inputNames) feeds[name] = tensors[name];
        const start = performance.now();
        const out = await session.run(feeds);
        computeMs.push(performance.now() - start);
        const sent = {};
        for (const [name, t] of Object.entries(tensors)) if (forward.has(name)) sent[name] = t;
        for (const [name, t] of Object.entries(out)) sent[name] = t;
        if (seq < 0) {  // end of stream: report and stop
          await sending;
          process.stdout.write(JSON.stringify({ compute_median_ms: median(computeMs.slice(1)) }) + '\n');
          next.end(encode(seq, sent), () => process.exit(0));
          return;
        }
        const frame = encode(seq, sent);
        sending = sending.then(() => send(next, frame, Number(bytesPerS)));
      });
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
}

// ---- coordinator ----
function parseArgs(argv) {
  const args = { dir: null, runs: 20, warmup: 3, cores: null, link: null, bandwidth: 0, opt: 'all' };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${arg} needs a value`));
    if (arg === '--runs') args.runs = Number(next());
    else if (arg === '--warmup') args.warmup = Number(next());
    else if (arg === '--cores') args.cores = next().split(',').map(Number);
    else if (arg === '--link') args.link = next();
    else if (arg === '--bandwidth') args.bandwidth = Number(next());
    else if (arg === '--opt') args.opt = next();
    else if (arg.startsWith('-')) usage(`unknown flag ${arg}`);
    else if (args.dir === null) args.dir = arg;
    else usage(`unexpected argument ${arg}`);
  }
  if (args.dir === null) usage('DIR is required');
  if (!Number.isInteger(args.runs) || args.runs < 2) usage('--runs must be an integer >= 2');
  if (args.link) args.bandwidth = JSON.parse(readFileSync(args.link, 'utf8')).bandwidth_bytes_per_s;
  if (!(args.bandwidth >= 0)) usage('bad bandwidth');
  return args;
}

function startWorker(core, argv) {
  const child = spawn('taskset', ['-c', String(core), process.execPath, SELF, '--worker', ...argv],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  let pending = '';
  let waiter = null;
  child.stdout.on('data', (d) => {
    pending += d;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(pending.slice(0, nl)));
      pending = pending.slice(nl + 1);
      if (waiter) waiter();
    }
  });
  const nextLine = () => new Promise((resolve) => {
    const check = () => (lines.length ? resolve(lines.shift()) : (waiter = check));
    check();
  });
  return { child, nextLine };
}

async function coordinator(args) {
  const ort = loadOrt('run_pipeline');
  const manifest = JSON.parse(readFileSync(path.join(args.dir, 'manifest.json'), 'utf8'));
  const order = manifest.run_order.map((i) => manifest.stages.find((s) => s.index === i));
  const cores = args.cores ?? order.map((_, k) => k % os.cpus().length);
  // Tensors a stage must pass on: inputs of later stages and graph outputs it received.
  const laterNeeds = order.map((_, k) => new Set(order.slice(k + 1).flatMap((s) => s.inputs.map((i) => i.wire))));
  const results = new Map();
  let onResult = null;
  const sink = net.createServer((socket) => reader(ort, socket, (seq) => {
    results.set(seq, performance.now());
    if (onResult) onResult(seq);
  }));
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  let nextPort = sink.address().port;
  const workers = [];
  for (let k = order.length - 1; k >= 0; --k) {
    const last = k === order.length - 1;
    const w = startWorker(cores[k], [path.join(args.dir, order[k].file), String(nextPort),
                                     String(last ? 0 : args.bandwidth), args.opt, JSON.stringify([...laterNeeds[k]])]);
    nextPort = (await w.nextLine()).port;
    workers.unshift(w);
  }
  const first = net.connect(nextPort, '127.0.0.1');
  first.setNoDelay(true);
  await new Promise((r) => first.once('connect', r));
  const probe = await ort.InferenceSession.create(path.join(args.dir, order[0].file), { logSeverityLevel: 3 });
  const random = makeRandom(7);
  const feeds = {};
  for (const meta of probe.inputMetadata) feeds[meta.name] = makeInput(ort, meta, 'random', random);
  const frame = (seq) => encode(seq, feeds);
  const sentAt = new Map();
  let seq = 0;
  const waitFor = (s) => new Promise((resolve) => {
    if (results.has(s)) return resolve();
    const prev = onResult;
    onResult = (got) => { if (prev) prev(got); if (results.has(s)) { onResult = prev; resolve(); } };
  });
  // Phase 1: latency, one in flight.
  const latency = [];
  for (let i = 0; i < args.warmup + args.runs; ++i, ++seq) {
    sentAt.set(seq, performance.now());
    await send(first, frame(seq), 0);
    await waitFor(seq);
    if (i >= args.warmup) latency.push(results.get(seq) - sentAt.get(seq));
  }
  // Phase 2: throughput, stages + 1 in flight.
  const window = order.length + 1;
  const start = seq;
  const total = args.warmup + args.runs;
  for (let i = 0; i < total; ++i, ++seq) {
    if (i >= window) await waitFor(seq - window);
    await send(first, frame(seq), 0);
  }
  await waitFor(seq - 1);
  const t0 = results.get(start + args.warmup);
  const t1 = results.get(seq - 1);
  const throughput = (seq - 1 - (start + args.warmup)) / ((t1 - t0) / 1000);
  // End of stream: each worker reports its compute time.
  await send(first, frame(-1), 0);
  const stageMs = [];
  for (const w of workers) stageMs.push((await w.nextLine()).compute_median_ms);
  first.end();
  sink.close();
  const report = {
    dir: path.resolve(args.dir), stages: order.length, cores, optimization_level: args.opt,
    bandwidth_bytes_per_s: args.bandwidth || null, runs: args.runs, warmup: args.warmup,
    stage_compute_median_ms: stageMs, latency_ms: median(latency), throughput_per_s: throughput,
    load_average_1min: os.loadavg()[0], date_utc: new Date().toISOString(),
  };
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(0);
}

const argv = process.argv.slice(2);
const run = argv[0] === '--worker' ? worker(argv.slice(1)) : coordinator(parseArgs(argv));
run.catch((error) => {
  console.error(`run_pipeline: ${error.message}`);
  process.exit(2);
});
