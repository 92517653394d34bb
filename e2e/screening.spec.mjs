// The screening recipe in the built studio, kept short (64 px, one epoch, head only, 12 real photographs in
// class folders; the 94-photo sample set is loaded by the bad-input and export-formats specs): photographs
// cropped to the field of view, a run that holds out a test set, the finished run's test figures, a prediction
// averaged over four rotations, calibrated and answered at the operating point, and an exported zip with
// MODEL_CARD.md and fovea.json carrying the screening summary, test-time rotations and preprocessing; the
// imported package predicts the same. Screenshots in e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { ARTIFACTS, SHARED, openStudio, screenshot, tab, waitForBackend, waitForRunEnd } from './lib/app.mjs';
import { fewDemoFolders } from './lib/fixtures.mjs';

const IMAGE = join(SHARED, 'data', 'fundus-demo', '2_Moderate', 'Patient011_L.jpg');
const DECISION = /Referable[^—]*— (Refer|No referral): score \d\.\d+ (≥|<) threshold \d\.\d+ \(chosen for 90% sensitivity on validation\)/;

test('screening: field-of-view crop -> train with a test set -> screening decision -> export with model card', { timeout: 900_000 }, async () => {
  const studio = await openStudio();
  const { page } = studio;
  try {
    await waitForBackend(page);
    await tab(page, 'dataset');
    assert.equal(await page.getByTestId('fov-crop').isChecked(), true, 'the field-of-view crop is on by default');
    await page.getByTestId('folder-input').setInputFiles(fewDemoFolders('screening-few-demo'));
    await page.waitForFunction(() => /\b12 images\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });
    assert.equal(await page.getByTestId('fov-crop').isDisabled(), true, 'the crop cannot change once images are loaded');
    await page.getByTestId('preset-select').selectOption('referable-dr');

    await tab(page, 'train');
    await page.getByTestId('scenario-linear-top').click();
    await page.getByTestId('input-size').selectOption('64');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('batch-size').fill('4');
    await page.getByTestId('rotations').uncheck();
    assert.equal(await page.getByTestId('class-weighting').inputValue(), 'loss');
    assert.equal(await page.getByTestId('test-time-rotations').isChecked(), true);
    assert.equal(await page.getByTestId('colour-normalisation').isChecked(), false);
    await page.getByTestId('start-training').click();
    await waitForRunEnd(page, 600_000);
    const testLine = await page.getByTestId('train-test-summary').textContent();
    assert.match(testLine, /^Test set \(\d+ images, scored once with those weights\): accuracy [\d.]+ %; Referable/);
    await screenshot(page, 'recipe-01-trained');

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
    await screenshot(page, 'recipe-02-predict');

    await page.getByTestId('export-button').click();
    const link = page.getByTestId('export-link');
    await link.waitFor({ timeout: 300_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const zipPath = join(ARTIFACTS, 'fovea-screening.zip');
    await download.saveAs(zipPath);
    const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
    const card = new TextDecoder().decode(files['MODEL_CARD.md']);
    assert.match(card, /^# Model card: Referable DR/);
    const manifest = JSON.parse(new TextDecoder().decode(files['fovea.json']));
    assert.deepEqual(manifest.testTimeRotations, [0, 1, 2, 3]);
    assert.equal(manifest.preprocessing.crop, 'field-of-view');
    assert.equal(manifest.preprocessing.colour, undefined);
    assert.equal(manifest.screening.validation.binary[0].id, 'referable-dr');
    assert.ok(manifest.screening.test.count > 0, 'the summary has a test set');
    assert.ok(manifest.screening.validation.calibration.temperature > 0);

    // The trained model as ONNX and as PyTorch safetensors too (export-formats.spec.mjs checks them in depth).
    const save = async (testId) => {
      const [d] = await Promise.all([page.waitForEvent('download', { timeout: 300_000 }), page.getByTestId(testId).click()]);
      const path = join(ARTIFACTS, `screening-${d.suggestedFilename()}`);
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
    await page.waitForFunction(() => /import/i.test(document.querySelector('[data-testid="model-card"]')?.textContent ?? ''), null, { timeout: 300_000 });
    const imported = await predict();
    assert.equal(imported.result, trained.result, 'the imported package predicts differently');
    await screenshot(page, 'recipe-03-imported');
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
