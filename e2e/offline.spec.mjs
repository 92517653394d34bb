// Offline after the first visit (vite.config.ts, VitePWA): the first visit installs the service worker, which
// precaches the app, the WebAssembly binaries and the pretrained GoogLeNet; the server is then cut off (every
// connection refused, and the browser context set offline) and a reload still opens the studio, loads the model
// on the CPU backend, and stays cross-origin isolated, with no request reaching the server. Then a new version is
// deployed (a model file changed, and its revision in sw.js): it installs beside the running one and waits, the
// page keeps the old model file, the studio offers a reload, and the reload brings the new file.
// Serves a copy of dist/ (run `vite build` first) so the update does not touch the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preview } from 'vite';
import { launchBrowser } from './lib/browser.mjs';
import { ROOT } from './lib/servers.mjs';
import { screenshot, waitForBackend, waitForPageValue } from './lib/app.mjs';

/** vite preview over `outDir`, with a switch that drops every connection as an unreachable server would. */
async function startGatedPreview(outDir) {
  const gate = { offline: false, seen: [] };
  const plugin = {
    name: 'offline-gate',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        gate.seen.push(req.url);
        if (gate.offline) req.socket.destroy();
        else next();
      });
    },
  };
  const server = await preview({
    root: ROOT, logLevel: 'error', plugins: [plugin], build: { outDir },
    preview: { port: 0, host: '127.0.0.1', strictPort: false },
  });
  const { port } = server.httpServer.address();
  return {
    url: `http://127.0.0.1:${port}/`, gate,
    close: () => new Promise((resolve) => {
      server.httpServer.closeAllConnections?.();
      server.httpServer.close(resolve);
    }),
  };
}

/** What the service worker holds: the URLs in its caches, and the script of the active and waiting workers. */
const swState = (page) => page.evaluate(async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  const cached = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) cached.push(new URL(request.url).pathname);
  }
  return {
    controller: navigator.serviceWorker.controller?.scriptURL ?? null,
    active: registration?.active?.state ?? null,
    waiting: registration?.waiting?.state ?? null,
    cached,
  };
});

const md5 = (text) => createHash('md5').update(text).digest('hex');

test('offline: after the first visit the studio reloads and loads GoogLeNet with the server gone; a new version waits for a reload', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fovea-offline-'));
  const site = join(dir, 'dist');
  cpSync(join(ROOT, 'dist'), site, { recursive: true });
  const server = await startGatedPreview(site);
  // No GPU: the WebAssembly backend, so its binaries must come from the cache too.
  const browser = await launchBrowser({ webgpu: false, webgl: false });
  const errors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.log(`[page ${m.type()}] ${m.text().slice(0, 300)}`);
    });

    // First visit, online: the worker installs (precaching everything) and takes the page (clientsClaim).
    let t = Date.now();
    await page.goto(server.url);
    await waitForBackend(page);
    await waitForPageValue(page, async () => {
      await navigator.serviceWorker.ready;
      return navigator.serviceWorker.controller !== null;
    }, null, 120_000);
    const installed = await swState(page);
    console.log(`first visit, model loaded and service worker controlling: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    assert.equal(installed.active, 'activated');
    assert.match(installed.controller ?? '', /\/sw\.js$/);
    // install finished, so the precache is complete: the model, every shard, the wasm binaries, the page.
    const model = JSON.parse(readFileSync(join(site, 'models/googlenet/model.json'), 'utf8'));
    const shards = model.weightsManifest.flatMap((g) => g.paths);
    assert.ok(shards.length >= 7, `shards: ${shards}`);
    for (const file of ['model.json', ...shards]) {
      assert.ok(installed.cached.includes(`/models/googlenet/${file}`), `${file} is not cached`);
    }
    for (const re of [/^\/index\.html$/, /\/assets\/fovea\.worker-.*\.js$/, /\/assets\/tfjs-backend-wasm-simd-.*\.wasm$/, /\/assets\/tfjs-backend-wasm-threaded-simd-.*\.wasm$/]) {
      assert.ok(installed.cached.some((p) => re.test(p)), `nothing cached matches ${re}`);
    }
    assert.ok(!installed.cached.some((p) => p.includes('/samples/')), 'the optional sample photographs were precached');

    // Two sample-data files opened online (as "Load sample data" does), to find offline later.
    const sampleSize = (u) => page.evaluate((url) => fetch(url).then((r) => (r.ok ? r.blob().then((b) => b.size) : -r.status), (e) => String(e)), u);
    const samples = JSON.parse(readFileSync(join(site, 'samples/fundus-demo/manifest.json'), 'utf8')).files.map((f) => `/samples/fundus-demo/${f.path}`);
    const openedSamples = ['/samples/fundus-demo/manifest.json', samples[0]];
    const neverOpened = samples[1];
    const openedSizes = await Promise.all(openedSamples.map(sampleSize));
    assert.ok(openedSizes.every((n) => typeof n === 'number' && n > 0), `sample files: ${openedSizes}`);

    // Offline: the server drops every connection and the browser is offline. Reload.
    server.gate.offline = true;
    server.gate.seen.length = 0;
    await context.setOffline(true);
    const notFromWorker = [];
    const failed = [];
    context.on('response', (r) => {
      if (!r.url().startsWith('blob:') && !r.url().startsWith('data:') && !r.fromServiceWorker()) notFromWorker.push(r.url());
    });
    context.on('requestfailed', (r) => failed.push(`${r.url()} (${r.failure()?.errorText})`));
    t = Date.now();
    await page.reload();
    const badge = await waitForBackend(page);
    console.log(`offline reload to model loaded: ${((Date.now() - t) / 1000).toFixed(1)} s (${badge})`);
    assert.match(badge ?? '', /WebAssembly/);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'the page served by the service worker is not cross-origin isolated');
    assert.equal(await page.evaluate(() => navigator.onLine), false);
    assert.notEqual((await swState(page)).controller, null);
    assert.equal(await page.getByTestId('update-banner').count(), 0);
    await screenshot(page, 'offline-01-reloaded-offline');
    // Only the browser's own update check of the service worker script may knock (and fail, harmlessly).
    const reached = server.gate.seen.filter((u) => u !== '/sw.js');
    assert.deepEqual(reached, [], `requests reached the server while offline: ${reached.join(', ')}`);
    assert.deepEqual(notFromWorker, [], `answered by the network, not the service worker: ${notFromWorker.join(', ')}`);
    assert.deepEqual(failed, [], `requests failed offline: ${failed.join(', ')}`);
    // Sample data is not precached: what was opened online (runtime cache) is there offline, the rest is not.
    assert.deepEqual(await Promise.all(openedSamples.map(sampleSize)), openedSizes);
    assert.match(String(await sampleSize(neverOpened)), /Failed to fetch/, 'a sample photograph never opened was served offline');

    // A new version is deployed: a model file changes (its content revision in sw.js with it).
    await context.setOffline(false);
    server.gate.offline = false;
    const file = 'models/googlenet/provenance.json';
    const before = readFileSync(join(site, file), 'utf8');
    const after = JSON.stringify({ ...JSON.parse(before), e2eNewVersion: true }, null, 2);
    writeFileSync(join(site, file), after);
    const sw = readFileSync(join(site, 'sw.js'), 'utf8');
    assert.ok(sw.includes(md5(before)), 'sw.js does not carry the content revision of the model files');
    writeFileSync(join(site, 'sw.js'), sw.replace(md5(before), md5(after)));

    const readModelFile = () => page.evaluate((u) => fetch(u).then((r) => r.text()), `/${file}`);
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
    await page.getByTestId('update-banner').waitFor({ timeout: 60_000 });
    const waitingState = await swState(page);
    assert.equal(waitingState.waiting, 'installed', 'the new version is not waiting');
    assert.equal(await readModelFile(), before, 'the running version was handed the new model file before the reload');
    assert.match(await page.getByTestId('update-banner').textContent(), /new version of Fovea is ready/);
    await screenshot(page, 'offline-02-update-ready');

    await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.getByTestId('update-reload').click()]);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
    const updated = await swState(page);
    assert.equal(updated.waiting, null);
    assert.equal(await readModelFile(), after, 'the changed model file was not fetched again');
    assert.equal(await page.getByTestId('update-banner').count(), 0);
    assert.deepEqual(errors, [], `page errors: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
