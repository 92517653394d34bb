// Scale: 3,000 images through the folder input. What the browser holds grows by little per image (the images stay
// in IndexedDB, not decoded in memory), over the import and one short training epoch; a reload lists the dataset
// again from saved metadata in seconds, without decoding it; a corrupt file among the thousands is reported in one
// line and the rest imported. Memory is the operating system's count for the whole browser: the PSS of every
// Chromium process (e2e/lib/memory.mjs). The numbers are printed before any assertion, so a failing run still
// says how far off it is. `npm run bench:scale` measures the same steps in more detail.
//
// The studio trains on WebAssembly here (a browser without GPU APIs): WebGPU on SwiftShader computes GoogLeNet's
// features at about 1.4 images/s on this CPU, and 3,000 of them would take over half an hour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, SHARED, openStudio, screenshot, waitForBackend } from './lib/app.mjs';
import { MB, collectGarbage, startMemoryPoller } from './lib/memory.mjs';
import { importFolder, makeImageFolder, reloadUntilUsable, trainHeadOnCachedFeatures } from '../scripts/bench/scale.mjs';

const DEV = join(SHARED, 'data', 'fundus-dev');
const skip = existsSync(DEV) ? false : `${DEV} is not there: run \`npm run setup\` to fetch it`;
const IMAGES = 3000;
/** A first import of this many, then the rest: the growth between the two is per image, without fixed costs. */
const FIRST = 1000;
/** Per image the studio may keep its name, label, split and a small thumbnail; 224x224 RGB pixels would be 147 KB. */
const MAX_KB_PER_IMAGE = 20;
/** The bound on the whole browser's memory above the empty studio, at every moment. */
const MAX_MB_ABOVE_EMPTY = 1536;
/** A reload reads the saved list (metadata only): the Dataset screen lists every image this soon after the load event. */
const MAX_RESTORE_SECONDS = 5;

test(`scale: ${IMAGES.toLocaleString('en')} images, memory per image bounded over import and an epoch, a reload lists them without decoding, a corrupt file reported in one line`, { skip, timeout: 900_000 }, async () => {
  // Copies (hard links) of fundus-dev's 224-px images under other names, classes interleaved, plus one corrupt file;
  // two folders with different names, added one after the other.
  const first = makeImageFolder({ dir: join(ARTIFACTS, 'fixtures', 'scale-a'), images: FIRST, source: DEV, format: 'original', corrupt: 1, prefix: 'a' });
  const rest = makeImageFolder({ dir: join(ARTIFACTS, 'fixtures', 'scale-b'), images: IMAGES - FIRST, source: DEV, format: 'original', prefix: 'b' });
  const memory = startMemoryPoller();
  // A profile on disk: IndexedDB there, as in a user's browser (an off-the-record context keeps it in memory).
  const studio = await openStudio({ webgpu: false, webgl: false, persistentProfile: true });
  const { page } = studio;
  try {
    await waitForBackend(page);
    await page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 30_000))]));
    await collectGarbage(page);
    const before = await memory.settle();

    const importedFirst = await importFolder(page, first.dir, FIRST, 600_000);
    const rejected = await page.getByTestId('rejected-files').evaluate((banner) => ({
      text: banner.textContent, items: [...banner.querySelectorAll('.rejected-list li')].map((li) => li.textContent),
    }));
    await collectGarbage(page);
    const afterFirst = await memory.settle();
    const importedRest = await importFolder(page, rest.dir, IMAGES, 600_000);
    await screenshot(page, 'scale-01-imported');
    await collectGarbage(page);
    const afterImport = await memory.settle();
    const importPeak = memory.peakSince(0);

    const trained = await trainHeadOnCachedFeatures(page, { inputSize: 64, epochs: 1, timeout: 600_000 });
    await collectGarbage(page);
    const afterTraining = await memory.settle();
    const peak = memory.peakSince(0);

    const reload = await reloadUntilUsable(page, IMAGES, 300_000);
    await screenshot(page, 'scale-02-reloaded');
    const restoreAfterLoad = reload.listedSeconds === null ? null : reload.listedSeconds - reload.loadSeconds;

    const seconds = importedFirst.seconds + importedRest.seconds;
    const importKbPerImage = (afterImport.pss - afterFirst.pss) / (IMAGES - FIRST) / 1024;
    const kbPerImage = (settled) => (settled.pss - before.pss) / IMAGES / 1024;
    console.log(`scale: ${IMAGES} images imported in ${seconds.toFixed(1)} s (${(IMAGES / seconds).toFixed(0)} images/s); browser PSS before ` +
      `${Math.round(before.pss / MB)} MB, after ${FIRST} ${Math.round(afterFirst.pss / MB)} MB, after ${IMAGES} ${Math.round(afterImport.pss / MB)} MB ` +
      `(${importKbPerImage.toFixed(1)} KB per further image; ${kbPerImage(afterImport).toFixed(1)} KB per image with the fixed costs; ` +
      `import peak ${Math.round(importPeak.pss / MB)} MB), after one epoch ${Math.round(afterTraining.pss / MB)} MB ` +
      `(${kbPerImage(afterTraining).toFixed(1)} KB per image with the model and its feature cache; peak ${Math.round((peak.pss - before.pss) / MB)} MB ` +
      `above the empty studio; run ${trained.seconds.toFixed(0)} s, features ${trained.cachingSeconds} s, head ${trained.headEpochSeconds} s); ` +
      `reload: load event ${reload.loadSeconds.toFixed(1)} s, all listed ${reload.listedSeconds?.toFixed(1) ?? 'never'} s ` +
      `(${restoreAfterLoad?.toFixed(1) ?? '-'} s after load), Train usable ${reload.usableSeconds?.toFixed(1) ?? 'never'} s; rejected: ${JSON.stringify(rejected.items)}`);

    assert.equal(rejected.items.length, 1, `the corrupt file should be the one file reported: ${JSON.stringify(rejected.items)}`);
    assert.match(rejected.text, /1 file was not added/);
    assert.match(rejected.items[0], new RegExp(first.corruptFiles[0].replace('.', '\\.')));
    assert.ok(importKbPerImage < MAX_KB_PER_IMAGE,
      `the browser grew by ${importKbPerImage.toFixed(1)} KB per image from ${FIRST} to ${IMAGES} images (at most ${MAX_KB_PER_IMAGE})`);
    assert.ok((peak.pss - before.pss) / MB <= MAX_MB_ABOVE_EMPTY,
      `the browser peaked ${Math.round((peak.pss - before.pss) / MB)} MB above the empty studio (at most ${MAX_MB_ABOVE_EMPTY})`);
    assert.equal(reload.listed, IMAGES, `after the reload the dataset lists ${reload.listed} images`);
    assert.ok(restoreAfterLoad !== null && restoreAfterLoad <= MAX_RESTORE_SECONDS,
      `the reload took ${restoreAfterLoad?.toFixed(1)} s after the load event to list ${IMAGES} images (at most ${MAX_RESTORE_SECONDS}: metadata, no decoding)`);
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    memory.stop();
    await studio.close();
  }
});
