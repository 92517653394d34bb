// A large import (APTOS, 2,889 images at 224 px with labels.csv) keeps the page responsive, shows its progress,
// can be stopped part-way (what was added stays, saved), and stays within a memory budget in the page and the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, SHARED, datasetSummary, openStudio, screenshot, tab } from './lib/app.mjs';

const DEV = join(SHARED, 'data', 'fundus-dev');
const skip = existsSync(join(DEV, 'labels.csv')) ? false : `${DEV} (with labels.csv) is not there: run \`npm run setup\` to fetch it`;
const MB = 1024 * 1024;

/** Images per diagnosis in labels.csv (APTOS columns id_code,diagnosis). */
function csvCounts(csvText) {
  const counts = {};
  for (const line of csvText.trim().split(/\r?\n/).slice(1)) {
    const label = line.split(',')[1].trim();
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** Class cards as { label: count }, read from the page. */
const listedCounts = (page) => page.evaluate(() => Object.fromEntries(
  [...document.querySelectorAll('[data-testid^="class-card-"]')].map((card) => [
    card.querySelector('h3').textContent, Number(card.querySelector('.count').textContent.replace(/\D/g, '')),
  ]),
));

const listedTotal = async (page) => Number((await datasetSummary(page)).match(/([\d,]+) images?/)[1].replace(/,/g, ''));

const savedImageCount = () => new Promise((resolve, reject) => {
  const open = indexedDB.open('fovea-project');
  open.onsuccess = () => {
    const request = open.result.transaction('images').objectStore('images').count();
    request.onsuccess = () => { resolve(request.result); open.result.close(); };
  };
  open.onerror = () => reject(open.error);
});

/**
 * The longest gap between the ticks of a 20 ms timer on the page's main thread, and its longest task (Long Tasks
 * API), from now until `stop()`. A gap is how long a click or a keypress would have waited.
 */
async function watchMainThread(page) {
  await page.evaluate(() => {
    const w = { start: performance.now(), last: performance.now(), maxGap: 0, longestTask: 0, tasks: [] };
    w.timer = setInterval(() => {
      const now = performance.now();
      w.maxGap = Math.max(w.maxGap, now - w.last);
      w.last = now;
    }, 20);
    w.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        w.longestTask = Math.max(w.longestTask, e.duration);
        if (e.duration > 150) w.tasks.push([Math.round(e.startTime - w.start), Math.round(e.duration)]);
      }
    });
    w.observer.observe({ type: 'longtask' });
    window.__mainThreadWatch = w;
  });
  return {
    stop: () => page.evaluate(() => {
      const w = window.__mainThreadWatch;
      clearInterval(w.timer);
      w.observer.disconnect();
      return { maxGapMs: Math.round(w.maxGap), longestTaskMs: Math.round(w.longestTask), tasks: w.tasks };
    }),
  };
}

/**
 * Polls the JavaScript memory of the page and of its dedicated worker through CDP (Runtime.getHeapUsage: the V8
 * heap in use plus ArrayBuffer backing stores, where decoded pixels live) until `stop()`, which returns the peaks in MB.
 */
async function watchMemory(page) {
  const cdp = await page.context().newCDPSession(page);
  const workerSessions = [];
  let nextId = 1;
  const pending = new Map();
  cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
    if (targetInfo.type === 'worker') workerSessions.push(sessionId);
  });
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const m = JSON.parse(message);
    pending.get(m.id)?.(m.result);
    pending.delete(m.id);
  });
  // Not flattened: this session talks to the worker through Target.sendMessageToTarget, beside Playwright's own.
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const inWorker = (sessionId, method) => new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method }) }).catch(() => resolve(null));
  });
  const total = (u) => (u ? u.usedSize + (u.backingStorageSize ?? 0) : 0);
  const peak = { page: 0, worker: 0, samples: 0 };
  let running = true;
  const poll = (async () => {
    while (running) {
      const [pageUse, ...workerUse] = await Promise.all([
        cdp.send('Runtime.getHeapUsage'), ...workerSessions.map((s) => inWorker(s, 'Runtime.getHeapUsage')),
      ]);
      peak.page = Math.max(peak.page, total(pageUse));
      peak.worker = Math.max(peak.worker, workerUse.reduce((sum, u) => sum + total(u), 0));
      peak.samples += 1;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    workers: () => workerSessions.length,
    stop: async () => {
      running = false;
      await poll;
      await cdp.detach();
      return { pageMB: Math.round(peak.page / MB), workerMB: Math.round(peak.worker / MB), samples: peak.samples };
    },
  };
}

/** Progress "n of total" while the import runs, as numbers; null once it is gone. */
const progressNumbers = (page) => page.evaluate(() => {
  const m = document.querySelector('[data-testid="dataset-progress"]')?.textContent?.match(/([\d,]+) of ([\d,]+)/);
  return m ? { done: Number(m[1].replace(/,/g, '')), total: Number(m[2].replace(/,/g, '')) } : null;
});

test('large import: 2,889 APTOS images listed with the CSV\'s class counts, progress shown, page responsive, memory bounded', { skip, timeout: 900_000 }, async () => {
  const expected = csvCounts(readFileSync(join(DEV, 'labels.csv'), 'utf8'));
  const total = Object.values(expected).reduce((a, b) => a + b, 0);
  const studio = await openStudio({ backend: 'auto' });
  const { page } = studio;
  try {
    await tab(page, 'dataset');
    const memory = await watchMemory(page);
    const started = Date.now();
    await page.getByTestId('folder-input').setInputFiles(DEV);
    // Watched from here: Chromium building the input's 2,889 File objects is one native task of about 1.3 s,
    // the browser's and not the app's (a real folder picker does it too, behind its "upload 2,889 files?" prompt).
    const mainThread = await watchMainThread(page);
    const seen = [];
    await page.getByTestId('dataset-progress').waitFor({ timeout: 60_000 });
    assert.ok(await page.getByTestId('stop-adding').isVisible(), 'no "Stop adding" button beside the progress');
    await page.locator('.import-progress').screenshot({ path: join(ARTIFACTS, 'large-import-00-progress.png') });
    while (true) {
      const p = await progressNumbers(page);
      if (!p) break;
      seen.push(p);
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = (Date.now() - started) / 1000;
    const responsiveness = await mainThread.stop();
    const peaks = await memory.stop();
    await screenshot(page, 'large-import-01-listed');
    console.log(`large import: ${total} images in ${seconds.toFixed(1)} s; main thread: longest gap ${responsiveness.maxGapMs} ms, ` +
      `longest task ${responsiveness.longestTaskMs} ms (tasks over 150 ms [start, ms]: ${JSON.stringify(responsiveness.tasks)}); ` +
      `peak memory: page ${peaks.pageMB} MB, worker ${peaks.workerMB} MB (${peaks.samples} samples, ${memory.workers()} worker)`);

    assert.ok(seen.length >= 2 && seen.every((p) => p.total === total), `progress should count to ${total}: ${JSON.stringify(seen.slice(0, 5))}`);
    assert.ok(seen.some((p) => p.done > 0 && p.done < total), 'progress should show numbers part-way');
    assert.equal(await listedTotal(page), total);
    assert.deepEqual(await listedCounts(page), expected);
    assert.ok(memory.workers() >= 1, 'the worker was not found to measure');
    // A 20 ms timer that waits more than 1 s means a click would not answer for a second: the page looks frozen.
    assert.ok(responsiveness.maxGapMs < 1000, `the main thread was blocked for ${responsiveness.maxGapMs} ms`);
    // The page keeps names, labels and thumbnail URLs, never pixels: 2,889 images decoded at 224 px would be
    // 580 MB as RGBA; 200 MB leaves room for React and the app (35-40 MB measured) but not for that.
    assert.ok(peaks.pageMB < 200, `page memory peaked at ${peaks.pageMB} MB`);
    // The worker keeps each image as 224x224 RGB bytes by design: 2,889 x 150,528 B = 415 MB (about 450 MB measured
    // in all). 1 GB allows the backend and decoding buffers; a second copy of every image would not fit (RGBA
    // bitmaps: 580 MB more, float32 tensors: 1.7 GB more).
    assert.ok(peaks.workerMB < 1024, `worker memory peaked at ${peaks.workerMB} MB`);
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});

/** Every tenth row of labels.csv with its image (class folders `0_No_DR/`…), in a folder of its own; returns it. */
function devSubset(name) {
  const dir = join(ARTIFACTS, 'fixtures', name);
  rmSync(dir, { recursive: true, force: true });
  const folders = Object.fromEntries(readdirSync(DEV).filter((d) => /^\d_/.test(d)).map((d) => [d[0], d]));
  const [header, ...rows] = readFileSync(join(DEV, 'labels.csv'), 'utf8').trim().split(/\r?\n/);
  const kept = rows.filter((_, i) => i % 10 === 0);
  for (const row of kept) {
    const [id, label] = row.split(',');
    mkdirSync(join(dir, folders[label]), { recursive: true });
    copyFileSync(join(DEV, folders[label], `${id}.jpg`), join(dir, folders[label], `${id}.jpg`));
  }
  writeFileSync(join(dir, 'labels.csv'), [header, ...kept].join('\n') + '\n');
  return { dir, total: kept.length };
}

test('stop adding: part of a large import stays listed and saved, a notice says how many, and adding again completes it', { skip, timeout: 600_000 }, async () => {
  const subset = devSubset('large-import-subset');
  const studio = await openStudio({ backend: 'auto' });
  const { page } = studio;
  try {
    await tab(page, 'dataset');
    await page.getByTestId('folder-input').setInputFiles(subset.dir);
    await page.waitForFunction(() => {
      const m = document.querySelector('[data-testid="dataset-progress"]')?.textContent?.match(/([\d,]+) of/);
      return m && Number(m[1].replace(/,/g, '')) >= 32;
    }, null, { timeout: 120_000, polling: 100 });
    await page.getByTestId('stop-adding').click();
    await page.getByTestId('dataset-progress').waitFor({ state: 'detached', timeout: 60_000 });
    const listed = await listedTotal(page);
    const notice = await page.getByTestId('notice-adding-stopped').textContent();
    await screenshot(page, 'large-import-02-stopped');
    console.log(`stopped: ${listed} of ${subset.total} listed; "${notice}"`);
    assert.ok(listed >= 32 && listed < subset.total, `${listed} listed after stopping`);
    assert.match(notice, new RegExp(`Adding stopped: ${listed} images were added and ${subset.total - listed} were not`));
    assert.equal(await page.evaluate(savedImageCount), listed, 'the images listed after stopping are not all saved');

    // Adding the same folder again skips those already there and adds the rest.
    await page.getByTestId('folder-input').setInputFiles(subset.dir);
    await page.waitForFunction((n) => (document.querySelector('[data-testid="dataset-summary"]')?.textContent ?? '').includes(`${n} images`),
      subset.total, { timeout: 300_000 });
    await page.getByTestId('dataset-progress').waitFor({ state: 'detached', timeout: 60_000 });
    assert.deepEqual(await listedCounts(page), csvCounts(readFileSync(join(subset.dir, 'labels.csv'), 'utf8')));
    assert.equal(await page.evaluate(savedImageCount), subset.total);
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
