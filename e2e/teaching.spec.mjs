// Issue 8 in the built app (Chromium; the backend chosen automatically, which on a machine whose only GPU is
// SwiftShader is WebAssembly, ~20x faster here) on a small demo subset at 64 px: the network
// diagram on the Train screen follows the settings; a Grad-CAM overlay on a gallery card; "Compare all"
// finishes with five rows with numbers (scenarios 1-4 and from scratch, 1 epoch each) and its chart; the prediction
// panel's overlay and the inside-the-network panel (conv1 identical when frozen, PCA maps); an opened row's gallery;
// scenario 3's run made the current model with "Use this model", named on the Export screen.
// Screenshots: e2e/artifacts/teaching-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, SHARED, openStudio, screenshot, tab, waitForBackend, waitForRunEnd } from './lib/app.mjs';

const DEMO = join(SHARED, 'data', 'fundus-demo');
const SUBSET = join(ARTIFACTS, 'fixtures-teaching');

/** 6 photographs of grade 0 and 6 of grade 2, in class folders (the first patients of each). */
function makeSubset() {
  rmSync(SUBSET, { recursive: true, force: true });
  for (const grade of ['0_No_DR', '2_Moderate']) {
    mkdirSync(join(SUBSET, grade), { recursive: true });
    for (const f of readdirSync(join(DEMO, grade)).filter((n) => n.endsWith('.jpg')).sort().slice(0, 6)) {
      copyFileSync(join(DEMO, grade, f), join(SUBSET, grade, f));
    }
  }
}

test('teaching: diagram on Train, Grad-CAM overlay, compare all (five rows) on 12 photographs at 64 px', { timeout: 600_000 }, async () => {
  makeSubset();
  const studio = await openStudio({ backend: 'auto' });
  const { page } = studio;
  try {
    // Every scenario trains on every backend now (WebAssembly has Fovea's convolution filter gradient).
    await waitForBackend(page);
    await tab(page, 'dataset');
    await page.getByTestId('preset-select').selectOption('referable-dr');
    await page.getByTestId('folder-input').setInputFiles(SUBSET);
    await page.waitForFunction(() => /\b12\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });

    await tab(page, 'train');
    await page.getByTestId('scenario-linear-top').click();
    await page.getByTestId('input-size').selectOption('64');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('batch-size').fill('16');
    await page.getByTestId('rotations').uncheck();
    await page.getByTestId('test-time-rotations').uncheck();
    // The diagram follows the form: scenario 1 trains only the head (1024 x 2 + 2 parameters)...
    const trainable = () => page.getByTestId('train-network').getByTestId('netdiag-summary').getAttribute('data-trainable');
    assert.equal(await trainable(), '2050');
    // ...and a custom freeze changes it at once.
    await page.getByTestId('scenario-finetune-pretrained').click();
    assert.ok(Number(await trainable()) > 5_000_000, `scenario 4 trains ${await trainable()} parameters`);
    await page.getByTestId('scenario-linear-top').click();
    await screenshot(page, 'teaching-01-train-diagram');

    await page.getByTestId('start-training').click();
    await waitForRunEnd(page, 300_000);

    await tab(page, 'evaluate');
    await page.getByTestId('predictions-gallery').waitFor();
    await page.getByTestId('gallery-gradcam').first().click();
    await page.getByTestId('gradcam-canvas').waitFor({ timeout: 120_000 });
    assert.match(await page.getByTestId('gradcam-caption').textContent(), /inception_5b.*2×2 map/);
    await page.getByTestId('gradcam-opacity').fill('0.7');
    await page.getByTestId('gallery-open').screenshot({ path: join(ARTIFACTS, 'teaching-02-gradcam.png') });
    // The dropped image's prediction has the same overlay.
    await page.getByTestId('predict-dropzone').locator('input[type=file]').setInputFiles(join(DEMO, '2_Moderate', 'Patient011_L.jpg'));
    await page.getByTestId('prediction-gradcam').click({ timeout: 120_000 });
    await page.locator('.predict [data-testid="gradcam-canvas"]').waitFor({ timeout: 120_000 });
    // Inside the network: scenario 1 froze conv1, so its filters are the pretrained ones; PCA maps drawn.
    await page.getByTestId('inside-load').click();
    await page.getByTestId('filters-identical').waitFor({ timeout: 120_000 });
    await page.getByTestId('pca-after').waitFor();
    await page.getByTestId('pca-identical').waitFor(); // scenario 1: the pooled features did not change either
    await page.getByTestId('inside-network').screenshot({ path: join(ARTIFACTS, 'teaching-04-inside.png') });

    await tab(page, 'train');
    await page.getByTestId('compare-epochs').fill('1');
    await page.getByTestId('compare-start').click();
    await page.getByTestId('compare-progress').waitFor({ timeout: 60_000 });
    // Switching tabs keeps the comparison going and shown.
    await tab(page, 'learn');
    await tab(page, 'train');
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="compare-row"]')].every((r) => ['done', 'skipped', 'failed', 'cancelled'].includes(r.dataset.status ?? '')),
      null, { timeout: 480_000, polling: 1000 },
    );
    const rows = await page.getByTestId('compare-row').evaluateAll((rs) => rs.map((r) => ({ run: r.dataset.run, status: r.dataset.status, text: r.textContent })));
    assert.equal(rows.length, 5);
    assert.deepEqual(rows.map((r) => r.run), ['linear-top', 'finetune-all', 'linear-early', 'finetune-pretrained', 'from-scratch']);
    for (const r of rows) {
      assert.equal(r.status, 'done', `${r.run}: ${r.text}`);
      assert.match(r.text, /\d+(\.\d)?%/, `${r.run} shows no accuracy: ${r.text}`);
    }
    await page.getByTestId('compare-chart').waitFor();
    await page.getByTestId('compare-all').screenshot({ path: join(ARTIFACTS, 'teaching-03-compare.png') });
    await page.locator('[data-testid="compare-row"][data-run="linear-top"] button', { hasText: 'Open' }).click();
    await page.getByTestId('compare-details').waitFor();
    // An opened row shows its own predictions gallery (its 4 validation images) beside its curves and confusion matrix.
    await page.getByTestId('compare-details').getByTestId('predictions-gallery').waitFor();
    await page.getByTestId('compare-kept-note').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compare-csv').click()]);
    const csvPath = join(ARTIFACTS, 'teaching-comparison.csv');
    await download.saveAs(csvPath);
    const csv = readFileSync(csvPath, 'utf8').trim().split('\n');
    assert.equal(csv.length, 6, `the CSV has ${csv.length} lines`);
    assert.match(csv[1], /^linear-top,done,,64,/);
    // Any run can become the current model: scenario 3's, then the Export screen names it.
    await page.locator('[data-testid="compare-row"][data-run="linear-early"]').getByTestId('compare-use').click();
    await page.locator('[data-testid="compare-row"][data-run="linear-early"]').getByTestId('compare-current').waitFor({ timeout: 120_000 });
    await tab(page, 'export');
    await page.getByTestId('model-card').waitFor();
    assert.match(await page.getByTestId('model-card').textContent(), /Scenario 3: /);
    await screenshot(page, 'teaching-05-export-compared-run');
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
