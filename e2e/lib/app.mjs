// Shared steps of the app specs: open the built studio, wait for the model, load the sample data, screenshots.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, launchBrowser, launchOptions } from './browser.mjs';
import { ROOT, startPreview } from './servers.mjs';

export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
export const SHARED = join(ROOT, '..', 'shared');

/**
 * Opens the built app in a fresh browser; returns { page, browser, server, errors, close }.
 * `webgpu: false` hides WebGPU, and `webgl: false` WebGL too (see launchBrowser). `requests` lists the URL of
 * every request the page and its workers made, from the first.
 * `backend` is forced with the address's ?backend= parameter. It defaults to the backend the browser's GPU APIs
 * gave before the studio chose by evidence (WebGPU, else WebGL, else WebAssembly): on this machine's SwiftShader
 * the automatic choice is WebAssembly. `backend: 'auto'` sets no parameter: the studio decides (or the project's
 * saved setting does).
 */
export async function openStudio({ webgpu = true, webgl = true, persistentProfile = false, backend = undefined } = {}) {
  const forced = backend ?? (webgpu ? 'webgpu' : webgl ? 'webgl' : 'wasm');
  const server = await startPreview();
  const contextOptions = { viewport: { width: 1360, height: 900 }, acceptDownloads: true };
  // A fresh context is off the record: its IndexedDB lives in the browser's memory. A profile on disk keeps it
  // on disk, as a user's browser does: what memory measurements of a stored dataset need.
  const profileDir = persistentProfile ? mkdtempSync(join(tmpdir(), 'fovea-profile-')) : null;
  const context = profileDir
    ? await chromium.launchPersistentContext(profileDir, { ...launchOptions({ webgpu, webgl }), ...contextOptions })
    : await (await launchBrowser({ webgpu, webgl })).newContext(contextOptions);
  const browser = context.browser();
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[page ${m.type()}] ${m.text().slice(0, 400)}`);
  });
  await page.goto(forced === 'auto' ? server.url : `${server.url}?backend=${forced}`);
  return {
    page, browser, server, errors, requests,
    close: async () => {
      await (profileDir ? context.close() : browser?.close());
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
      await server.close();
    },
  };
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export async function waitForBackend(page, timeout = 180_000) {
  await page.getByTestId('backend-badge').waitFor({ timeout });
  await page.waitForFunction(
    () => /webgpu|webgl|webassembly|cpu/i.test(document.querySelector('[data-testid="backend-badge"]')?.textContent ?? ''),
    null, { timeout },
  );
  return page.getByTestId('backend-badge').textContent();
}

export async function tab(page, id) {
  await page.getByTestId(`tab-${id}`).click();
}

/** Loads the 94 sample photographs and waits until the dataset shows them. */
export async function loadSampleData(page) {
  await tab(page, 'dataset');
  await page.getByTestId('load-sample-button').click();
  await page.waitForFunction(
    () => /\b94\b/.test(document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? ''),
    null, { timeout: 300_000 },
  );
}

export async function datasetSummary(page) {
  return (await page.getByTestId('dataset-summary').textContent()) ?? '';
}

/** Waits for the run to finish; fails at once with the studio's message if it reports an error. */
export async function waitForRunEnd(page, timeout) {
  const handle = await page.waitForFunction(
    () => {
      const q = (id) => document.querySelector(`[data-testid="${id}"]`);
      if (q('train-finished')) return { ok: true };
      const err = q('train-error');
      return err ? { ok: false, message: err.textContent } : null;
    },
    null, { timeout, polling: 1000 },
  );
  const r = await handle.jsonValue();
  if (!r.ok) throw new Error(`training failed in the studio: ${r.message}`);
}

/**
 * The shortest real run, from the Train tab: scenario 1 (head only, feature cache) at 64 px, one epoch, batch 8,
 * no rotations; waits for it to end. What the backend and privacy specs need before they look at the result.
 */
export async function trainQuickLinearHead(page, timeout) {
  await page.getByTestId('scenario-linear-top').click();
  await page.getByTestId('input-size').selectOption('64');
  await page.getByTestId('epochs').fill('1');
  await page.getByTestId('batch-size').fill('8');
  await page.getByTestId('rotations').uncheck();
  await page.getByTestId('start-training').click();
  await waitForRunEnd(page, timeout);
}

/**
 * Polls `fn(arg)` in the page until it resolves to something truthy, and returns that. For checks that return a
 * promise (IndexedDB reads): page.waitForFunction takes a returned promise as truthy without waiting for it.
 */
export async function waitForPageValue(page, fn, arg, timeout) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(fn, arg);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${fn.name || 'a page check'}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Page check: the dataset summary says `n` images. */
export const datasetShows = (n) => (document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? '').includes(`${n} images`);

/** Page check (async: poll it with waitForPageValue): the default project's database holds `n` saved images. */
export const savedImagesAre = (n) => new Promise((resolve) => {
  const open = indexedDB.open('fovea-project');
  open.onsuccess = () => {
    const request = open.result.transaction('images').objectStore('images').count();
    request.onsuccess = () => { resolve(request.result === n); open.result.close(); };
  };
  open.onerror = () => resolve(false);
});
