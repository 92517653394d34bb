// Bad input, one case each: a clear message, and the dataset already loaded stays intact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, SHARED, datasetSummary, loadSampleData, openStudio, screenshot, tab, waitForBackend } from './lib/app.mjs';

const DEMO = join(SHARED, 'data', 'fundus-demo');
const FIX = join(ARTIFACTS, 'fixtures');
const realJpeg = () => readFileSync(join(DEMO, '0_No_DR', 'Patient001_L.jpg'));

function makeFixtures() {
  rmSync(FIX, { recursive: true, force: true });
  mkdirSync(FIX, { recursive: true });
  mkdirSync(join(FIX, 'not-image', '0_No_DR'), { recursive: true });
  writeFileSync(join(FIX, 'not-image', '0_No_DR', 'notes.txt'), 'Referral letter, not an image.\n');
  writeFileSync(join(FIX, 'minutes.txt'), 'Clinic minutes, dropped by mistake.\n');
  mkdirSync(join(FIX, 'corrupt', '2_Moderate'), { recursive: true });
  // A JPEG that starts right (SOI + JFIF header) but whose data is garbage after the first 600 bytes.
  const corrupt = Buffer.from(realJpeg());
  for (let i = 600; i < corrupt.length; i++) corrupt[i] = (i * 7919) & 0xff;
  writeFileSync(join(FIX, 'corrupt', '2_Moderate', 'corrupt.jpg'), corrupt.subarray(0, 4000));
  mkdirSync(join(FIX, 'empty-folder'), { recursive: true });
  const one = join(FIX, 'one-class', '0_No_DR');
  mkdirSync(one, { recursive: true });
  for (const f of ['Patient001_L.jpg', 'Patient001_R.jpg', 'Patient002_L.jpg', 'Patient002_R.jpg']) copyFileSync(join(DEMO, '0_No_DR', f), join(one, f));
  const csvDir = join(FIX, 'csv');
  mkdirSync(csvDir, { recursive: true });
  copyFileSync(join(DEMO, '0_No_DR', 'Patient003_L.jpg'), join(csvDir, 'extra_a.jpg'));
  copyFileSync(join(DEMO, '2_Moderate', 'Patient011_L.jpg'), join(csvDir, 'extra_b.jpg'));
  writeFileSync(join(csvDir, 'labels.csv'), 'id_code,diagnosis\nextra_a,0\nextra_b,2\nmissing_one,1\nmissing_two,3\n');
}

let studio;
let page;
before(async () => {
  makeFixtures();
  studio = await openStudio();
  page = studio.page;
  await waitForBackend(page);
  await loadSampleData(page);
});
after(async () => studio?.close());

const imageCount = async () => Number(/\b(\d+)\s+images?\b/i.exec(await datasetSummary(page))?.[1]);

test('a non-image file is rejected with a plain reason; the 94 images stay', async () => {
  await page.getByTestId('folder-input').setInputFiles(join(FIX, 'not-image'));
  const text = await page.getByTestId('rejected-files').textContent({ timeout: 60_000 });
  assert.match(text, /notes\.txt/);
  assert.match(text, /not an image/i);
  assert.equal(await imageCount(), 94);
});

test('a non-image dropped on its own (no class folder) is rejected at once, not held for a CSV', async () => {
  await page.getByTestId('files-input').setInputFiles(join(FIX, 'minutes.txt'));
  await page.waitForFunction(() => /minutes\.txt/.test(document.querySelector('[data-testid="rejected-files"]')?.textContent ?? ''), null, { timeout: 30_000 });
  assert.match(await page.getByTestId('rejected-files').textContent(), /not an image/i);
  assert.equal(await imageCount(), 94);
});

test('a corrupt JPEG is rejected as corrupt; the 94 images stay', async () => {
  await page.getByTestId('folder-input').setInputFiles(join(FIX, 'corrupt'));
  await page.waitForFunction(() => /corrupt\.jpg/.test(document.querySelector('[data-testid="rejected-files"]')?.textContent ?? ''), null, { timeout: 60_000 });
  const text = await page.getByTestId('rejected-files').textContent();
  assert.match(text, /corrupt or truncated/i);
  assert.equal(await imageCount(), 94);
  await screenshot(page, 'bad-01-rejected-files');
});

test('an empty folder says no images were found; the 94 images stay', async () => {
  await page.getByTestId('folder-input').setInputFiles(join(FIX, 'empty-folder'));
  await page.getByText(/No images found/i).first().waitFor({ timeout: 30_000 });
  assert.equal(await imageCount(), 94);
});

test('a CSV that names missing files lists them; the images it does name are added', async () => {
  const dir = join(FIX, 'csv');
  await page.getByTestId('files-input').setInputFiles([join(dir, 'labels.csv'), join(dir, 'extra_a.jpg'), join(dir, 'extra_b.jpg')]);
  const text = await page.getByTestId('csv-problems').textContent({ timeout: 60_000 });
  assert.match(text, /missing_one/);
  assert.match(text, /missing_two/);
  await page.waitForFunction(() => /\b96\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 60_000 });
  await screenshot(page, 'bad-02-csv-missing');
});

test('one class only: training is blocked with the reason', async () => {
  const fresh = await openStudio();
  try {
    await waitForBackend(fresh.page);
    await tab(fresh.page, 'dataset');
    await fresh.page.getByTestId('folder-input').setInputFiles(join(FIX, 'one-class'));
    await fresh.page.waitForFunction(() => /\b4\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 60_000 });
    const err = await fresh.page.getByTestId('dataset-error').textContent();
    assert.match(err, /two classes/i);
    await tab(fresh.page, 'train');
    assert.equal(await fresh.page.getByTestId('start-training').isDisabled(), true);
    await screenshot(fresh.page, 'bad-03-one-class');
  } finally {
    await fresh.close();
  }
});

test('no WebGPU: the studio says so plainly and falls back to WebGL', async () => {
  // WebGL without WebGPU; with neither, the studio runs on WebAssembly (no-gpu.spec.mjs).
  const fresh = await openStudio({ webgpu: false, webgl: true });
  try {
    await fresh.page.getByTestId('backend-notice').waitFor({ timeout: 180_000 });
    const notice = await fresh.page.getByTestId('backend-notice').textContent();
    assert.match(notice, /WebGPU is not available/i);
    assert.match(await waitForBackend(fresh.page), /WebGL/);
    await screenshot(fresh.page, 'bad-04-no-webgpu');
  } finally {
    await fresh.close();
  }
});
