// Fovea's WebGPU kernels (src/core/kernels) against tfjs's CPU backend (forward convolutions: against a
// float64 reference, see conv2dFloat64 in pages/kernels.ts) in Chromium's SwiftShader WebGPU:
// every case must match to a relative error of 1e-4 and leave no tensor data behind. Then a side-by-side
// timing of stock tfjs vs Fovea on GoogLeNet shapes at batch 2 is printed (not asserted: SwiftShader runs
// on the CPU). Stock LRNGrad is O(C^2) per element (41 s at 2x56x56x64 here), so it is compared at GoogLeNet's
// channel counts on small images, and only Fovea's runs at full size. FOVEA_KERNEL_TIMINGS=0 skips timings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './lib/browser.mjs';
import { startDevServer } from './lib/servers.mjs';

const MAX_REL_ERROR = 1e-4;
// FOVEA_KERNEL_STOCK_ERRORS=1 also prints the error of tfjs's own WebGPU kernels on each case, for context.
const WITH_STOCK = process.env.FOVEA_KERNEL_STOCK_ERRORS === '1';

let server;
let browser;
let page;

before(async () => {
  server = await startDevServer();
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (err) => console.error('[page error]', err));
  page.on('console', (msg) => { if (msg.type() === 'error') console.error('[page]', msg.text()); });
  await page.goto(`${server.url}e2e/pages/kernels.html`);
  await page.waitForFunction(() => window.foveaKernelChecks !== undefined, null, { timeout: 120_000 });
  const ready = await page.evaluate(() => window.foveaKernelChecks.ready);
  console.log(`backend ${ready.backend}, adapter ${ready.adapter}`);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('registerFoveaKernels replaces the stock webgpu kernels, unregister restores them, both idempotent', async () => {
  const r = await page.evaluate(() => window.foveaKernelChecks.checkRegistry());
  assert.deepEqual(r, {
    registeredIsIdempotent: true,
    unregisterRestoresOther: true,
    unregisterIsIdempotent: true,
    reRegisterWorks: true,
    cpuUntouched: true,
    foveaRegistered: true,
  });
});

test('Fovea kernels match the CPU backend', async (t) => {
  const names = await page.evaluate(() => window.foveaKernelChecks.checkCases);
  const rows = [];
  for (const name of names) {
    await t.test(name, async () => {
      const r = await page.evaluate(([n, s]) => window.foveaKernelChecks.check(n, s), [name, WITH_STOCK]);
      rows.push({
        case: name, elements: r.size, maxRelError: r.maxRelError.toExponential(2),
        'maxAbsErr/max|ref|': r.maxAbsErrorOverMax.toExponential(2),
        ...(WITH_STOCK ? { 'stock maxRelError': r.stockRelError.toExponential(2) } : {}),
        ...(r.cpuRelError !== undefined ? { 'cpu backend vs float64': r.cpuRelError.toExponential(2) } : {}),
      });
      assert.ok(r.foveaRegistered, 'Fovea kernels were not registered while checking');
      assert.ok(r.maxRelError <= MAX_REL_ERROR, `${name}: max relative error ${r.maxRelError} > ${MAX_REL_ERROR}`);
      assert.equal(r.leakedDataIds, 0, `${name}: ${r.leakedDataIds} tensor data left on the webgpu backend`);
    });
  }
  console.table(rows);
});

test('float16 packing of the feature cache: gathered rows round to nearest even, out-of-range values clamp, nothing leaks', async () => {
  const r = await page.evaluate(() => window.foveaKernelChecks.checkFloat16());
  assert.deepEqual(r.packedShape, [5, 168]);
  assert.equal(r.notNearest, 0, `${r.notNearest} values in float16's normal range are not Math.f16round's`);
  assert.ok(r.maxRelErrorNormal <= 2 ** -11, `relative error ${r.maxRelErrorNormal} > 2^-11`);
  // Below float16's normal range WGSL may flush to zero: the error stays under the smallest normal.
  assert.ok(r.maxAbsErrorTiny <= 2 ** -14, `tiny values off by ${r.maxAbsErrorTiny}`);
  // Row 0 (gathered second) held 1e5, -7e4 and 65504 at positions 3-5.
  assert.deepEqual(r.clamped, [65504, -65504, 65504]);
  assert.equal(r.leakedDataIds, 0);
});

test('a float16 feature cache gathers across its packed batches what the float32 cache holds, rounded to float16', async () => {
  const r = await page.evaluate(() => window.foveaKernelChecks.checkFloat16Cache());
  assert.equal(r.precision, 'float16');
  assert.deepEqual(r.shape, [6, 4, 4, 8]);
  assert.equal(r.mismatches, 0, `${r.mismatches} of ${r.values} values differ from the float32 cache's, rounded`);
  assert.equal(r.bytes[1] * 2, r.bytes[0]);
  assert.equal(r.leakedDataIds, 0);
});

test('stock vs Fovea timings on SwiftShader (printed, not asserted)', { skip: process.env.FOVEA_KERNEL_TIMINGS === '0' }, async () => {
  const names = await page.evaluate(() => window.foveaKernelChecks.timingCases);
  const rows = [];
  for (const name of names) {
    // Stock kernels take seconds per call here: one timed call after the first; Fovea's get three.
    const r = await page.evaluate(([n]) => window.foveaKernelChecks.time(n, 3, 1), [name]);
    const ms = (v) => (v === undefined || v === null ? 'not run' : Math.round(v));
    rows.push({
      case: name,
      'stock first ms': ms(r.stockFirstMs), 'stock ms': ms(r.stockMedianMs),
      'fovea first ms': ms(r.foveaFirstMs), 'fovea ms': ms(r.foveaMedianMs),
      speedup: r.speedup ? `${r.speedup.toFixed(1)}x` : '',
    });
  }
  console.table(rows);
  console.log(JSON.stringify({ kernelTimingsSwiftShader: rows }));
});
