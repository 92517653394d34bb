// `npm run bench:scale -- --images N [--size S] [--source DIR] [--format png|original] [--epochs E] [--backend wasm|webgpu]`
//
// How the built studio (dist/, from `vite build`: this script builds nothing) copes with N images, in headless
// Chromium on this machine: import speed, reload to a usable dataset, the browser's memory through every phase
// (the sum over all Chromium processes of PSS from /proc, e2e/lib/memory.mjs), one head-training epoch on cached
// features, and the worker's decode pipeline speed where the worker offers its test-only hook. Human-readable
// lines go to stderr, one JSON object to stdout and to results/bench-scale-<N>.json. --backend: the studio trains on
// WebAssembly by default (a browser without GPU APIs); webgpu launches with the e2e flags, which on a machine
// without a GPU means SwiftShader, about 1.4 GoogLeNet feature images/s at 64 px on 2 cores (2,889 images: an hour).
//
// The folder of N images is generated: the source's images (default ../shared/data/fundus-dev) under other names,
// cycling, in its class folders (0_No_DR ... 4_Proliferative_DR, which the Dataset screen's folder input labels).
// --format png re-encodes them as PNG (once, cached under the system's temp folder), --size S as S-px PNGs;
// original hard-links (or copies) the files as they are. Default: png for sources of at most 512 px (the issue's
// import target is for PNG sources), original for larger photographs (--source ../shared/data/fundus-demo-hd).
//
// Also exported: the steps the scale e2e spec shares (make the folder, import, train, reload).
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_SOURCE = join(ROOT, '..', 'shared', 'data', 'fundus-dev');
const MB = 1024 * 1024;

/** The targets (issue 14). */
export const TARGETS = {
  memoryAboveEmptyMB: 1536,
  importImagesPerSecond: 120,
  reloadToUsableSeconds: 10,
  decodeImagesPerSecondPerCore: 700,
};

// ---------------------------------------------------------------------------------------------------------
// The generated folder

const IMAGE = /\.(jpe?g|png)$/i;

/** Images of a source folder with their class folder: [{ path, label }] (one sub-folder per class). */
export function sourceImages(source) {
  const found = [];
  for (const entry of readdirSync(source, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(source, entry.name);
    if (entry.isDirectory()) {
      for (const f of readdirSync(path).sort()) if (IMAGE.test(f)) found.push({ path: join(path, f), label: entry.name });
    }
  }
  // Generated names are new, so a labels.csv beside flat images could not label them: class folders only.
  if (found.length === 0) throw new Error(`no JPEG or PNG images in class sub-folders of ${source}`);
  return stratifiedOrder(found);
}

/** Classes interleaved in proportion (each image at its rank within its class), so any first N has every class. */
function stratifiedOrder(images) {
  const byLabel = new Map();
  for (const image of images) byLabel.set(image.label, [...(byLabel.get(image.label) ?? []), image]);
  const keyed = [...byLabel.values()].flatMap((list) => list.map((image, j) => ({ image, key: (j + 0.5) / list.length })));
  return keyed.sort((a, b) => a.key - b.key || a.image.label.localeCompare(b.image.label)).map((k) => k.image);
}

function decodeImage(path) {
  const bytes = readFileSync(path);
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, data: png.data };
  }
  return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
}

/** Box-filter resize of RGBA pixels so that the longer side is `size` (never enlarged by more than sampling). */
function resizeRgba(image, size) {
  const scale = size / Math.max(image.width, image.height);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const out = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y / scale);
    const y1 = Math.max(y0 + 1, Math.min(image.height, Math.floor((y + 1) / scale)));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x / scale);
      const x1 = Math.max(x0 + 1, Math.min(image.width, Math.floor((x + 1) / scale)));
      const sum = [0, 0, 0];
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const i = (sy * image.width + sx) * 4;
          sum[0] += image.data[i]; sum[1] += image.data[i + 1]; sum[2] += image.data[i + 2];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      out[o] = sum[0] / n; out[o + 1] = sum[1] / n; out[o + 2] = sum[2] / n; out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}

/** The source image as PNG bytes, resized to `size` px when given; cached in `cacheDir`. */
function pngOf(path, size, cacheDir) {
  const cached = join(cacheDir, `${basename(path, extname(path))}.png`);
  if (existsSync(cached)) return cached;
  let image = decodeImage(path);
  if (size) image = resizeRgba(image, size);
  const png = new PNG({ width: image.width, height: image.height });
  Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength).copy(png.data);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cached, PNG.sync.write(png, { colorType: 2 }));
  return cached;
}

function linkOrCopy(from, to) {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Pixel size of an image file from its header (PNG IHDR or JPEG SOFn); null if unknown. */
function imageSizeOf(path) {
  const b = readFileSync(path);
  if (b[0] === 0x89 && b[1] === 0x50) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  for (let i = 2; i + 9 < b.length;) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    i += 2 + b.readUInt16BE(i + 2);
  }
  return null;
}

/**
 * Writes `images` images into `dir` (emptied first): the source's images cycling, each named
 * `<prefix><index>_<source name>` (prefix defaults to 's') inside the source's class folder. `format`: 'png'
 * (re-encoded, at `size` px when given) or 'original' (hard links, else copies). `corrupt` adds that many files
 * of random bytes named like images to the first class folder. Returns { dir, images, format, size, label counts }.
 */
export function makeImageFolder({ dir, images, source = DEFAULT_SOURCE, format, size, corrupt = 0, prefix = 's' }) {
  const sources = sourceImages(source);
  const first = imageSizeOf(sources[0].path);
  const longest = first ? Math.max(first.width, first.height) : null;
  const chosenFormat = format ?? (size || (longest !== null && longest <= 512) ? 'png' : 'original');
  if (chosenFormat === 'original' && size) throw new Error('--size needs --format png (the images are re-encoded to resize them)');
  const cacheDir = join(tmpdir(), 'fovea-scale-cache', `${basename(source)}-${size ?? 'full'}-png`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const counts = {};
  const started = Date.now();
  for (let i = 0; i < images; i++) {
    const src = sources[i % sources.length];
    const from = chosenFormat === 'png' ? pngOf(src.path, size, cacheDir) : src.path;
    const folder = join(dir, src.label);
    if (i < sources.length) mkdirSync(folder, { recursive: true });
    const name = `${prefix}${String(i).padStart(6, '0')}_${basename(from)}`;
    linkOrCopy(from, join(folder, name));
    counts[src.label] = (counts[src.label] ?? 0) + 1;
  }
  const corruptFiles = [];
  for (let i = 0; i < corrupt; i++) {
    const folder = join(dir, sources[0].label);
    const name = `corrupt_${i}.${chosenFormat === 'png' ? 'png' : 'jpg'}`;
    // A JPEG/PNG signature followed by noise: it claims to be an image and does not decode.
    const head = chosenFormat === 'png' ? Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) : Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
    const noise = Buffer.alloc(4096);
    for (let j = 0; j < noise.length; j++) noise[j] = (j * 7919 + i * 104729) % 251;
    writeFileSync(join(folder, name), Buffer.concat([head, noise]));
    corruptFiles.push(name);
  }
  const bytes = readdirSync(dir, { recursive: true }).reduce((a, f) => {
    const s = statSync(join(dir, f));
    return a + (s.isFile() ? s.size : 0);
  }, 0);
  const outSize = chosenFormat === 'png' && size ? size : longest;
  return { dir, images, format: chosenFormat, pixels: outSize, counts, corruptFiles, megabytes: Math.round(bytes / MB), prepareSeconds: (Date.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------
// Steps in the studio (Playwright page)

const summaryText = () => document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? '';

/** The number of images the Dataset screen lists (its summary line); null when it is not shown. */
export async function listedImages(page) {
  const m = (await page.evaluate(summaryText)).match(/([\d,]+) images?/);
  return m ? Number(m[1].replace(/,/g, '')) : null;
}

/** Page check: the summary lists `n` images (any thousands separator) and no import or restore is running. */
const listsAllAndIdle = (n) => {
  const m = (document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? '').match(/([\d,.\s]+) images?/);
  return Boolean(m) && Number(m[1].replace(/\D/g, '')) === n && !document.querySelector('[data-testid="dataset-progress"]');
};

/**
 * Chooses `dir` in the Dataset screen's folder input and waits until the dataset lists `expected` images with the
 * import finished. Returns { seconds, imagesPerSecond } from choosing the folder until then.
 */
export async function importFolder(page, dir, expected, timeout = 1_800_000) {
  await page.getByTestId('tab-dataset').click();
  const started = Date.now();
  await page.getByTestId('folder-input').setInputFiles(dir);
  await page.waitForFunction(listsAllAndIdle, expected, { timeout, polling: 250 });
  const seconds = (Date.now() - started) / 1000;
  return { seconds, imagesPerSecond: expected / seconds };
}

/**
 * Reloads the page and measures how long until the dataset is usable: `listedSeconds` until the Dataset screen
 * lists all `expected` images (restore finished), `usableSeconds` until, in addition, the Train screen's Start
 * button is enabled with scenario 1 chosen (model loaded, nothing still being read). Both from the reload's start; `loadSeconds` until
 * the page's load event. The poll gives up after `timeout` ms and returns what it saw.
 */
export async function reloadUntilUsable(page, expected, timeout = 600_000) {
  const started = Date.now();
  await page.reload({ waitUntil: 'load' });
  const loadSeconds = (Date.now() - started) / 1000;
  await page.getByTestId('tab-dataset').click({ timeout: 60_000 });
  let listedSeconds = null;
  let firstListed = null;
  let firstListedSeconds = null;
  try {
    await page.waitForFunction(() => /[\d]/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''), null, { timeout: 60_000 });
    firstListed = await listedImages(page);
    firstListedSeconds = (Date.now() - started) / 1000;
    await page.waitForFunction(listsAllAndIdle, expected, { timeout, polling: 100 });
    listedSeconds = (Date.now() - started) / 1000;
  } catch {
    return { loadSeconds, firstListed, firstListedSeconds, listedSeconds: null, usableSeconds: null, listed: await listedImages(page) };
  }
  await page.getByTestId('tab-train').click();
  // Scenario 1 trains on every backend (on WebAssembly the default scenario cannot: Start says so).
  await page.getByTestId('scenario-linear-top').click();
  try {
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-testid="start-training"]');
      return b && !b.disabled;
    }, null, { timeout: 180_000, polling: 100 });
  } catch {
    const reason = await page.locator('[data-testid="start-disabled-reason"]').textContent({ timeout: 1000 }).catch(() => null);
    throw new Error(`the Train button stayed disabled after the reload: ${reason ?? '(no reason shown)'}`);
  }
  const usableSeconds = (Date.now() - started) / 1000;
  await page.getByTestId('tab-dataset').click();
  return { loadSeconds, firstListed, firstListedSeconds, listedSeconds, usableSeconds, listed: expected };
}

/**
 * Scenario 1 (linear classifier on pool5, features cached) at `inputSize` px for `epochs` epochs, from the Train
 * tab; waits for the end. Returns the seconds of each phase as the Run panel showed it (caching the features,
 * each training epoch, each validation), and the epochs' times from the epoch table (whole seconds).
 */
/**
 * Trains scenario 1 at `inputSize` on the dataset; `headFit` 'sgd' (default: the head's epochs, what one epoch on
 * cached features costs) or 'converged' (the full-batch fit with its inner cross-validation).
 */
export async function trainHeadOnCachedFeatures(page, { inputSize = 64, epochs = 1, batchSize = 32, headFit = 'sgd', timeout = 1_800_000 } = {}) {
  await page.getByTestId('tab-train').click();
  await page.getByTestId('scenario-linear-top').click();
  await page.getByTestId('input-size').selectOption(String(inputSize));
  await page.getByTestId('head-fit').selectOption(headFit);
  await page.getByTestId('epochs').fill(String(epochs));
  await page.getByTestId('batch-size').fill(String(batchSize));
  await page.getByTestId('rotations').uncheck();
  await page.getByTestId('test-time-rotations').uncheck();
  await page.getByTestId('early-stopping').uncheck();
  // The Run panel's phase line, sampled every 50 ms in the page: [phase text, ms since start].
  await page.evaluate(() => {
    const log = [];
    const t0 = performance.now();
    let last = null;
    window.__scalePhases = { log, timer: setInterval(() => {
      const text = document.querySelector('.run-progress .phase')?.textContent?.trim() ?? null;
      const epoch = document.querySelector('[data-testid="train-progress"]')?.textContent?.match(/Epoch (\d+) of/)?.[1] ?? null;
      const key = `${text}|${epoch}`;
      if (key !== last) { log.push([text, epoch, performance.now() - t0]); last = key; }
    }, 50) };
  });
  const started = Date.now();
  await page.getByTestId('start-training').click();
  const handle = await page.waitForFunction(() => {
    const q = (id) => document.querySelector(`[data-testid="${id}"]`);
    if (q('train-finished')) return { ok: true };
    const err = q('train-error');
    return err ? { ok: false, message: err.textContent } : null;
  }, null, { timeout, polling: 250 });
  const seconds = (Date.now() - started) / 1000;
  const end = await handle.jsonValue();
  const log = await page.evaluate(() => {
    clearInterval(window.__scalePhases.timer);
    return [...window.__scalePhases.log, [null, null, performance.now()]];
  });
  if (!end.ok) throw new Error(`training failed in the studio: ${end.message}`);
  const spans = { preparing: 0, caching: 0, training: 0, validating: 0 };
  for (let i = 0; i + 1 < log.length; i++) {
    const [text, , t] = log[i];
    const s = (log[i + 1][2] - t) / 1000;
    if (!text) continue;
    if (/Preparing/.test(text)) spans.preparing += s;
    else if (/Computing the frozen/.test(text)) spans.caching += s;
    else if (/^\W*Training/.test(text)) spans.training += s;
    else if (/Measuring/.test(text)) spans.validating += s;
  }
  const epochTableSeconds = await page.evaluate(() => [...document.querySelectorAll('[data-testid="epoch-table"] tbody tr')].map((tr) => {
    const text = tr.querySelector('td:last-child')?.textContent ?? '';
    const m = text.match(/(?:(\d+) min )?(\d+) s/);
    return m ? Number(m[1] ?? 0) * 60 + Number(m[2]) : null;
  }));
  return {
    seconds,
    preparingSeconds: round(spans.preparing),
    cachingSeconds: round(spans.caching),
    // The Run panel in its Training phase, per epoch: the head's epochs on the cached features.
    headEpochSeconds: round(spans.training / epochs),
    validatingSeconds: round(spans.validating),
    epochTableSeconds,
  };
}

/** Opens the Evaluate screen after a run and waits for its confusion matrix and predictions gallery. */
export async function openEvaluation(page, timeout = 300_000) {
  const started = Date.now();
  await page.getByTestId('tab-evaluate').click();
  await page.getByTestId('confusion-matrix').waitFor({ timeout });
  await page.getByTestId('predictions-gallery').waitFor({ timeout });
  return { seconds: (Date.now() - started) / 1000 };
}

/**
 * The worker's decode pipeline through its test-only hook `self.__foveaTestOnlyDecodeBench(size, count)`, which
 * resolves to { images, seconds } (and optionally `threads`: how many threads decoded). null when no worker has it.
 */
export async function decodeBench(page, size, count) {
  for (const worker of page.workers()) {
    const has = await worker.evaluate(() => typeof self.__foveaTestOnlyDecodeBench === 'function').catch(() => false);
    if (!has) continue;
    const r = await worker.evaluate(([s, n]) => self.__foveaTestOnlyDecodeBench(s, n), [size, count]);
    if (!(r.images > 0 && r.seconds > 0)) return { size, images: r.images, seconds: r.seconds, imagesPerSecond: null, imagesPerSecondPerCore: null };
    const threads = r.threads ?? 1;
    const perSecond = r.images / r.seconds;
    return { size, images: r.images, seconds: round(r.seconds, 3), threads, imagesPerSecond: Math.round(perSecond), imagesPerSecondPerCore: Math.round(perSecond / threads) };
  }
  return null;
}

const round = (x, digits = 2) => (x === null || x === undefined ? x : Number(x.toFixed(digits)));

// ---------------------------------------------------------------------------------------------------------
// The benchmark

function parseArgs(argv) {
  const opts = { backend: 'wasm', images: 2889, source: DEFAULT_SOURCE, size: undefined, format: undefined, epochs: 2, inputSize: 64, decodeCount: 512, keep: false, headFit: 'sgd' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (name) => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number, got ${argv[i]}`);
      return v;
    };
    if (a === '--images') opts.images = int('--images');
    else if (a === '--size') opts.size = int('--size');
    else if (a === '--source') opts.source = resolve(value());
    else if (a === '--format') {
      opts.format = value();
      if (!['png', 'original'].includes(opts.format)) throw new Error(`--format must be png or original, got ${opts.format}`);
    } else if (a === '--epochs') opts.epochs = int('--epochs');
    else if (a === '--input-size') opts.inputSize = int('--input-size');
    else if (a === '--decode-count') opts.decodeCount = int('--decode-count');
    else if (a === '--backend') {
      opts.backend = value();
      if (!['wasm', 'webgpu'].includes(opts.backend)) throw new Error(`--backend must be wasm or webgpu, got ${opts.backend}`);
    } else if (a === '--head-fit') {
      opts.headFit = value();
      if (!['sgd', 'converged'].includes(opts.headFit)) throw new Error(`--head-fit must be sgd or converged, got ${opts.headFit}`);
    } else if (a === '--keep') opts.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log('npm run bench:scale -- --images N [--size S] [--source DIR] [--format png|original] [--epochs 2] [--input-size 64] [--decode-count 512] [--backend wasm|webgpu] [--head-fit sgd|converged] [--keep]');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (--help lists them)`);
  }
  return opts;
}

const mb = (bytes) => Math.round(bytes / MB);
const verdict = (met) => (met === null ? 'n/a' : met ? 'met' : 'NOT MET');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist', 'index.html'))) {
    console.error(`No built studio in ${join(ROOT, 'dist')}: this benchmark serves the \`vite build\` output and builds nothing itself. Run \`npx vite build\` (or \`npm run build\`) first.`);
    process.exit(2);
  }
  if (!existsSync(opts.source)) {
    console.error(`No source images at ${opts.source} (--source DIR: a folder with class sub-folders of JPEG/PNG images).`);
    process.exit(2);
  }
  // Imported here so that --help and the checks above need no browser.
  const { chromium, launchOptions, CHROMIUM } = await import('../../e2e/lib/browser.mjs');
  const { startPreview } = await import('../../e2e/lib/servers.mjs');
  const { startMemoryPoller, aboveBaseline, collectGarbage } = await import('../../e2e/lib/memory.mjs');
  const say = (line) => console.error(line);

  const dir = join(tmpdir(), `fovea-bench-scale-${opts.images}`);
  say(`Preparing ${opts.images} images from ${opts.source} in ${dir}…`);
  const folder = makeImageFolder({ dir, images: opts.images, source: opts.source, format: opts.format, size: opts.size });
  say(`  ${folder.images} ${folder.format === 'png' ? 'PNG' : 'original'} files at ${folder.pixels ?? '?'} px, ${folder.megabytes} MB, in ${folder.prepareSeconds.toFixed(1)} s`);

  const server = await startPreview();
  // wasm: a browser without GPU APIs (the studio trains on WebAssembly). webgpu: the e2e flags, WebGPU on SwiftShader
  // here (it computes GoogLeNet features ~50x slower than WebAssembly on this CPU), a real adapter on a GPU machine.
  // A profile on disk, as a user's browser has: a fresh Playwright context is off the record and keeps IndexedDB
  // (every stored image) in the browser process's memory, which no user's browser does.
  const profileDir = mkdtempSync(join(tmpdir(), 'fovea-bench-profile-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    ...launchOptions(opts.backend === 'webgpu' ? {} : { webgpu: false, webgl: false }), viewport: { width: 1360, height: 900 },
  });
  const browser = context.browser();
  const memory = startMemoryPoller();
  const figures = {
    images: opts.images, source: opts.source, format: folder.format, pixels: folder.pixels, folderMB: folder.megabytes,
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, chromium: CHROMIUM, chromiumVersion: browser?.version() ?? null },
    profile: 'on disk (persistent context)',
    date: new Date().toISOString(),
  };
  const errors = [];
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    const blank = await memory.settle();
    await page.goto(server.url);
    const { waitForBackend } = await import('../../e2e/lib/app.mjs');
    // The badge's first words name the backend ("CPU (WebAssembly, SIMD, 1 thread)"); a note may follow.
    figures.backend = (await waitForBackend(page))?.replace(/(slower|faster)\b.*$/s, '').trim();
    // The first visit's service worker precaches the app and the model (~32 MB): let it finish before the baseline.
    await page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 30_000))]));
    await collectGarbage(page);
    const baseline = await memory.settle();
    memory.baseline = baseline;
    figures.memoryBaseline = { blankPagePssMB: mb(blank.pss), emptyStudioPssMB: mb(baseline.pss), emptyStudioRssMB: mb(baseline.rss), processes: memory.now().processes };
    say(`Browser memory (all ${memory.now().processes} Chromium processes): about:blank PSS ${mb(blank.pss)} MB; empty studio (${figures.backend}) PSS ${mb(baseline.pss)} MB, RSS ${mb(baseline.rss)} MB`);

    const phases = {};
    const endPhase = async (phase) => {
      await collectGarbage(page);
      const r = await phase.end();
      phases[r.name] = aboveBaseline(r, baseline);
      say(`  memory above the empty studio, ${r.name}: peak PSS ${phases[r.name].peakPssMB} MB (RSS ${phases[r.name].peakRssMB}), settled PSS ${phases[r.name].settledPssMB} MB (RSS ${phases[r.name].settledRssMB})`);
    };

    say(`Import: choosing the folder of ${opts.images} images…`);
    let phase = memory.phase('import');
    const imported = await importFolder(page, folder.dir, opts.images);
    figures.import = { seconds: round(imported.seconds), imagesPerSecond: round(imported.imagesPerSecond, 1) };
    say(`  ${opts.images} images listed in ${imported.seconds.toFixed(1)} s: ${imported.imagesPerSecond.toFixed(1)} images/s`);
    await endPhase(phase);

    say('Reload…');
    phase = memory.phase('reload');
    const reload = await reloadUntilUsable(page, opts.images);
    figures.reload = Object.fromEntries(Object.entries(reload).map(([k, v]) => [k, typeof v === 'number' && /Seconds$/.test(k) ? round(v) : v]));
    say(`  load event ${reload.loadSeconds.toFixed(1)} s; first listing ${reload.firstListed ?? '?'} images at ${reload.firstListedSeconds?.toFixed(1) ?? '?'} s; ` +
      `all ${opts.images} listed at ${reload.listedSeconds?.toFixed(1) ?? 'never'} s; Train usable at ${reload.usableSeconds?.toFixed(1) ?? 'never'} s`);
    await endPhase(phase);

    figures.decode = {};
    for (const size of [224, 448]) {
      const r = await decodeBench(page, size, Math.min(opts.decodeCount, opts.images));
      figures.decode[size] = r ?? 'not available';
      say(r ? `Decode pipeline at ${size} px: ${r.imagesPerSecond} images/s on ${r.threads} thread(s), ${r.imagesPerSecondPerCore} per core (${r.images} images in ${r.seconds} s)`
        : `Decode pipeline at ${size} px: not available (the worker has no __foveaTestOnlyDecodeBench hook yet)`);
    }

    say(`Training: scenario 1 (linear classifier on pool5, cached features) at ${opts.inputSize} px, ${opts.epochs} epoch(s)…`);
    phase = memory.phase('training');
    const trained = await trainHeadOnCachedFeatures(page, { inputSize: opts.inputSize, epochs: opts.epochs, headFit: opts.headFit });
    figures.training = { inputSize: opts.inputSize, epochs: opts.epochs, headFit: opts.headFit, ...trained };
    say(`  run ${trained.seconds.toFixed(1)} s: preparing ${trained.preparingSeconds} s, caching features ${trained.cachingSeconds} s, ` +
      `one head epoch ${trained.headEpochSeconds} s (epoch table, whole seconds: ${trained.epochTableSeconds.join(', ')} s), validation ${trained.validatingSeconds} s`);
    await endPhase(phase);

    say('Evaluation screen…');
    phase = memory.phase('evaluation');
    figures.evaluation = await openEvaluation(page);
    say(`  shown in ${figures.evaluation.seconds.toFixed(1)} s`);
    await endPhase(phase);

    figures.memory = phases;
    const peakAbove = Math.max(...Object.values(phases).map((p) => p.peakPssMB));
    const decode224 = figures.decode[224];
    const isPngSmall = folder.format === 'png' && (folder.pixels ?? 0) <= 256;
    figures.targets = {
      memoryPeakAboveEmpty: { value: peakAbove, target: `<= ${TARGETS.memoryAboveEmptyMB} MB`, met: peakAbove <= TARGETS.memoryAboveEmptyMB },
      importImagesPerSecond: {
        value: figures.import.imagesPerSecond, target: `>= ${TARGETS.importImagesPerSecond}/s for 224-px PNG sources`,
        met: isPngSmall ? figures.import.imagesPerSecond >= TARGETS.importImagesPerSecond : null,
      },
      reloadToUsableSeconds: {
        value: figures.reload.usableSeconds, target: `<= ${TARGETS.reloadToUsableSeconds} s`,
        met: figures.reload.usableSeconds !== null && figures.reload.usableSeconds <= TARGETS.reloadToUsableSeconds,
      },
      decodePerCoreAt224: {
        value: typeof decode224 === 'object' ? decode224.imagesPerSecondPerCore : 'not available',
        target: `>= ${TARGETS.decodeImagesPerSecondPerCore}/s per core`,
        met: typeof decode224 === 'object' && decode224.imagesPerSecondPerCore !== null ? decode224.imagesPerSecondPerCore >= TARGETS.decodeImagesPerSecondPerCore : null,
      },
    };
    figures.pageErrors = errors;
    say('');
    say(`Targets (${opts.images} images, ${folder.format} at ${folder.pixels} px, ${figures.machine.cores} cores, ${figures.backend}):`);
    for (const [name, t] of Object.entries(figures.targets)) say(`  ${name.padEnd(24)} ${String(t.value).padStart(8)}   target ${t.target}: ${verdict(t.met)}`);
    if (errors.length > 0) say(`Page errors: ${errors.join('; ')}`);
  } finally {
    memory.stop();
    await context.close();
    rmSync(profileDir, { recursive: true, force: true });
    await server.close();
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  const out = join(ROOT, 'results', `bench-scale-${opts.images}.json`);
  writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  say(`Written to ${out}`);
  console.log(JSON.stringify(figures));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
