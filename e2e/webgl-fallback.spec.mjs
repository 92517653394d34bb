// The WebGL fallback: Chromium without WebGPU but with WebGL (on SwiftShader). The studio says it fell back,
// and scenario 1 (head only, frozen backbone) trains one epoch at 64 px on 12 demo photographs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetSummary, openStudio, screenshot, tab, waitForBackend, trainQuickLinearHead } from './lib/app.mjs';
import { fewDemoFolders } from './lib/fixtures.mjs';

test('WebGL fallback: WebGPU off, WebGL on; the notice is shown and scenario 1 trains one epoch at 64 px', { timeout: 600_000 }, async () => {
  const fixture = fewDemoFolders('webgl-few-demo');
  const studio = await openStudio({ webgpu: false, webgl: true });
  const { page } = studio;
  try {
    const badge = await waitForBackend(page);
    assert.match(badge, /webgl/i, `backend badge says ${badge}`);
    const notice = await page.getByTestId('backend-notice').textContent();
    assert.match(notice, /WebGPU is not available/);
    assert.doesNotMatch(notice, /WebGL is not available/);

    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(fixture);
    await page.waitForFunction(() => /\b12 images\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 120_000 });
    await page.getByTestId('preset-select').selectOption('referable-dr');
    assert.match(await datasetSummary(page), /\b12 images\b/);

    await tab(page, 'train');
    await trainQuickLinearHead(page, 480_000);
    await screenshot(page, 'webgl-01-trained');

    await tab(page, 'evaluate');
    assert.match(await page.getByTestId('metrics-summary').textContent(), /accuracy/i);
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
