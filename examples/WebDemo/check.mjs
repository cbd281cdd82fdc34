// Runs an exported DSNO model with onnxruntime-web's wasm backend in Node and compares it with outputs computed in .NET.
// Usage: node check.mjs --model dsno.onnx --reference reference.json [--tolerance 1e-4]
// reference.json: { "batch": N, "noise": [N*C*H*W floats], "labels": [N ints] or null, "trajectory": [N*M*C*H*W floats], "source": "..." }
// Prints one JSON line with the largest absolute difference and exits 0 when it is within the tolerance, 1 otherwise.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { readDsnoMetadata } from './onnx-metadata.mjs';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) {
    if (fallback === undefined) throw new Error(`missing ${name}`);
    return fallback;
  }
  return process.argv[i + 1];
}

const modelPath = option('--model');
const reference = JSON.parse(readFileSync(option('--reference'), 'utf8'));
const tolerance = Number(option('--tolerance', '1e-4'));
const bytes = new Uint8Array(readFileSync(modelPath));
const md = readDsnoMetadata(bytes);
const m = md.frameTimes.length;
const { batch } = reference;
const imageSize = md.channels * md.height * md.width;
if (reference.noise.length !== batch * imageSize) {
  throw new Error(`reference noise has ${reference.noise.length} values, the model takes ${batch} x ${imageSize}`);
}

ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
const feeds = { noise: new ort.Tensor('float32', Float32Array.from(reference.noise), [batch, md.channels, md.height, md.width]) };
if (md.classes > 0) feeds.labels = new ort.Tensor('int64', BigInt64Array.from(reference.labels.map(BigInt)), [batch]);
const started = performance.now();
const results = await session.run(feeds);
const milliseconds = performance.now() - started;

const trajectory = results.trajectory.data;
const image = results.image.data;
if (trajectory.length !== reference.trajectory.length) {
  throw new Error(`wasm gave ${trajectory.length} trajectory values, the reference has ${reference.trajectory.length}`);
}
let max = 0;
for (let i = 0; i < trajectory.length; i++) max = Math.max(max, Math.abs(trajectory[i] - reference.trajectory[i]));
// The image output must be the last frame of the trajectory.
let imageMismatch = 0;
for (let b = 0; b < batch; b++) {
  for (let k = 0; k < imageSize; k++) {
    imageMismatch = Math.max(imageMismatch, Math.abs(image[b * imageSize + k] - trajectory[(b * m + m - 1) * imageSize + k]));
  }
}
const ok = Number.isFinite(max) && max <= tolerance && imageMismatch === 0;
console.log(JSON.stringify({
  model: modelPath, backend: 'wasm', versus: reference.source ?? 'reference', batch, frames: m, frameTimes: md.frameTimes,
  maxAbsDifference: max, imageIsLastFrame: imageMismatch === 0, tolerance, milliseconds: Math.round(milliseconds), ok,
}));
process.exit(ok ? 0 : 1);
