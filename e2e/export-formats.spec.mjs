// Training handed to PyTorch and the model taken anywhere, in the built studio (sample data, 64 px, one epoch,
// head only): the training job zip holds the manifest, settings, starting weights and the Python package, the
// images zip one file per image; a result in train.py's format (the job's own starting weights with hand-made
// metrics, so that no PyTorch is needed) imports as a finished run (the Train screen's summary, the Evaluate
// screen's confusion matrix and gallery, the model marked as trained by PyTorch); that model's ONNX download
// parses as an ONNX ModelProto (ir_version first, the graph, opset 13, the preprocessing in its metadata), its
// safetensors download has the 8-byte length and a JSON header naming fovea_classifier.weight, and model.py
// comes beside it. A training run in the browser would add four minutes on SwiftShader: journey.spec.mjs
// trains; the export paths are the same for either kind of model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { ARTIFACTS, loadSampleData, openStudio, screenshot, tab, waitForBackend } from './lib/app.mjs';

/** Clicks `testId` and saves the download it starts under e2e/artifacts/; returns its bytes and name. */
async function download(page, testId, timeout = 300_000) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout }), page.getByTestId(testId).click()]);
  const path = join(ARTIFACTS, `export-formats-${d.suggestedFilename()}`);
  await d.saveAs(path);
  return { name: d.suggestedFilename(), bytes: new Uint8Array(readFileSync(path)) };
}

function varint(bytes, at) {
  let value = 0;
  let shift = 1;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * shift;
    shift *= 128;
    if (b < 0x80) return { value, at };
  }
}

/** The top-level fields of a protobuf message (number -> values), failing unless it parses to its last byte. */
function protobufFields(bytes) {
  const fields = new Map();
  let at = 0;
  while (at < bytes.length) {
    const key = varint(bytes, at);
    at = key.at;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    let value;
    if (wire === 0) ({ value, at } = varint(bytes, at));
    else if (wire === 2) {
      const len = varint(bytes, key.at);
      value = bytes.subarray(len.at, len.at + len.value);
      at = len.at + len.value;
    } else if (wire === 1) { value = bytes.subarray(at, at + 8); at += 8; }
    else if (wire === 5) { value = bytes.subarray(at, at + 4); at += 4; }
    else throw new Error(`wire type ${wire} at byte ${key.at}: not a protobuf message`);
    assert.ok(at <= bytes.length, 'a field runs past the end');
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

test('export formats: training job, training result imported as a run, its ONNX and safetensors + model.py', { timeout: 900_000 }, async () => {
  const started = Date.now();
  const step = (what) => console.log(`[export-formats] ${((Date.now() - started) / 1000).toFixed(0)} s: ${what}`);
  const studio = await openStudio({ backend: 'auto' });
  const { page } = studio;
  try {
    await waitForBackend(page);
    await loadSampleData(page);
    await page.getByTestId('preset-select').selectOption('referable-dr');
    await tab(page, 'train');
    await page.getByTestId('scenario-linear-top').click();
    await page.getByTestId('input-size').selectOption('64');
    await page.getByTestId('epochs').fill('1');
    await page.getByTestId('batch-size').fill('32');
    await page.getByTestId('rotations').uncheck();
    await tab(page, 'export');
    step('settings chosen');

    // The training job and its images.
    assert.equal(await page.getByTestId('job-include-images').isChecked(), true);
    const job = await download(page, 'export-job');
    const jobFiles = unzipSync(job.bytes);
    assert.deepEqual(Object.keys(jobFiles).filter((f) => !f.endsWith('/')).sort(),
      ['job/README.md', 'job/manifest.json', 'job/model.py', 'job/settings.json', 'job/start.safetensors', 'job/train.py']);
    const manifest = JSON.parse(strFromU8(jobFiles['job/manifest.json']));
    assert.equal(manifest.format, 'fovea-training-job');
    assert.equal(manifest.inputSize, 64);
    assert.equal(manifest.preprocessing.crop, 'field-of-view');
    assert.equal(manifest.items.length, 94);
    assert.ok(manifest.items.every((it) => it.patientId && ['train', 'val', 'test'].includes(it.split)));
    const settings = JSON.parse(strFromU8(jobFiles['job/settings.json']));
    assert.equal(settings.epochs, 1);
    assert.equal(settings.scenario, 'linear-top');
    assert.match(strFromU8(jobFiles['job/train.py']), /DistributedDataParallel/);
    const images = unzipSync((await download(page, 'export-job-images-link')).bytes);
    const pixels = Object.entries(images).filter(([f]) => !f.endsWith('/'));
    assert.equal(pixels.length, 94);
    assert.ok(pixels.every(([, b]) => b.length === 64 * 64 * 3));
    await screenshot(page, 'export-formats-01-export');
    step('job checked');

    // A result as train.py writes it: the starting weights, and metrics for the job's validation images.
    const val = manifest.items.filter((it) => it.split === 'val');
    const probs = val.map((it, i) => (i % 3 === 0 ? [0.4, 0.6] : it.classIndex === 0 ? [0.8, 0.2] : [0.3, 0.7]));
    const metrics = {
      format: 'fovea-training-result', version: 1,
      epochs: [{ epoch: 0, trainLoss: 0.6, trainAccuracy: 0.7, valLoss: 0.55, valAccuracy: 0.75, learningRate: settings.learningRate, seconds: 3 }],
      bestEpoch: 0, stoppedBecause: 'completed', settings, worldSize: 2,
      val: { ids: val.map((it) => it.id), labels: val.map((it) => it.classIndex), probs, loss: 0.55, accuracy: 0.75 },
    };
    // metrics.json alone: refused in plain words, nothing replaced.
    const metricsOnly = join(ARTIFACTS, 'export-formats-metrics.json');
    writeFileSync(metricsOnly, JSON.stringify(metrics));
    await page.getByTestId('result-input').setInputFiles(metricsOnly);
    await page.getByTestId('result-error').waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('result-error').textContent(), /needs weights\.safetensors and metrics\.json/);
    const resultZip = join(ARTIFACTS, 'export-formats-result.zip');
    writeFileSync(resultZip, zipSync({ result: {
      'weights.safetensors': jobFiles['job/start.safetensors'], 'metrics.json': new TextEncoder().encode(JSON.stringify(metrics)),
    } }));
    await page.getByTestId('result-input').setInputFiles(resultZip);
    await page.getByTestId('result-success').waitFor({ timeout: 300_000 });
    assert.match(await page.getByTestId('result-success').textContent(), /1 epoch trained by PyTorch; best epoch 1/);
    assert.match(await page.getByTestId('model-card').textContent(), /Trained with PyTorch/);
    await screenshot(page, 'export-formats-02-result');
    step('result imported');
    assert.match(await page.getByTestId('model-input').textContent(), /^64 × 64 px, cropped to the field of view$/);

    // ONNX: ModelProto with ir_version (field 1) first, a graph (7), opset 13 (8) and Fovea's metadata (14).
    const onnx = await download(page, 'export-onnx');
    assert.match(onnx.name, /^fovea-\d{4}-\d\d-\d\d\.onnx$/);
    assert.deepEqual([...onnx.bytes.subarray(0, 2)], [0x08, 8], 'starts with ir_version = 8');
    const model = protobufFields(onnx.bytes);
    assert.ok(model.get(7)[0].length > 1_000_000, 'the graph holds the weights');
    assert.equal(protobufFields(model.get(8)[0]).get(2)[0], 13, 'opset 13');
    const metadata = Object.fromEntries(model.get(14).map((p) => {
      const f = protobufFields(p);
      return [strFromU8(f.get(1)[0]), strFromU8(f.get(2)[0])];
    }));
    assert.equal(JSON.parse(metadata['fovea.preprocessing']).crop, 'field-of-view');
    assert.equal(metadata['fovea.input_size'], '64');
    assert.equal(JSON.parse(metadata['fovea.class_names']).length, 2);
    step('ONNX checked');

    // safetensors: little-endian u64 header length, JSON header with PyTorch names, then the tensor bytes.
    const st = await download(page, 'export-pytorch');
    assert.match(st.name, /^fovea-\d{4}-\d\d-\d\d\.safetensors$/);
    const view = new DataView(st.bytes.buffer, st.bytes.byteOffset, st.bytes.byteLength);
    const headerLength = Number(view.getBigUint64(0, true));
    const header = JSON.parse(strFromU8(st.bytes.subarray(8, 8 + headerLength)));
    assert.deepEqual(header['fovea_classifier.weight'].shape, [2, 1024]);
    assert.equal(header['fovea_classifier.weight'].dtype, 'F32');
    assert.equal(header.__metadata__.format, 'fovea-googlenet');
    const end = Math.max(...Object.entries(header).filter(([k]) => k !== '__metadata__').map(([, v]) => v.data_offsets[1]));
    assert.equal(8 + headerLength + end, st.bytes.length, 'the header accounts for every byte');
    // The imported result's weights come back out unchanged (train.py's file was the job's start.safetensors).
    const classifier = (bytes) => {
      const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      const [from, to] = JSON.parse(strFromU8(bytes.subarray(8, 8 + n)))['fovea_classifier.weight'].data_offsets;
      return bytes.subarray(8 + n + from, 8 + n + to);
    };
    assert.deepEqual(classifier(st.bytes), classifier(jobFiles['job/start.safetensors']));
    const modelPy = await download(page, 'export-pytorch-link-1');
    assert.equal(modelPy.name, 'model.py');
    assert.match(strFromU8(modelPy.bytes), /def load\(/);
    step('safetensors checked');

    await tab(page, 'train');
    await page.getByTestId('train-finished').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('train-finished').textContent(), /Completed 1 epoch/);
    await tab(page, 'evaluate');
    await page.getByTestId('confusion-matrix').waitFor({ timeout: 30_000 });
    await page.getByTestId('predictions-gallery').waitFor({ timeout: 30_000 });
    await screenshot(page, 'export-formats-03-evaluate');
    assert.deepEqual(studio.errors, [], `page errors: ${studio.errors.join('; ')}`);
  } finally {
    await studio.close();
  }
});
