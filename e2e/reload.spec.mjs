// A reload keeps the dataset: images (saved downscaled in IndexedDB), their labels, the preset and the split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { datasetShows as count, datasetSummary, openStudio, savedImagesAre, screenshot, tab, trainQuickLinearHead, waitForBackend, waitForPageValue } from './lib/app.mjs';
import { fewDemoFolders } from './lib/fixtures.mjs';


test('reload: the images, their labels, the preset, the split seed and a removal are all there after a reload', { timeout: 600_000 }, async () => {
  const fixture = fewDemoFolders('reload-few-demo');
  const studio = await openStudio({ backend: 'auto' });
  const { page } = studio;
  try {
    await waitForBackend(page);
    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(fixture);
    await page.waitForFunction(count, 12, { timeout: 120_000 });
    await page.getByTestId('preset-select').selectOption('referable-dr');
    await page.getByTestId('split-seed').fill('7');
    await page.getByRole('button', { name: 'Remove Patient001_L.jpg' }).click();
    await page.waitForFunction(count, 11, { timeout: 10_000 });
    const before = await datasetSummary(page);
    // Saved as each batch is decoded; wait until IndexedDB holds the 11 left.
    await waitForPageValue(page, savedImagesAre, 11, 60_000);

    await page.reload();
    await tab(page, 'dataset');
    await page.waitForFunction(count, 11, { timeout: 120_000 });
    assert.equal(await page.getByTestId('preset-select').inputValue(), 'referable-dr');
    assert.equal(await page.getByTestId('split-seed').inputValue(), '7');
    assert.equal(await page.getByRole('button', { name: 'Remove Patient001_L.jpg' }).count(), 0);
    assert.equal(await datasetSummary(page), before);
    await page.getByTestId('notice-restored').waitFor({ timeout: 10_000 });
    await screenshot(page, 'reload-01-restored');
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});

test('storage full: a failed save says so plainly, the images on screen and those saved before stay, a finished run too', { timeout: 600_000 }, async () => {
  const fixture = fewDemoFolders('quota-few-demo');
  const studio = await openStudio({ backend: 'auto' });
  const { page } = studio;
  try {
    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(join(fixture, '0_No_DR'));
    await page.waitForFunction(count, 6, { timeout: 120_000 });
    await waitForPageValue(page, savedImagesAre, 6, 60_000);
    // From the next page load on, every write to IndexedDB fails as it does when the quota is used up.
    await page.addInitScript(() => {
      IDBObjectStore.prototype.put = function put() {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    });
    await page.reload();
    await tab(page, 'dataset');
    await page.waitForFunction(count, 6, { timeout: 120_000 });
    await page.getByTestId('folder-input').setInputFiles(join(fixture, '2_Moderate'));
    await page.waitForFunction(count, 12, { timeout: 120_000 });
    const warning = await page.getByTestId('notice-storage-failed').textContent({ timeout: 30_000 });
    assert.match(warning, /could not be saved in this browser \(The quota has been exceeded\.\)/);
    assert.match(warning, /Everything on screen is kept/);
    assert.equal(await page.evaluate(savedImagesAre, 6), true, 'the images saved before the quota ran out were lost');
    await screenshot(page, 'reload-02-quota');

    // A run that finishes while the storage is full: it is shown and usable, and the Train screen says it was not saved.
    await waitForBackend(page);
    await page.getByTestId('preset-select').selectOption('referable-dr');
    await tab(page, 'train');
    await trainQuickLinearHead(page, 300_000);
    await page.waitForFunction(
      () => /The finished run could not be saved in this browser \(The quota has been exceeded\)\. What was saved before is kept/
        .test(document.querySelector('[data-testid="run-storage-problem"]')?.textContent ?? ''),
      null, { timeout: 60_000 },
    );
    await page.getByTestId('train-finished').waitFor();
    await screenshot(page, 'reload-03-quota-run');
  } finally {
    await studio.close();
  }
});
