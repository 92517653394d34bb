// Privacy: nothing leaves the machine. Every request the page and its worker make while importing a folder,
// training (scenario 1, 64 px, one epoch, 12 photographs), exporting and importing the model goes to the
// app's own origin; the Content-Security-Policy refuses any other. The imported folder carries a labels CSV
// with README.md, .DS_Store, Thumbs.db and desktop.ini beside it: skipped with one quiet note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, datasetSummary, openStudio, screenshot, tab, waitForBackend, trainQuickLinearHead } from './lib/app.mjs';
import { fewDemoWithCsvAndClutter } from './lib/fixtures.mjs';

test('privacy: import, train, export and import make requests to the app\'s own origin only', { timeout: 900_000 }, async () => {
  const folder = fewDemoWithCsvAndClutter('privacy-clinic-export');
  const studio = await openStudio({ backend: 'auto' });
  const { page, requests } = studio;
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  try {
    const origin = new URL(studio.server.url).origin;
    const policy = (await page.request.get(studio.server.url)).headers()['content-security-policy'] ?? '';
    assert.match(policy, /connect-src 'self'(;|$)/, `policy: ${policy}`);
    assert.match(policy, /default-src 'self'/);
    await waitForBackend(page);

    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(folder);
    await page.waitForFunction(() => /\b12 images\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });
    const skipped = await page.getByTestId('notice-skipped-non-images').textContent({ timeout: 10_000 });
    assert.match(skipped, /README\.md/);
    assert.match(skipped, /4 files that are not images were skipped/);
    assert.equal(await page.getByTestId('csv-problems').count(), 0, 'README.md was reported as a CSV mismatch');
    assert.equal(await page.getByTestId('rejected-files').count(), 0);
    await page.getByTestId('preset-select').selectOption('referable-dr');
    assert.match(await datasetSummary(page), /\b12 images\b/);
    await screenshot(page, 'privacy-01-dataset');

    await tab(page, 'train');
    await trainQuickLinearHead(page, 600_000);

    await tab(page, 'export');
    await page.getByTestId('export-button').click();
    const link = page.getByTestId('export-link');
    await link.waitFor({ timeout: 300_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const zipPath = join(ARTIFACTS, 'privacy-exported.zip');
    await download.saveAs(zipPath);
    await page.getByTestId('import-input').setInputFiles(zipPath);
    await page.getByTestId('import-success').waitFor({ timeout: 300_000 });
    await screenshot(page, 'privacy-02-imported');

    // The log holds the worker's requests too (the pretrained weights it fetched), so it is the whole story.
    assert.ok(requests.some((u) => /\/models\/.*\.bin$/.test(u)), 'the weight downloads are not in the request log');
    const leaving = requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
    assert.deepEqual(leaving, [], `requests left the origin: ${leaving.join(', ')}`);
    assert.deepEqual(violations, [], `the studio itself broke its policy: ${violations.join('; ')}`);

    // And the policy holds: a request elsewhere is refused by the browser, from the page and from a worker.
    const fromPage = await page.evaluate(() => fetch('https://example.org/x').then(() => 'sent', (e) => `refused: ${e}`));
    assert.match(fromPage, /^refused/);
    const fromWorker = await page.evaluate(() => new Promise((resolve) => {
      const source = "fetch('https://example.org/w').then(() => postMessage('sent'), (e) => postMessage('refused: ' + e))";
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => resolve(`refused: worker did not start (${e.message})`);
    }));
    assert.match(fromWorker, /^refused/);
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
