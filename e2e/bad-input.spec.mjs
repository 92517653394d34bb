// Bad input, one case each: a clear message, and the dataset already loaded stays intact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
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
  const hostile = join(FIX, 'hostile', '0_No_DR');
  mkdirSync(hostile, { recursive: true });
  writeFileSync(join(hostile, 'one-pixel.png'), png(1, 1, deflateSync(Buffer.from([0, 200, 30, 30]))));
  // Only its header claims 20000x20000 (400 megapixels): it must be refused before anything decodes it.
  writeFileSync(join(hostile, 'huge.png'), png(20000, 20000, deflateSync(Buffer.alloc(20001))));
  writeFileSync(join(hostile, 'drawing-renamed.png'), SVG);
  writeFileSync(join(FIX, 'drawing.svg'), SVG);
}

const SVG = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><circle cx="256" cy="256" r="200"/></svg>\n';

/** A PNG file: signature, IHDR (8-bit RGB), one IDAT and IEND, with correct CRCs. */
function png(width, height, idat) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

let studio;
let page;
before(async () => {
  makeFixtures();
  studio = await openStudio({ backend: 'auto' });
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

test('hostile images: a 1x1 PNG, a 20000x20000 PNG (refused by its header) and an SVG renamed .png; the 96 images stay', async () => {
  await page.getByTestId('folder-input').setInputFiles(join(FIX, 'hostile'));
  await page.waitForFunction(() => /drawing-renamed\.png/.test(document.querySelector('[data-testid="rejected-files"]')?.textContent ?? ''), null, { timeout: 60_000 });
  const text = await page.getByTestId('rejected-files').textContent();
  assert.match(text, /one-pixel\.png[^]*too small \(1x1 px/);
  assert.match(text, /huge\.png[^]*too large \(20000x20000 px, 400 megapixels; Fovea takes at most 50 megapixels\)/);
  assert.match(text, /drawing-renamed\.png[^]*SVG drawing, not a photograph/);
  assert.equal(await imageCount(), 96);
  assert.deepEqual(studio.errors, []);
  await screenshot(page, 'bad-05-hostile-images');
});

test('an SVG dropped on its own is refused as a drawing, not a photograph', async () => {
  await page.getByTestId('files-input').setInputFiles(join(FIX, 'drawing.svg'));
  await page.waitForFunction(() => /drawing\.svg/.test(document.querySelector('[data-testid="rejected-files"]')?.textContent ?? ''), null, { timeout: 30_000 });
  assert.match(await page.getByTestId('rejected-files').textContent(), /drawing\.svg[^]*SVG drawing, not a photograph/);
  assert.equal(await imageCount(), 96);
});

test('a file named ../../x.jpg is only a label, and a CSV with 20,000 junk rows is one plain sentence', async () => {
  const before = await imageCount();
  const junk = Array.from({ length: 20_000 }, (_, i) => `junk_${i},${i % 5}`).join('\n');
  // Built in the page: Playwright would write a payload named '../../x.jpg' to disk under that name.
  await page.getByTestId('files-input').evaluate((input, { csv, jpeg }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([csv], 'labels.csv', { type: 'text/csv' }));
    transfer.items.add(new File([new Uint8Array(jpeg)], '../../x.jpg', { type: 'image/jpeg' }));
    input.files = transfer.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, { csv: `id_code,diagnosis\n${junk}\nx,2\n`, jpeg: [...realJpeg()] });
  await page.waitForFunction((n) => new RegExp(`\\b${n} images\\b`).test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), before + 1, { timeout: 60_000 });
  const problems = await page.getByTestId('csv-problems').textContent();
  assert.match(problems, /20000 rows of the labels CSV name images that were not dropped: junk_0, junk_1, junk_2, junk_3, junk_4 and 19995 more/);
  assert.ok(problems.length < 800, `the CSV report is ${problems.length} characters long`);
  const shown = await page.evaluate(() => document.body.innerText + [...document.querySelectorAll('[title],[alt]')].map((e) => e.getAttribute('title') + e.getAttribute('alt')).join(' '));
  assert.doesNotMatch(shown, /\.\.\/\.\.\/x\.jpg/, 'the path-like name is never shown as given');
  assert.deepEqual(studio.errors, []);
  await screenshot(page, 'bad-06-junk-csv-and-path-name');
});

test('one class only: training is blocked with the reason', async () => {
  const fresh = await openStudio({ backend: 'auto' });
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
