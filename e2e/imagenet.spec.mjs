// The converted GoogLeNet in Chromium on WebGPU (SwiftShader): the same ImageNet checks as the Node test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { ROOT, startDevServer } from './lib/servers.mjs';

const CHECK = join(ROOT, '..', 'shared', 'data', 'imagenet-check');

test('GoogLeNet on WebGPU in Chromium recognises cat, espresso and missile, with stock and Fovea kernels alike', { skip: !existsSync(CHECK) && 'no ../shared/data/imagenet-check', timeout: 900_000 }, async () => {
  // The harness fetches the photos from the dev server: stage them in a git-ignored folder.
  const staged = join(ROOT, 'e2e', 'artifacts', 'imagenet-check');
  mkdirSync(staged, { recursive: true });
  for (const f of ['chelsea.jpg', 'coffee.jpg', 'rocket.jpg']) copyFileSync(join(CHECK, f), join(staged, f));
  const server = await startDevServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}e2e/pages/imagenet.html`);
    await page.waitForFunction(() => document.getElementById('log')?.textContent === 'ready', null, { timeout: 120_000 });
    const urls = ['chelsea', 'coffee', 'rocket'].map((n) => `/e2e/artifacts/imagenet-check/${n}.jpg`);
    const results = {};
    for (const kernels of ['stock', 'fovea']) {
      const { backend, top5 } = await page.evaluate(([u, k]) => window.classify(u, k), [urls, kernels]);
      assert.equal(backend, 'webgpu');
      const [cat, coffee, rocket] = top5;
      assert.ok([281, 282, 285].includes(cat[0].c), `${kernels}: chelsea top-1 ${cat[0].c} is not a cat class`);
      assert.equal(coffee[0].c, 967, `${kernels}: coffee top-1 is ${coffee[0].c}`);
      assert.ok(coffee[0].p > 0.9, `${kernels}: espresso probability ${coffee[0].p} <= 0.9`);
      assert.ok(rocket.some((t) => t.c === 657), `${kernels}: missile not in rocket top-5: ${JSON.stringify(rocket)}`);
      results[kernels] = top5;
    }
    // Fovea's kernels (fused forward convolution, LRN) give the same top-5 with the same probabilities.
    for (const [i, stockTop] of results.stock.entries()) {
      const foveaTop = results.fovea[i];
      assert.deepEqual(foveaTop.map((t) => t.c), stockTop.map((t) => t.c), `image ${i}: top-5 classes differ`);
      for (const [j, t] of stockTop.entries()) {
        assert.ok(Math.abs(foveaTop[j].p - t.p) <= 1e-4, `image ${i} class ${t.c}: p ${foveaTop[j].p} vs stock ${t.p}`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
});
