// A lost GPU device mid-run (the GPUDevice destroyed, as a driver reset or an out-of-memory would): training
// stops with a plain message, the worker starts its backend again by itself, the dataset is kept, and the run
// resumes from its last epoch-end checkpoint, at half the batch size, without reloading the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetSummary, openStudio, screenshot, tab, waitForBackend, waitForPageValue, waitForRunEnd } from './lib/app.mjs';
import { fewDemoFolders } from './lib/fixtures.mjs';

/** Destroys the worker's GPUDevice through its test-only hook; true when there was a device to destroy. */
async function destroyGpuDevice(page) {
  for (const worker of page.workers()) {
    const hasHook = await worker.evaluate(() => typeof self.__foveaTestOnlyDestroyGpuDevice === 'function').catch(() => false);
    if (hasHook) return worker.evaluate(() => self.__foveaTestOnlyDestroyGpuDevice());
  }
  throw new Error('the training worker (with its test-only hook) was not found');
}

async function shortRunSettings(page, epochs) {
  await page.getByTestId('scenario-linear-top').click();
  // SGD epochs: this spec is about per-epoch checkpoints (a head fitted to convergence is one step).
  await page.getByTestId('head-fit').selectOption('sgd');
  await page.getByTestId('input-size').selectOption('64');
  await page.getByTestId('epochs').fill(String(epochs));
  await page.getByTestId('batch-size').fill('4');
  await page.getByTestId('rotations').uncheck();
  await page.getByTestId('early-stopping').uncheck();
}

/** Whether the default project's database holds a checkpoint (of any epoch). */
const checkpointSaved = () => new Promise((resolve) => {
  const open = indexedDB.open('fovea-project');
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('checkpoint')) { db.close(); resolve(false); return; }
    const request = db.transaction('checkpoint').objectStore('checkpoint').count();
    request.onsuccess = () => { resolve(request.result > 0); db.close(); };
  };
  open.onerror = () => resolve(false);
});

test('device lost mid-run: a plain message, the dataset kept, and the run resumes from its checkpoint without a reload', { timeout: 600_000 }, async () => {
  const fixture = fewDemoFolders('device-loss-few-demo');
  const studio = await openStudio();
  const { page } = studio;
  try {
    assert.match(await waitForBackend(page), /webgpu/i);
    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(fixture);
    await page.waitForFunction(() => /\b12 images\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });
    await page.getByTestId('preset-select').selectOption('referable-dr');

    await tab(page, 'train');
    await shortRunSettings(page, 8);
    await page.getByTestId('start-training').click();
    // After the first epoch's checkpoint, hold the run still (pause) and pull the device from under it.
    await waitForPageValue(page, checkpointSaved, null, 300_000);
    await page.getByTestId('pause-training').click();
    await page.getByTestId('resume-training').waitFor({ timeout: 120_000 });
    assert.equal(await destroyGpuDevice(page), true, 'the backend had a GPUDevice to destroy');

    await page.getByTestId('device-lost').waitFor({ timeout: 60_000 });
    const error = await page.getByTestId('train-error').textContent({ timeout: 60_000 });
    assert.match(error, /dataset is kept/i);
    await page.waitForFunction(
      () => /restarted the GPU/.test(document.querySelector('[data-testid="device-lost-recovery"]')?.textContent ?? ''),
      null, { timeout: 120_000 },
    );
    await screenshot(page, 'device-lost-01-recovered');
    assert.match(await waitForBackend(page), /webgpu/i, 'a new WebGPU device was created');

    await tab(page, 'dataset');
    assert.match(await datasetSummary(page), /\b12 images\b/);
    await tab(page, 'train');
    await page.getByTestId('interrupted-run').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('interrupted-run').textContent(), /GPU stopped responding/);
    // A lost GPU may have run out of memory at batch size 4: continue at 2 (the same samples, smaller steps).
    assert.match(await page.getByTestId('resume-smaller-batch').textContent(), /batch size 2\b/);
    await page.getByTestId('resume-smaller-batch').click();
    // The lost device's message goes once the run is under way again.
    await page.getByTestId('train-error').waitFor({ state: 'detached', timeout: 60_000 });
    await waitForRunEnd(page, 420_000);
    assert.equal(await page.getByTestId('batch-size').inputValue(), '2');
    assert.equal(await page.$$eval('[data-testid="epoch-table"] tbody tr', (rows) => rows.length), 8, 'the resumed run trained all 8 epochs');
    await screenshot(page, 'device-lost-02-resumed');
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
