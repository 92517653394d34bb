// No GPU at all (Chromium without WebGPU and without WebGL): the studio runs on WebAssembly, says so plainly,
// and trains convolutions there (Fovea's wasm Conv2DBackpropFilter): scenario 4 at 64 px on a few demo
// photographs, then Compare all with its five runs, every one done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, SHARED, datasetSummary, openStudio, screenshot, tab, waitForBackend, waitForRunEnd } from './lib/app.mjs';

const DEMO = join(SHARED, 'data', 'fundus-demo');
/** Three patients (both eyes) per class: enough for a patient-aware split with both classes validated. */
const FEW = {
  '0_No_DR': ['Patient001_L', 'Patient001_R', 'Patient002_L', 'Patient002_R', 'Patient003_L', 'Patient003_R'],
  '2_Moderate': ['Patient118_L', 'Patient118_R', 'Patient147_L', 'Patient147_R', 'Patient150_L', 'Patient150_R'],
};

function fewDemoImages() {
  const dir = join(ARTIFACTS, 'fixtures', 'few-demo');
  rmSync(dir, { recursive: true, force: true });
  for (const [label, names] of Object.entries(FEW)) {
    mkdirSync(join(dir, label), { recursive: true });
    for (const n of names) copyFileSync(join(DEMO, label, `${n}.jpg`), join(dir, label, `${n}.jpg`));
  }
  return dir;
}

test('no GPU: WebAssembly backend, scenario 4 trains at 64 px, Compare all runs all five', { timeout: 600_000 }, async () => {
  const fixture = fewDemoImages();
  const studio = await openStudio({ webgpu: false, webgl: false });
  const { page } = studio;
  try {
    // COOP/COEP from the server make the page cross-origin isolated: the wasm backend may use threads.
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'the page is not cross-origin isolated');
    const badge = await waitForBackend(page);
    assert.match(badge, /CPU \(WebAssembly, SIMD, \d+ threads?\)/, `backend badge says ${badge}`);
    // Every logical core (tfjs alone would stop at half of them: one thread on a 2-core machine).
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.match(badge, new RegExp(`SIMD, ${cores} threads?\\)`), `${cores} logical cores, badge says ${badge}`);
    assert.doesNotMatch(badge, /scenarios 1 and 3/);
    const notice = await page.getByTestId('backend-notice').textContent();
    assert.match(notice, /WebGPU is not available/);
    assert.match(notice, /WebGL is not available either/);
    assert.match(notice, /every scenario trains/i);

    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(fixture);
    await page.waitForFunction(() => /\b12 images\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });
    await page.getByTestId('preset-select').selectOption('referable-dr');
    assert.match(await datasetSummary(page), /\b12 images\b/);

    // Every scenario is offered; scenario 4 (conv2 frozen, inception_3a..5b trained) trains one epoch at 64 px.
    await tab(page, 'train');
    assert.equal(await page.getByTestId('gpu-required-notice').count(), 0);
    assert.equal(await page.getByTestId('scenario-finetune-all').isDisabled(), false);
    await page.getByTestId('scenario-finetune-pretrained').click();
    await page.getByTestId('input-size').selectOption('64');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('batch-size').fill('8');
    await page.getByTestId('rotations').uncheck();
    const started = Date.now();
    await page.getByTestId('start-training').click();
    await waitForRunEnd(page, 240_000);
    console.log(`scenario 4, 64 px, 1 epoch on wasm: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await screenshot(page, 'no-gpu-01-scenario-4-trained');

    await tab(page, 'evaluate');
    assert.match(await page.getByTestId('metrics-summary').textContent(), /accuracy/i);
    await page.getByTestId('confusion-matrix').waitFor();

    // Compare all at 64 px, one epoch a run: the convolution runs (2, 4, from scratch) train too, none is skipped.
    await tab(page, 'train');
    await page.getByTestId('compare-epochs').fill('1');
    const compared = Date.now();
    await page.getByTestId('compare-start').click();
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('[data-testid="compare-row"]')];
        return rows.length === 5 && rows.every((r) => ['done', 'skipped', 'failed', 'cancelled'].includes(r.dataset.status ?? ''));
      },
      null, { timeout: 420_000, polling: 1000 },
    );
    console.log(`compare all, 64 px, 1 epoch each on wasm: ${((Date.now() - compared) / 1000).toFixed(1)} s`);
    const rows = await page.getByTestId('compare-row').evaluateAll((rs) => rs.map((r) => ({ run: r.dataset.run, status: r.dataset.status, text: r.textContent })));
    assert.deepEqual(rows.map((r) => r.run), ['linear-top', 'finetune-all', 'linear-early', 'finetune-pretrained', 'from-scratch']);
    for (const r of rows) {
      assert.equal(r.status, 'done', `${r.run}: ${r.text}`);
      assert.match(r.text, /\d+(\.\d)?%/, `${r.run} shows no accuracy: ${r.text}`);
    }
    await page.getByTestId('compare-all').screenshot({ path: join(ARTIFACTS, 'no-gpu-02-compare.png') });
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
