// `npm run evaluate` end to end on a small demo subset at 64 px, on wasm (scenario 1) and on WebGPU through
// dawn.node on SwiftShader (scenario 4, which trains convolutions): the files are written, every figure is a
// number in range, and the report opens in Chromium with its three plots (screenshot in e2e/artifacts/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from './lib/browser.mjs';
import { ROOT } from './lib/servers.mjs';

const DEMO = join(ROOT, '..', 'shared', 'data', 'fundus-demo');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

function evaluate(name, args) {
  const out = join(ROOT, 'e2e', 'artifacts', name);
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/evaluate.ts', '--train', DEMO, '--out', out, ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD },
    timeout: 600_000,
  });
  assert.equal(r.status, 0, `evaluate ${name} failed:\n${r.stderr.slice(-4000)}`);
  assert.match(r.stderr, /ETA/, 'progress lines carry an ETA');
  return { out, stderr: r.stderr };
}

function checkMetrics(out, scenarioId) {
  for (const f of ['metrics.json', 'report.html', 'MODEL_CARD.md', 'model.zip', 'predictions.csv']) assert.ok(existsSync(join(out, f)), `${f} written`);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(m.settings.scenario, scenarioId);
  assert.equal(m.settings.inputSize, 64);
  assert.deepEqual(m.data.classNames, ['No DR', 'Mild', 'Moderate', 'Severe', 'Proliferative DR'], 'DR grades preselected from folder names');
  const inUnit = (x, what) => assert.ok(typeof x === 'number' && x >= 0 && x <= 1, `${what} = ${x} is not in [0, 1]`);
  for (const set of [m.validation, m.test]) {
    assert.ok(set, 'validation and test summaries present');
    inUnit(set.accuracy.estimate, `${set.set} accuracy`);
    assert.ok(set.accuracy.low <= set.accuracy.estimate && set.accuracy.estimate <= set.accuracy.high, `${set.set} accuracy inside its interval`);
    assert.ok(set.quadraticKappa.estimate >= -1 && set.quadraticKappa.estimate <= 1, `${set.set} kappa in [-1, 1]`);
    const referable = set.binary.find((b) => b.id === 'referable-dr');
    assert.ok(referable, `${set.set} has the referable-DR question`);
    inUnit(referable.auc.estimate, `${set.set} referable AUC`);
    inUnit(referable.operatingPoint.sensitivity.estimate, `${set.set} sensitivity`);
    inUnit(referable.operatingPoint.specificity.estimate, `${set.set} specificity`);
    inUnit(set.calibration.eceBefore, 'ECE before');
    inUnit(set.calibration.eceAfter, 'ECE after');
    assert.ok(set.calibration.temperature > 0, 'temperature > 0');
  }
  // A frozen backbone's operating point is chosen on out-of-fold predictions pooled over train + validation (every
  // one of those images once) and reaches the target there; the convolution scenarios choose it on validation.
  const valRef = m.validation.binary.find((b) => b.id === 'referable-dr');
  const selection = valRef.operatingPoint.selection;
  const trainAndValidation = m.data.counts.train.reduce((a, b) => a + b, 0) + m.validation.count;
  if (m.settings.freezeUpTo === 'all') {
    assert.equal(selection.source, 'out-of-fold train+validation');
    assert.equal(selection.positives + selection.negatives, trainAndValidation, 'every train and validation image scored out of fold once');
  } else {
    assert.equal(selection.source, 'validation');
  }
  assert.ok(selection.sensitivity.estimate >= 0.9, `sensitivity where the threshold was chosen ${selection.sensitivity.estimate} < 0.9`);
  // predictions.csv: one row per validation and test image (and per out-of-fold image), probabilities summing to 1.
  const rows = readFileSync(join(out, 'predictions.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const count = (set) => rows.filter((r) => r[1] === set).length;
  assert.equal(count('validation') + count('test'), m.validation.count + m.test.count);
  assert.equal(count('out-of-fold'), m.settings.freezeUpTo === 'all' ? trainAndValidation : 0);
  for (const r of rows) {
    const sum = r.slice(5).reduce((a, x) => a + Number(x), 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities of ${r[2]} sum to ${sum}`);
  }
  const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
  assert.match(card, /not a medical device/i);
  return m;
}

test('npm run evaluate on wasm, scenario 1, 64 px: metrics, report, model card and package', { skip: !existsSync(DEMO) && 'no ../shared/data/fundus-demo', timeout: 900_000 }, async () => {
  const { out } = evaluate('evaluate-wasm', ['--backend', 'wasm', '--scenario', '1', '--input', '64', '--epochs', '3', '--bootstrap', '200',
    // One rotation: a quarter of the frozen features to compute (the recipe's rotations are unit-tested).
    '--no-rotations']);
  const m = checkMetrics(out, 'linear-top');
  assert.equal(m.data.counts.train.reduce((a, b) => a + b, 0) + m.data.counts.validation.reduce((a, b) => a + b, 0) +
    m.data.counts.test.reduce((a, b) => a + b, 0), 94, 'all 94 demo images used once');

  const browser = await launchBrowser({ webgpu: false, webgl: false });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    const requests = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    for (const id of ['roc', 'confusion', 'calibration']) {
      const box = await page.locator(`#${id}`).first().boundingBox();
      assert.ok(box && box.width > 100 && box.height > 100, `plot #${id} is shown (${JSON.stringify(box)})`);
    }
    assert.ok((await page.locator('#roc path, #roc polyline').count()) > 0, 'the ROC plot draws a curve');
    assert.deepEqual(requests, [], 'the report loads nothing from anywhere');
    await page.screenshot({ path: join(ROOT, 'e2e', 'artifacts', 'evaluate-report.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

test('npm run evaluate on WebGPU (dawn.node, SwiftShader), scenario 4 trains convolutions, 64 px', { skip: (!existsSync(DEMO) || !existsSync(SWIFTSHADER_ICD)) && 'no demo data or SwiftShader', timeout: 900_000 }, async () => {
  // No test-time rotations: a quarter of SwiftShader's validation and test passes (they are checked on wasm above).
  const { out } = evaluate('evaluate-webgpu', ['--backend', 'webgpu', '--scenario', '4', '--input', '64', '--epochs', '1',
    '--limit', '40', '--batch', '8', '--bootstrap', '200', '--no-tta']);
  const m = checkMetrics(out, 'finetune-pretrained');
  assert.match(m.backend, /webgpu/);
});

test('npm run evaluate --cv 3: patient-aware folds, every image scored once out of fold', { skip: !existsSync(DEMO) && 'no ../shared/data/fundus-demo', timeout: 600_000 }, async () => {
  const { out, stderr } = evaluate('evaluate-cv', ['--backend', 'wasm', '--scenario', '1', '--task', 'any-dr', '--input', '64', '--epochs', '2', '--cv', '3', '--bootstrap', '200', '--no-export',
    '--no-rotations']);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.equal(m.cv.k, 3);
  assert.equal(m.cv.folds.length, 3);
  assert.equal(m.cv.pooledOutOfFold.test.count, 94, 'the folds\' test sets cover the 94 images once');
  const tested = readFileSync(join(out, 'predictions.csv'), 'utf8').trim().split('\n').slice(1)
    .map((l) => l.split(',')).filter((r) => r[1] === 'test').map((r) => r[2]);
  assert.equal(new Set(tested).size, 94, 'no image is in two folds\' test sets');
  assert.match(stderr, /\[cv\] pooled out-of-fold test: accuracy/);
});

test('npm run evaluate trains scenario 4 (convolutions) on wasm, its defaults, with no other flag than the data and a small size', { skip: !existsSync(DEMO) && 'no ../shared/data/fundus-demo', timeout: 600_000 }, async () => {
  const { out, stderr } = evaluate('evaluate-wasm-s4', ['--input', '64', '--epochs', '1', '--limit', '40', '--bootstrap', '200', '--no-export']);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.deepEqual([m.settings.scenario, m.settings.freezeUpTo, m.settings.backend], ['finetune-pretrained', 'conv2', 'wasm']);
  assert.equal(m.epochs.length, 1);
  assert.ok(Number.isFinite(m.epochs[0].trainLoss) && Number.isFinite(m.epochs[0].valLoss), `losses ${JSON.stringify(m.epochs[0])}`);
  assert.match(stderr, /wasm; 64 px; scenario 4/);
});
