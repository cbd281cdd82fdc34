// Opens the demo in Debian's headless Chromium, waits for the first grid of samples, saves a screenshot and checks it:
// the status line must report the samples and their time, and the grid must hold images (not a blank or uniform canvas).
// Usage: node screenshot.mjs [--out screenshot.png] [--chromium /usr/bin/chromium]. Exits 1 when a check fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const out = option('--out', 'screenshot.png');
const executablePath = option('--chromium', '/usr/bin/chromium');
const here = new URL('.', import.meta.url);

// Our own static server on a free loopback port.
const server = spawn(process.execPath, [new URL('serve.mjs', here).pathname, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  server.stdout.on('data', d => { const m = /http:\/\/[^\s]+/.exec(String(d)); if (m) resolve(m[0]); });
  server.on('exit', code => reject(new Error(`the server exited with ${code}`)));
  setTimeout(() => reject(new Error('the server did not start in 10 s')), 10000);
});

const profile = mkdtempSync(join(tmpdir(), 'dsno-webdemo-'));
const failures = [];
let browser;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, viewport: { width: 860, height: 1020 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] ?? await browser.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  await page.goto(`${url}?seed=1`);
  await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 120000 });
  const statusText = await page.textContent('#status');
  await page.screenshot({ path: out, fullPage: true });
  const grid = await page.locator('#grid').boundingBox();

  if (!/^64 samples in [0-9.]+ ms: one forward pass/.test(statusText)) failures.push(`status line: '${statusText}'`);
  if (errors.length) failures.push(`page errors: ${errors.join('; ')}`);
  // The grid: 8 x 8 cells of 8 x 8 pixels scaled 6x with 2-pixel gaps = 402 x 402 CSS pixels.
  if (!grid || Math.round(grid.width) < 400 || Math.round(grid.height) < 400) failures.push(`grid canvas is ${JSON.stringify(grid)}`);
  else {
    const png = PNG.sync.read(readFileSync(out));
    const levels = new Set();
    let dark = 0, bright = 0, total = 0;
    for (let y = Math.ceil(grid.y) + 2; y < grid.y + grid.height - 2; y++) {
      for (let x = Math.ceil(grid.x) + 2; x < grid.x + grid.width - 2; x++) {
        const v = png.data[4 * (y * png.width + x)];
        levels.add(v);
        if (v < 60) dark++;
        if (v > 190) bright++;
        total++;
      }
    }
    // Digits: mostly dark background with bright strokes and many grey levels in between.
    if (levels.size < 50) failures.push(`the grid has only ${levels.size} grey levels`);
    if (dark / total < 0.2 || bright / total < 0.05) failures.push(`the grid is not dark background with bright strokes (dark ${(dark / total).toFixed(2)}, bright ${(bright / total).toFixed(2)})`);
    console.log(JSON.stringify({ screenshot: out, status: statusText, greyLevels: levels.size, dark: +(dark / total).toFixed(3), bright: +(bright / total).toFixed(3) }));
  }
} finally {
  await browser?.close();
  server.kill();
  rmSync(profile, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`screenshot check failed: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('screenshot check passed');
