// The Evaluate and Export screens on the hand-made evaluation fixture (e2e/pages/evaluate-panels.tsx), no training:
// every number names its set and carries its interval, the operating point reads as a sentence, the set switch
// changes the set, the gallery's labels never overlap their values, and the model card renders with its tables.
// Screenshots at 1280 and 1024 px wide go to e2e/artifacts/screening-*.png (node e2e/run.mjs panels).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { ARTIFACTS } from './lib/app.mjs';
import { startDevServer } from './lib/servers.mjs';

const WIDTHS = [1280, 1024];
const TEST_LABEL = 'Test set — scored once, never used to choose anything';
const VALIDATION_LABEL = 'Validation set — used to pick the best epoch, the threshold and the calibration, so slightly optimistic';

async function open(browser, server, width, query) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}e2e/pages/evaluate-panels.html?${query}`);
  return { page, errors, close: () => context.close() };
}

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/** Label and value boxes of every gallery card's Confidence row that overlap (should be none). */
async function confidenceOverlaps(page) {
  return page.evaluate(() => {
    const labels = [...document.querySelectorAll('[data-testid="gallery-confidence-label"]')];
    return labels.flatMap((label, i) => {
      const value = label.nextElementSibling;
      const a = label.getBoundingClientRect();
      const b = value.getBoundingClientRect();
      const overlap = a.right > b.left && b.right > a.left && a.bottom > b.top && b.bottom > a.top;
      // The label text must also fit its own box (no ink spilling under the value).
      const spills = label.scrollWidth > Math.ceil(a.width) + 1;
      return overlap || spills ? [{ card: i, label: [a.left, a.right, a.top, a.bottom], value: [b.left, b.right, b.top, b.bottom], spills }] : [];
    });
  });
}

test('Evaluate screen on the fixture: sets, intervals, operating point, calibration, gallery (1280 and 1024 px)', { timeout: 240_000 }, async () => {
  const server = await startDevServer();
  const browser = await launchBrowser({ webgpu: false, webgl: false });
  try {
    for (const width of WIDTHS) {
      const { page, errors, close } = await open(browser, server, width, 'view=evaluate');
      await page.getByTestId('set-provenance').waitFor({ timeout: 60_000 });

      // Test set first, named with its role.
      assert.equal(await page.getByTestId('set-provenance').getAttribute('data-set'), 'test');
      assert.equal(await text(page.getByTestId('set-label')), TEST_LABEL);
      assert.match(await text(page.getByTestId('best-epoch')), /epoch 7\b/, 'best epoch 6 (0-based) from the store, shown once as 7');
      assert.equal(await page.getByTestId('best-epoch').count(), 1);

      // Headline cards with 95% bootstrap intervals (fixture test set).
      assert.equal(await text(page.getByTestId('headline-accuracy').getByTestId('headline-ci')), '95% CI 75.7–83.9%');
      assert.equal(await text(page.getByTestId('headline-quadraticKappa').getByTestId('headline-ci')), '95% CI 0.827–0.891');
      assert.equal(await text(page.getByTestId('headline-macroAuc').getByTestId('headline-ci')), '95% CI 0.894–0.935');
      assert.equal(await text(page.getByTestId('headline-referable-dr.auc').getByTestId('headline-ci')), '95% CI 0.911–0.956');
      assert.equal(await text(page.getByTestId('headline-any-dr.auc').getByTestId('headline-ci')), '95% CI 0.928–0.968');

      // Operating point: a sentence, intervals and the 2x2 counts (TP 133, FN 16, FP 26, TN 191).
      const referable = page.getByTestId('operating-point-referable-dr');
      assert.equal(await text(referable.getByTestId('op-sentence')),
        'At this threshold, 9 in 10 eyes with referable DR are referred; 88% of eyes without referable DR are not.');
      assert.equal(await text(referable.getByTestId('op-sensitivity')), '89.3% (95% CI 83.9–94.0%)');
      assert.equal(await text(referable.getByTestId('op-specificity')), '88.0% (95% CI 83.4–92.2%)');
      assert.match(await text(referable.getByTestId('op-counts')), /133 true positive 16 false negative 149.*26 false positive 191 true negative 217/);
      assert.match(await text(referable), /0\.312 chosen on the validation set/);

      // Calibration and ROC.
      assert.equal(await text(page.getByTestId('temperature')), '1.47');
      assert.equal(await text(page.getByTestId('ece-before')), '0.063');
      assert.equal(await text(page.getByTestId('ece-after')), '0.026');
      assert.equal(await page.locator('[data-testid^="roc-operating-point-"]').count(), 2, 'both operating points ringed on the ROC');
      assert.ok(await page.getByTestId('reliability-before').locator('circle').count() >= 5);

      // Gallery: Confidence label and value never overlap.
      await page.getByTestId('predictions-gallery').scrollIntoViewIfNeeded();
      assert.ok(await page.getByTestId('gallery-confidence-label').count() > 10);
      assert.deepEqual(await confidenceOverlaps(page), [], `Confidence label overlaps its value at ${width} px`);
      await page.screenshot({ path: join(ARTIFACTS, `screening-evaluate-test-${width}.png`), fullPage: true });
      await page.getByTestId('predictions-gallery').screenshot({ path: join(ARTIFACTS, `screening-gallery-${width}.png`) });

      // Switch to validation: the label, the numbers and the gallery follow.
      await page.getByTestId('set-switch').getByText('Validation set').click();
      assert.equal(await page.getByTestId('set-provenance').getAttribute('data-set'), 'validation');
      assert.equal(await text(page.getByTestId('set-label')), VALIDATION_LABEL);
      assert.equal(await text(page.getByTestId('headline-accuracy').getByTestId('headline-ci')), '95% CI 77.9–85.8%');
      assert.equal(await text(page.getByTestId('operating-point-referable-dr').getByTestId('op-sentence')),
        'At this threshold, 9 in 10 eyes with referable DR are referred; 89% of eyes without referable DR are not.');
      assert.match(await text(page.locator('#gallery-title')), /^Validation set images$/);
      assert.deepEqual(await confidenceOverlaps(page), []);
      await page.screenshot({ path: join(ARTIFACTS, `screening-evaluate-validation-${width}.png`), fullPage: true });

      // The gallery's own switch goes back to the test set's images.
      await page.getByTestId('gallery-set-switch').getByText('Test set').click();
      assert.match(await text(page.locator('#gallery-title')), /^Test set images$/);
      assert.equal(await page.getByTestId('set-provenance').getAttribute('data-set'), 'test');
      assert.deepEqual(errors, []);
      await close();
    }

    // Without a test set: validation only, no switch, and a plain warning.
    const { page, errors, close } = await open(browser, server, 1280, 'view=evaluate&test=0');
    await page.getByTestId('set-provenance').waitFor({ timeout: 60_000 });
    assert.equal(await text(page.getByTestId('set-label')), VALIDATION_LABEL);
    assert.equal(await page.getByTestId('set-switch').count(), 0);
    assert.match(await text(page.getByTestId('no-test-set')), /no images aside as a test set/);
    await page.screenshot({ path: join(ARTIFACTS, 'screening-evaluate-no-test-1280.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await close();

    // A run from before summaries existed: the plain validation view, as before.
    const old = await open(browser, server, 1280, 'view=evaluate&summary=0');
    await old.page.getByTestId('metrics-summary').waitFor({ timeout: 60_000 });
    assert.equal(await old.page.getByTestId('set-provenance').count(), 0);
    assert.match(await text(old.page.getByTestId('metrics-summary')), /82\.0%/);
    assert.deepEqual(await confidenceOverlaps(old.page), []);
    assert.deepEqual(old.errors, []);
    await old.close();
  } finally {
    await browser.close();
    await server.close();
  }
});

test('Export screen on the fixture: the model card renders with its tables, downloads, and the decision settings show', { timeout: 180_000 }, async () => {
  const server = await startDevServer();
  const browser = await launchBrowser({ webgpu: false, webgl: false });
  try {
    for (const width of WIDTHS) {
      const { page, errors, close } = await open(browser, server, width, 'view=export');
      const doc = page.getByTestId('model-card-document');
      await doc.waitFor({ timeout: 60_000 });
      assert.ok(await doc.locator('table').count() >= 6, 'the card\'s Markdown tables render as tables');
      assert.ok(await doc.locator('h4').count() >= 6, 'sections render as headings');
      assert.match(await text(doc.locator('blockquote').first()), /Not a medical device\./);
      assert.equal(await doc.locator('strong', { hasText: 'Not a medical device.' }).count() >= 1, true);
      assert.doesNotMatch(await text(doc), /\\\||&amp;|&lt;|\| ---/, 'no raw Markdown or entities left');
      const box = await doc.boundingBox();
      assert.ok(box && box.height <= 580, `the card scrolls inside its panel (${box?.height} px tall)`);
      assert.match(await text(page.getByTestId('model-card-panel')), /contains this text as MODEL_CARD\.md/);
      assert.match(await text(page.locator('.file-list')), /MODEL_CARD\.md/);
      assert.match(await text(page.getByTestId('decision-threshold-referable-dr')), /0\.312/);
      assert.match(await text(page.getByTestId('decision-threshold-any-dr')), /0\.418/);
      assert.match(await text(page.getByTestId('decision-temperature')), /1\.47/);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-model-card').click()]);
      assert.equal(download.suggestedFilename(), 'MODEL_CARD.md');
      await page.screenshot({ path: join(ARTIFACTS, `screening-export-${width}.png`), fullPage: true });
      assert.deepEqual(errors, []);
      await close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
});
