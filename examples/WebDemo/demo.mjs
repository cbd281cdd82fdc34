// The browser demo: loads an exported DSNO model into onnxruntime-web (wasm) and draws a grid of samples from one forward pass.
// Query options: ?model=URL (default model/dsno-digits.onnx), ?count=N samples (default 64), ?seed=N for repeatable noise.
import * as ort from './node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';
import { readDsnoMetadata } from './onnx-metadata.mjs';

const params = new URLSearchParams(location.search);
const modelUrl = params.get('model') ?? 'model/dsno-digits.onnx';
const count = Math.max(1, Math.min(256, Number(params.get('count') ?? 64)));
const scale = 6;
const status = document.getElementById('status');
const button = document.getElementById('generate');

function setStatus(text, state) {
  status.textContent = text;
  status.dataset.state = state;
}

// A seeded uniform generator (mulberry32) and Box-Muller for standard normal noise.
function uniforms(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(n, random) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(random(), 1e-12);
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

// Draws image `index` of `data` ([*, C, H, W], values in [-1, 1]) at cell (col, row) of a canvas context.
function drawImage(ctx, data, index, md, col, row, gap) {
  const { channels: c, height: h, width: w } = md;
  const pixels = ctx.createImageData(w, h);
  const base = index * c * h * w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < 3; k++) {
        const channel = c === 1 ? 0 : k;
        const v = data[base + (channel * h + y) * w + x];
        pixels.data[4 * (y * w + x) + k] = Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5);
      }
      pixels.data[4 * (y * w + x) + 3] = 255;
    }
  }
  // Scale up with nearest neighbours through an offscreen canvas.
  const tile = new OffscreenCanvas(w, h);
  tile.getContext('2d').putImageData(pixels, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, gap + col * (w * scale + gap), gap + row * (h * scale + gap), w * scale, h * scale);
}

function sizeCanvas(canvas, md, cols, rows, gap) {
  canvas.width = gap + cols * (md.width * scale + gap);
  canvas.height = gap + rows * (md.height * scale + gap);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#8895a7';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  return ctx;
}

async function main() {
  const response = await fetch(modelUrl);
  if (!response.ok) throw new Error(`could not load ${modelUrl}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const md = readDsnoMetadata(bytes);
  ort.env.wasm.wasmPaths = new URL('./node_modules/onnxruntime-web/dist/', import.meta.url).href;
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const m = md.frameTimes.length;
  document.getElementById('model-info').textContent =
    `${modelUrl}: ${(bytes.length / 1e6).toFixed(2)} MB, images ${md.channels}x${md.height}x${md.width}, ` +
    `${md.classes > 0 ? `${md.classes} classes` : 'unconditional'}, M = ${m} frames.`;
  document.getElementById('times').textContent =
    `Left: the noise x_T. Then the frames at t = ${md.frameTimes.join(', ')} (read from the model's metadata); the last is the sample.`;
  let seed = Number(params.get('seed') ?? Math.floor(Math.random() * 2 ** 31));

  async function generate() {
    button.disabled = true;
    setStatus('generating...', 'running');
    const size = md.channels * md.height * md.width;
    const noise = gaussian(count * size, uniforms(seed++));
    const feeds = { noise: new ort.Tensor('float32', noise, [count, md.channels, md.height, md.width]) };
    if (md.classes > 0) {
      feeds.labels = new ort.Tensor('int64', BigInt64Array.from({ length: count }, (_, i) => BigInt(i % md.classes)), [count]);
    }
    const started = performance.now();
    const results = await session.run(feeds);
    const milliseconds = performance.now() - started;

    const cols = Math.ceil(Math.sqrt(count));
    const grid = sizeCanvas(document.getElementById('grid'), md, cols, Math.ceil(count / cols), 2);
    for (let i = 0; i < count; i++) drawImage(grid, results.image.data, i, md, i % cols, Math.floor(i / cols), 2);
    const rows = Math.min(4, count);
    const strips = sizeCanvas(document.getElementById('strips'), md, m + 1, rows, 2);
    for (let r = 0; r < rows; r++) {
      drawImage(strips, noise, r, md, 0, r, 2);
      for (let f = 0; f < m; f++) drawImage(strips, results.trajectory.data, r * m + f, md, f + 1, r, 2);
    }
    setStatus(`${count} samples in ${milliseconds.toFixed(1)} ms: one forward pass (wasm, 1 thread)`, 'done');
    button.disabled = false;
  }

  button.addEventListener('click', () => generate().catch(fail));
  await generate();
}

function fail(error) {
  setStatus(`error: ${error.message ?? error}`, 'error');
  console.error(error);
}

main().catch(fail);
