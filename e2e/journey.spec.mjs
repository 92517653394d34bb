// The whole user journey in the built app, in Chromium with WebGPU on SwiftShader, on 12 real fundus
// photographs at 64 px: add class folders -> choose a scenario -> train two epochs -> charts and metrics ->
// export -> import -> predict -> pause, resume, cancel. A screenshot of each screen is saved in e2e/artifacts/.
// (Loading the 94-photo sample set is covered by the bad-input, screening and export-formats specs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, SHARED, openStudio, screenshot, tab, waitForBackend, waitForRunEnd } from './lib/app.mjs';
import { fewDemoFolders } from './lib/fixtures.mjs';

const SAMPLE_IMAGE = join(SHARED, 'data', 'fundus-demo', '2_Moderate');

test('journey: class folders -> scenario -> train -> metrics -> export -> import -> predict', { timeout: 1_500_000 }, async () => {
  const studio = await openStudio();
  const { page } = studio;
  try {
    const badge = await waitForBackend(page);
    assert.match(badge, /webgpu/i, `backend badge says ${badge}`);
    await tab(page, 'learn');
    await screenshot(page, '01-learn');

    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(fewDemoFolders('journey-few-demo'));
    await page.waitForFunction(() => /\b12 images\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });
    await page.getByTestId('preset-select').selectOption('referable-dr');
    await screenshot(page, '02-dataset');

    await tab(page, 'train');
    await page.getByTestId('scenario-linear-top').click();
    await page.getByTestId('input-size').selectOption('64');
    await page.getByTestId('epochs').fill('2');
    await page.getByTestId('batch-size').fill('4');
    // Quarter turns multiply the frozen features to cache by 4: off here, to keep the CPU run short.
    await page.getByTestId('rotations').uncheck();
    await page.getByTestId('start-training').click();
    await page.getByTestId('train-progress').waitFor({ timeout: 60_000 });
    await screenshot(page, '03-training');
    // Done when the run has finished (both epochs, or early stopping).
    await waitForRunEnd(page, 1_200_000);
    await page.getByTestId('loss-chart').waitFor();
    await page.getByTestId('accuracy-chart').waitFor();
    await screenshot(page, '04-trained');

    await tab(page, 'evaluate');
    const metrics = await page.getByTestId('metrics-summary').textContent();
    assert.match(metrics, /accuracy/i);
    await page.getByTestId('confusion-matrix').waitFor();
    await page.getByTestId('roc-chart').waitFor();
    await page.getByTestId('predictions-gallery').waitFor();
    await screenshot(page, '05-evaluate');

    const image = join(SAMPLE_IMAGE, 'Patient011_L.jpg');
    const predictWith = async () => {
      const before = await page.getByTestId('prediction-result').textContent().catch(() => null);
      await page.getByTestId('predict-dropzone').locator('input[type=file]').setInputFiles(image);
      await page.waitForFunction(
        (prev) => {
          const t = document.querySelector('[data-testid="prediction-result"]')?.textContent ?? null;
          return t !== null && t !== prev && /%/.test(t);
        },
        before, { timeout: 300_000 },
      );
      return page.getByTestId('prediction-result').textContent();
    };
    const trainedPrediction = await predictWith();

    await tab(page, 'export');
    await page.getByTestId('export-button').click();
    const link = page.getByTestId('export-link');
    await link.waitFor({ timeout: 300_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const zipPath = join(ARTIFACTS, 'fovea-exported.zip');
    await download.saveAs(zipPath);
    const zip = readFileSync(zipPath);
    assert.ok(zip.length > 1_000_000, `export is only ${zip.length} bytes`);
    assert.ok(zip.includes(Buffer.from('fovea.json')) && zip.includes(Buffer.from('model.json')));
    await screenshot(page, '06-export');

    await page.getByTestId('import-input').setInputFiles(zipPath);
    await page.getByTestId('model-card').waitFor();
    await page.waitForFunction(() => /import/i.test(document.querySelector('[data-testid="model-card"]')?.textContent ?? ''), null, { timeout: 300_000 });
    const importedPrediction = await predictWith();
    assert.equal(importedPrediction, trainedPrediction, 'the imported model predicts differently');
    await screenshot(page, '07-imported-predict');

    // Pause, resume and cancel a second run: the finished run and the dataset stay.
    await tab(page, 'train');
    await page.getByTestId('start-training').click();
    await page.getByTestId('pause-training').click({ timeout: 120_000 });
    await page.getByTestId('resume-training').waitFor({ timeout: 300_000 });
    // The loop stops at the end of the batch under way, then reports itself paused.
    await page.getByText(/Paused\. Resume to continue/).waitFor({ timeout: 300_000 });
    await screenshot(page, '08-paused');
    await page.getByTestId('resume-training').click();
    await page.getByTestId('pause-training').waitFor({ timeout: 60_000 });
    await page.getByTestId('cancel-training').click();
    await page.getByTestId('start-training').waitFor({ timeout: 300_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="start-training"]')?.disabled, null, { timeout: 300_000 });
    await screenshot(page, '09-cancelled');
    assert.ok((await page.locator('[data-testid="epoch-table"] tbody tr').count()) >= 2, 'the finished run is gone');
    await tab(page, 'evaluate');
    assert.match(await page.getByTestId('metrics-summary').textContent(), /accuracy/i);
    await tab(page, 'dataset');
    assert.match(await page.getByTestId('dataset-summary').textContent(), /\b12 images\b/);
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
