// The whole user journey and the screening recipe in the built app, in Chromium with WebGPU on SwiftShader, on
// 12 real fundus photographs at 64 px (head only, kept short; the 94-photo sample set is loaded by the bad-input
// and export-formats specs): class folders cropped to the field of view -> the recipe's defaults -> train two
// epochs with a test set held out -> charts, metrics, Evaluate screen -> a prediction averaged over four
// rotations, calibrated and answered at the operating point -> export (MODEL_CARD.md and fovea.json with the
// screening summary, test-time rotations, preprocessing; ONNX and safetensors) -> import predicts the same ->
// pause, resume and cancel a second run, the finished one kept. Screenshots of each screen in e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { ARTIFACTS, SHARED, openStudio, screenshot, tab, waitForBackend, waitForRunEnd } from './lib/app.mjs';
import { fewDemoFolders } from './lib/fixtures.mjs';

const IMAGE = join(SHARED, 'data', 'fundus-demo', '2_Moderate', 'Patient011_L.jpg');
const DECISION = /Referable[^—]*— (Refer|No referral): score \d\.\d+ (≥|<) threshold \d\.\d+ \(chosen for 90% sensitivity on validation\)/;

test('journey: class folders -> recipe -> train -> metrics -> screening decision -> export -> import -> predict -> pause/cancel', { timeout: 1_500_000 }, async () => {
  const studio = await openStudio();
  const { page } = studio;
  try {
    const badge = await waitForBackend(page);
    assert.match(badge, /webgpu/i, `backend badge says ${badge}`);
    await tab(page, 'learn');
    await screenshot(page, '01-learn');

    await tab(page, 'dataset');
    assert.equal(await page.getByTestId('fov-crop').isChecked(), true, 'the field-of-view crop is on by default');
    await page.getByTestId('folder-input').setInputFiles(fewDemoFolders('journey-few-demo'));
    await page.waitForFunction(() => /\b12 images\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });
    assert.equal(await page.getByTestId('fov-crop').isDisabled(), true, 'the crop cannot change once images are loaded');
    await page.getByTestId('preset-select').selectOption('referable-dr');
    await screenshot(page, '02-dataset');

    await tab(page, 'train');
    await page.getByTestId('scenario-linear-top').click();
    await page.getByTestId('input-size').selectOption('64');
    await page.getByTestId('epochs').fill('2');
    await page.getByTestId('batch-size').fill('4');
    // Quarter turns multiply the frozen features to cache by 4: off here, to keep the CPU run short.
    await page.getByTestId('rotations').uncheck();
    assert.equal(await page.getByTestId('class-weighting').inputValue(), 'loss');
    assert.equal(await page.getByTestId('test-time-rotations').isChecked(), true);
    assert.equal(await page.getByTestId('colour-normalisation').isChecked(), false);
    await page.getByTestId('start-training').click();
    await page.getByTestId('train-progress').waitFor({ timeout: 60_000 });
    await screenshot(page, '03-training');
    // Done when the run has finished (both epochs, or early stopping).
    await waitForRunEnd(page, 1_200_000);
    await page.getByTestId('loss-chart').waitFor();
    await page.getByTestId('accuracy-chart').waitFor();
    const testLine = await page.getByTestId('train-test-summary').textContent();
    assert.match(testLine, /^Test set \(\d+ images, scored once with those weights\): accuracy [\d.]+%; Referable/);
    await screenshot(page, '04-trained');

    await tab(page, 'evaluate');
    assert.match(await page.getByTestId('metrics-summary').textContent(), /accuracy/i);
    await page.getByTestId('confusion-matrix').waitFor();
    await page.getByTestId('roc-chart').waitFor();
    await page.getByTestId('predictions-gallery').waitFor();
    await screenshot(page, '05-evaluate');

    await tab(page, 'export');
    const predict = async () => {
      const before = await page.getByTestId('screening-decision').textContent().catch(() => null);
      await page.getByTestId('predict-dropzone').locator('input[type=file]').setInputFiles(IMAGE);
      await page.waitForFunction(
        (prev) => {
          const t = document.querySelector('[data-testid="screening-decision"]')?.textContent ?? null;
          return t !== null && t !== prev;
        },
        before, { timeout: 300_000 },
      );
      return {
        decision: await page.getByTestId('screening-decision').textContent(),
        method: await page.getByTestId('prediction-method').textContent(),
        result: await page.getByTestId('prediction-result').textContent(),
      };
    };
    const trained = await predict();
    assert.match(trained.decision, DECISION);
    assert.match(trained.method, /averaged over 4 rotations, calibrated with the temperature fitted on validation/);
    assert.match(trained.result, /%/);
    await screenshot(page, 'recipe-02-predict');

    await page.getByTestId('export-button').click();
    const link = page.getByTestId('export-link');
    await link.waitFor({ timeout: 300_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const zipPath = join(ARTIFACTS, 'fovea-exported.zip');
    await download.saveAs(zipPath);
    const zipBytes = readFileSync(zipPath);
    assert.ok(zipBytes.length > 1_000_000, `export is only ${zipBytes.length} bytes`);
    const files = unzipSync(new Uint8Array(zipBytes));
    assert.ok(files['model.json'], 'model.json in the package');
    const card = new TextDecoder().decode(files['MODEL_CARD.md']);
    assert.match(card, /^# Model card: Referable DR/);
    const manifest = JSON.parse(new TextDecoder().decode(files['fovea.json']));
    assert.deepEqual(manifest.testTimeRotations, [0, 1, 2, 3]);
    assert.equal(manifest.preprocessing.crop, 'field-of-view');
    assert.equal(manifest.preprocessing.colour, undefined);
    assert.equal(manifest.screening.validation.binary[0].id, 'referable-dr');
    assert.ok(manifest.screening.test.count > 0, 'the summary has a test set');
    assert.ok(manifest.screening.validation.calibration.temperature > 0);
    await screenshot(page, '06-export');

    // The trained model as ONNX and as PyTorch safetensors too (export-formats.spec.mjs checks them in depth).
    const save = async (testId) => {
      const [d] = await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.getByTestId(testId).click()]);
      const path = join(ARTIFACTS, `journey-${d.suggestedFilename()}`);
      await d.saveAs(path);
      return new Uint8Array(readFileSync(path));
    };
    const onnx = await save('export-onnx');
    assert.deepEqual([...onnx.subarray(0, 2)], [0x08, 8], 'the ONNX file starts with ir_version = 8');
    const weights = await save('export-pytorch');
    const headerLength = Number(new DataView(weights.buffer, weights.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(weights.subarray(8, 8 + headerLength)));
    assert.deepEqual(header['fovea_classifier.weight'].shape, [2, 1024]);
    assert.equal(JSON.parse(header.__metadata__.preprocessing).crop, 'field-of-view');

    await page.getByTestId('import-input').setInputFiles(zipPath);
    await page.getByTestId('model-card').waitFor();
    await page.waitForFunction(() => /import/i.test(document.querySelector('[data-testid="model-card"]')?.textContent ?? ''), null, { timeout: 300_000 });
    const imported = await predict();
    assert.equal(imported.result, trained.result, 'the imported package predicts differently');
    await screenshot(page, '07-imported-predict');

    // Pause, resume and cancel a second run (SGD epochs, which have batches to pause between): the finished run
    // (its head fitted to convergence, the default) and the dataset stay.
    await tab(page, 'train');
    await page.getByTestId('head-fit').selectOption('sgd');
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
    // The second run reads the first run's kept features (same network, cut, size, preprocessing), so it may well
    // finish an epoch before the cancel lands: either way the finished run stays listed, with its model.
    assert.ok((await page.locator('[data-testid="epoch-table"] tbody tr').count()) >= 1, 'no epoch is shown');
    assert.ok((await page.getByTestId('saved-run').count()) >= 1, 'the finished run is gone');
    await tab(page, 'evaluate');
    assert.match(await page.getByTestId('metrics-summary').textContent(), /accuracy/i);
    await tab(page, 'dataset');
    assert.match(await page.getByTestId('dataset-summary').textContent(), /\b12 images\b/);
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
