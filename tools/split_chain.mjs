// What the split runners share (run_split.mjs, agreement.mjs): opening a
// split folder written by `dnnpart split` and its model in ONNX Runtime, and
// running the stages in the manifest's run_order on the model's inputs.

import { readFileSync } from 'node:fs';
import path from 'node:path';

// The same settings for the model and the stages: no graph optimisation, so
// both run the nodes as written.
export const SESSION_OPTIONS = { logSeverityLevel: 3, graphOptimizationLevel: 'disabled' };

// { manifest, full, stages } for DIR and MODEL; throws on a manifest that is
// not a schema_version 1 split manifest.
export async function openSplit(ort, dir, model) {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  if (manifest.kind !== 'split' || manifest.schema_version !== 1) {
    throw new Error(`${dir}/manifest.json: not a schema_version 1 split manifest`);
  }
  const full = await ort.InferenceSession.create(model, SESSION_OPTIONS);
  const stages = new Map();
  for (const stage of manifest.stages) {
    stages.set(stage.index, { stage, session: await ort.InferenceSession.create(path.join(dir, stage.file), SESSION_OPTIONS) });
  }
  return { manifest, full, stages };
}

// Runs the stages on `feeds` (the model's graph inputs by name); returns a
// Map from wire name to tensor, holding every stage output (the original
// graph outputs under their own names).
export async function runChain(split, feeds) {
  const wire = new Map(Object.entries(feeds));
  for (const index of split.manifest.run_order) {
    const { stage, session } = split.stages.get(index);
    const stageFeeds = {};
    for (const input of stage.inputs) {
      if (!wire.has(input.wire)) throw new Error(`stage ${index}: input ${input.name}: ${input.wire} not available`);
      stageFeeds[input.name] = wire.get(input.wire);
    }
    const out = await session.run(stageFeeds);
    for (const output of stage.outputs) wire.set(output.wire, out[output.name]);
  }
  return wire;
}

// Integer masks are ones unless a spec says otherwise; everything else random.
export function specFor(meta, spec) {
  if (spec !== undefined) return spec;
  return !meta.type.startsWith('float') && /mask/i.test(meta.name) ? 'ones' : 'random';
}
