// The compute backend chosen by evidence (issue 15): in Chromium with SwiftShader's software WebGPU (this
// machine's only "GPU"), Auto recognises the adapter as software and runs on WebAssembly; the badge says so with a
// measured speed and the reason is one click away; choosing WebGPU in the setting switches the running studio and is
// kept with the project across a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStudio, screenshot, waitForBackend } from './lib/app.mjs';

const badgeText = (page) => page.getByTestId('backend-badge').textContent();

test('backend choice: Auto picks WebAssembly over software WebGPU, says why, and a WebGPU override survives a reload', { timeout: 300_000 }, async () => {
  const studio = await openStudio({ backend: 'auto' });
  const { page } = studio;
  try {
    assert.equal(await page.evaluate(() => Boolean(navigator.gpu)), true, 'this browser should offer (SwiftShader) WebGPU');
    const badge = await waitForBackend(page);
    assert.match(badge, /WebAssembly/, `Auto should choose WebAssembly over SwiftShader, badge says ${badge}`);
    // The speed is measured in the background once the backend runs.
    await page.getByTestId('backend-speed').waitFor({ timeout: 120_000 });
    assert.match(await page.getByTestId('backend-speed').textContent(), /^\d+(\.\d+)? images\/s$/);

    // One click shows the reason and the evidence.
    assert.equal(await page.getByTestId('backend-reason').isVisible(), false);
    await page.getByTestId('backend-badge').click();
    const reason = await page.getByTestId('backend-reason').textContent();
    assert.match(reason, /WebGPU here is a software adapter \(google swiftshader, a fallback adapter\)/);
    assert.match(reason, /WebGL runs on a software renderer too/);
    const evidence = await page.getByTestId('backend-evidence').textContent();
    assert.match(evidence, /WebGPU adapter: google swiftshader \(software/);
    assert.match(evidence, /Measured speed: [\d.]+ images\/s/);
    assert.equal(await page.getByTestId('backend-preference').inputValue(), 'auto');
    await screenshot(page, 'backend-choice-01-auto-wasm');

    // The override switches the running studio.
    await page.getByTestId('backend-preference').selectOption('webgpu');
    await page.waitForFunction(() => /^WebGPU/.test(document.querySelector('[data-testid="backend-badge"]')?.textContent ?? ''), null, { timeout: 120_000 });
    assert.match(await page.getByTestId('backend-reason').textContent(), /WebGPU was chosen in the settings\. It runs on a software GPU/);
    await page.getByTestId('backend-notice').waitFor({ state: 'detached', timeout: 10_000 });
    await screenshot(page, 'backend-choice-02-webgpu-override');

    // Kept with the project: a reload starts on WebGPU again.
    await page.reload();
    assert.match(await waitForBackend(page), /^WebGPU/, `after the reload the badge says ${await badgeText(page)}`);
    assert.equal(await page.getByTestId('backend-preference').inputValue(), 'webgpu');

    // And Auto again goes back to WebAssembly.
    await page.getByTestId('backend-badge').click();
    await page.getByTestId('backend-preference').selectOption('auto');
    await page.waitForFunction(() => /WebAssembly/.test(document.querySelector('[data-testid="backend-badge"]')?.textContent ?? ''), null, { timeout: 120_000 });
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});

test('backend probe: timed once (?probe=1), kept for the next visit, and run again on request', { timeout: 420_000 }, async () => {
  // No WebGPU; WebGL on SwiftShader: the probe times WebGL and WebAssembly.
  const studio = await openStudio({ webgpu: false, webgl: true, backend: 'auto' });
  const { page, server } = studio;
  const kept = () => page.evaluate(() => JSON.parse(localStorage.getItem('fovea.backendProbe') ?? 'null'));
  const evidence = async () => {
    await page.getByTestId('backend-badge').click();
    return page.getByTestId('backend-evidence').textContent();
  };
  try {
    await page.goto(`${server.url}?probe=1`);
    assert.match(await waitForBackend(page), /WebAssembly/);
    const measured = await evidence();
    assert.match(measured, /Probe \(GoogLeNet, 64 px, batch 2\): WebGL [\d.]+ images\/s, WebAssembly [\d.]+ images\/s; it took [\d.]+ s/);
    assert.match(await page.getByTestId('backend-reason').textContent(), /A short GoogLeNet probe measured .*WebAssembly is the fastest here/);
    const first = await kept();
    assert.deepEqual(first.probes.map((p) => p.backend), ['webgl', 'wasm']);
    assert.equal(await page.getByTestId('backend-measure-again').count(), 0, 'nothing to measure again right after measuring');

    // The next visit uses the kept timings: no probe, the same choice, and says from when.
    await page.reload();
    assert.match(await waitForBackend(page), /WebAssembly/);
    assert.match(await evidence(), /Probe \(GoogLeNet, 64 px, batch 2\) kept from .*: WebGL [\d.]+ images\/s, WebAssembly [\d.]+ images\/s; run again after 30 days/);
    assert.deepEqual(await kept(), first);
    await screenshot(page, 'backend-choice-03-probe-kept');

    // Measure again: a fresh probe, kept in place of the old one.
    await page.getByTestId('backend-measure-again').click();
    await page.waitForFunction(() => /it took [\d.]+ s/.test(document.querySelector('[data-testid="backend-evidence"]')?.textContent ?? ''), null, { timeout: 240_000 });
    assert.match(await badgeText(page), /WebAssembly/);
    const again = await kept();
    assert.notEqual(again.measuredAt, first.measuredAt);
    assert.equal(again.key, first.key);
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
