// Nothing lost across a reload: a run interrupted mid-training resumes from its last epoch-end checkpoint with
// the same curves, the finished run (and its model) is saved in the project, and a later reload brings it back.
// The bit-for-bit claim (a resumed seeded run ends with the weights of an uninterrupted one) is checked in
// src/core/train/checkpoint.test.ts; here the browser's side: IndexedDB, the banner, the worker resuming.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStudio, screenshot, tab, waitForBackend, waitForPageValue, waitForRunEnd } from './lib/app.mjs';
import { fewDemoFolders } from './lib/fixtures.mjs';

/** Whether the default project's database holds a checkpoint of epoch `min` (0-based) or later. */
const checkpointAtLeast = (min) => new Promise((resolve) => {
  const open = indexedDB.open('fovea-project');
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('checkpoint')) { db.close(); resolve(false); return; }
    const request = db.transaction('checkpoint').objectStore('checkpoint').get('current');
    request.onsuccess = () => { resolve((request.result?.checkpoint?.epoch ?? -1) >= min); db.close(); };
    request.onerror = () => { resolve(false); db.close(); };
  };
  open.onerror = () => resolve(false);
});

/** The epoch (0-based) of the checkpoint saved in the default project's database, or -1. */
const savedCheckpointEpoch = () => new Promise((resolve) => {
  const open = indexedDB.open('fovea-project');
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('checkpoint')) { db.close(); resolve(-1); return; }
    const request = db.transaction('checkpoint').objectStore('checkpoint').get('current');
    request.onsuccess = () => { resolve(request.result?.checkpoint?.epoch ?? -1); db.close(); };
    request.onerror = () => { resolve(-1); db.close(); };
  };
  open.onerror = () => resolve(-1);
});

/** Whether the project holds one finished run and no checkpoint any more. */
const runSavedAndCheckpointCleared = () => new Promise((resolve) => {
  const open = indexedDB.open('fovea-project');
  open.onsuccess = () => {
    const tx = open.result.transaction(['runs', 'checkpoint']);
    const runs = tx.objectStore('runs').count();
    const checkpoint = tx.objectStore('checkpoint').count();
    tx.oncomplete = () => { resolve(runs.result === 1 && checkpoint.result === 0); open.result.close(); };
  };
  open.onerror = () => resolve(false);
});

const epochRows = (page) => page.$$eval('[data-testid="epoch-table"] tbody tr', (rows) => rows.map((r) => r.textContent));

test('reload mid-run: Resume continues from the checkpoint with the same curves; the finished run and its model survive a reload', { timeout: 900_000 }, async () => {
  const fixture = fewDemoFolders('resume-few-demo');
  const studio = await openStudio(); // WebGPU (SwiftShader): slow enough to pause mid-run; on WebAssembly the run ends first
  const { page } = studio;
  try {
    await waitForBackend(page);
    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(fixture);
    await page.waitForFunction(() => /\b12 images\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });
    await page.getByTestId('preset-select').selectOption('referable-dr');

    await tab(page, 'train');
    await page.getByTestId('scenario-linear-top').click();
    // SGD epochs: this spec is about per-epoch checkpoints (a head fitted to convergence is one step).
    await page.getByTestId('head-fit').selectOption('sgd');
    await page.getByTestId('input-size').selectOption('64');
    await page.getByTestId('epochs').fill('6');
    await page.getByTestId('batch-size').fill('4');
    await page.getByTestId('rotations').uncheck();
    await page.getByTestId('early-stopping').uncheck();
    await page.getByTestId('start-training').click();
    // Two epochs done and saved, then stop it where it is and reload (as a closed tab or a crash would).
    await waitForPageValue(page, checkpointAtLeast, 1, 300_000);
    await page.getByTestId('pause-training').click();
    await page.getByTestId('resume-training').waitFor({ timeout: 120_000 });
    // Paused at the next batch; the epoch that ended before it may still be being saved: let the saves settle.
    await page.getByText(/Paused\. Resume to continue/).waitFor({ timeout: 300_000 });
    await page.waitForTimeout(2000);
    const epochAtReload = await page.evaluate(savedCheckpointEpoch);
    assert.ok(epochAtReload >= 1 && epochAtReload < 5, `checkpoint at epoch ${epochAtReload + 1}`);
    const before = (await epochRows(page)).slice(0, epochAtReload + 1);
    assert.equal(before.length, epochAtReload + 1);

    await page.reload();
    await tab(page, 'train');
    const banner = page.getByTestId('interrupted-run');
    await banner.waitFor({ timeout: 120_000 });
    assert.match(await banner.textContent(), new RegExp(`after epoch ${epochAtReload + 1} of 6`));
    await screenshot(page, 'resume-01-interrupted');
    // Resume waits for the saved images to be decoded again.
    await page.waitForFunction(() => !document.querySelector('[data-testid="resume-interrupted"]')?.disabled, null, { timeout: 180_000 });
    await page.getByTestId('resume-interrupted').click();
    await waitForRunEnd(page, 600_000);
    const after = await epochRows(page);
    assert.equal(after.length, 6, 'all 6 epochs are in the table');
    assert.deepEqual(after.slice(0, epochAtReload + 1).map((r) => r.replace('best', '')), before.map((r) => r.replace('best', '')),
      'the epochs before the reload are the same rows');
    assert.equal(await page.getByTestId('interrupted-run').count(), 0);
    await page.getByTestId('saved-run').first().waitFor({ timeout: 60_000 });
    await waitForPageValue(page, runSavedAndCheckpointCleared, null, 60_000);
    await screenshot(page, 'resume-02-finished');

    // A second reload: the run is listed, is the current model again, and the Evaluate screen shows it.
    await page.reload();
    await tab(page, 'train');
    await page.getByTestId('saved-run').first().waitFor({ timeout: 120_000 });
    assert.equal(await page.getByTestId('saved-run').count(), 1);
    await page.getByTestId('train-finished').waitFor({ timeout: 120_000 });
    assert.equal((await epochRows(page)).length, 6);
    await tab(page, 'export');
    // The worker holds the restored model: it exports it.
    await page.getByTestId('export-button').click();
    await page.getByTestId('export-link').waitFor({ timeout: 120_000 });
    await screenshot(page, 'resume-03-restored');
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
