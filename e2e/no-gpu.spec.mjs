// No GPU at all (Chromium without WebGPU and without WebGL): the studio runs on WebAssembly, says so plainly,
// trains scenario 1 (head only, frozen backbone) at 64 px on a few demo photographs, and refuses scenario 4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, SHARED, datasetSummary, openStudio, screenshot, tab, waitForBackend, trainQuickLinearHead } from './lib/app.mjs';

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

test('no GPU: WebAssembly backend, scenario 1 trains at 64 px, scenario 4 is refused plainly', { timeout: 300_000 }, async () => {
  const fixture = fewDemoImages();
  const studio = await openStudio({ webgpu: false, webgl: false });
  const { page } = studio;
  try {
    // COOP/COEP from the server make the page cross-origin isolated: the wasm backend may use threads.
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'the page is not cross-origin isolated');
    const badge = await waitForBackend(page);
    assert.match(badge, /CPU \(WebAssembly, SIMD, \d+ threads?\)/, `backend badge says ${badge}`);
    assert.match(badge, /scenarios 1 and 3/);
    const notice = await page.getByTestId('backend-notice').textContent();
    assert.match(notice, /WebGPU is not available/);
    assert.match(notice, /WebGL is not available either/);
    assert.match(notice, /scenarios 1 and 3/i);

    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(fixture);
    await page.waitForFunction(() => /\b12 images\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });
    await page.getByTestId('preset-select').selectOption('referable-dr');
    assert.match(await datasetSummary(page), /\b12 images\b/);

    // The default scenario (4) trains convolutions: shown, disabled, and Start says why in plain words.
    await tab(page, 'train');
    await page.getByTestId('gpu-required-notice').waitFor();
    assert.equal(await page.getByTestId('scenario-finetune-pretrained').isDisabled(), true);
    assert.equal(await page.getByTestId('scenario-finetune-all').isDisabled(), true);
    assert.equal(await page.getByTestId('start-training').isDisabled(), true);
    const refusal = await page.getByTestId('start-disabled-reason').textContent();
    assert.match(refusal, /no usable GPU/);
    assert.match(refusal, /Choose scenario 1 or 3/);
    assert.match(refusal, /WebGPU/);
    await screenshot(page, 'no-gpu-01-scenario-4-refused');

    await trainQuickLinearHead(page, 240_000);
    await screenshot(page, 'no-gpu-02-trained');

    await tab(page, 'evaluate');
    const metrics = await page.getByTestId('metrics-summary').textContent();
    assert.match(metrics, /accuracy/i);
    await page.getByTestId('confusion-matrix').waitFor();
    await screenshot(page, 'no-gpu-03-evaluate');
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
