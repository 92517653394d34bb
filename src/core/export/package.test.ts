import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, Zip, ZipPassThrough, zipSync, type ZipInputFile } from 'fflate';
import { describe, expect, it } from 'vitest';
import { describePreprocessing, exportPackage, importPackage, PackageImportError, type FoveaManifest } from './package';
import { MODEL_CARD_FILE } from './model-card';
import { makeSummaryFixture } from '../eval/summary.fixture';

/** A two-class toy model: the package format does not care what the layers are. */
function toyModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [3], units: 2, activation: 'softmax' }));
  return model;
}

const validation = {
  classNames: ['No', 'Yes'], count: 4, accuracy: 0.5, loss: 0.7, confusion: [[1, 1], [1, 1]],
  perClass: [{ name: 'No', support: 2, sensitivity: 0.5, specificity: 0.5 }, { name: 'Yes', support: 2, sensitivity: null, specificity: 0.5 }],
  macroAuc: 0.5,
};
const manifest = {
  format: 'fovea-model', version: 1, createdAt: '2026-01-01T00:00:00Z', classNames: ['No', 'Yes'], ordinal: false,
  inputSize: 64, preprocessing: describePreprocessing('fov'), scenario: 'linear-top', training: { epochs: 1 },
  epochs: [], validation, weightsProvenance: {}, customLayers: [], testTimeRotations: [0, 1, 2, 3],
} as unknown as FoveaManifest;

describe('custom layers', () => {
  // Checked before anything else in this file imports pooling.ts: importing package.ts alone must register them.
  it('are registered by importing package.ts: LRN and the GeM head pooling', () => {
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(Object.keys(registered)).toEqual(expect.arrayContaining(['LRN', 'GlobalGeMPooling2D']));
  });

  it('a model with a GeM head survives export and import, predicting the same', async () => {
    const { GlobalGeMPooling2D } = await import('../model/pooling');
    const input = tf.input({ shape: [null, null, 2] });
    const pooled = new GlobalGeMPooling2D({ name: 'fovea_gem' }).apply(input) as tf.SymbolicTensor;
    const probs = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: probs });
    const x = tf.tensor4d([1, 2, 3, 4, 0, 1, 5, 2], [1, 2, 2, 2]);
    const imported = await importPackage(await exportPackage(model, manifest));
    expect(imported.model.getLayer('fovea_gem').getClassName()).toBe('GlobalGeMPooling2D');
    const [a, b] = tf.tidy(() => [(model.predict(x) as tf.Tensor).arraySync(), (imported.model.predict(x) as tf.Tensor).arraySync()]);
    expect(b).toEqual(a);
    tf.dispose([x]);
    model.dispose();
    imported.model.dispose();
  });
});

/** A genuine package's files, to be altered one way or another by each hostile case. */
async function packageFiles(): Promise<Record<string, Uint8Array>> {
  const model = toyModel();
  const zip = await exportPackage(model, manifest);
  model.dispose();
  return unzipSync(zip);
}

function editJson(files: Record<string, Uint8Array>, name: string, edit: (json: Record<string, unknown>) => unknown): Uint8Array {
  const json = JSON.parse(strFromU8(files[name])) as Record<string, unknown>;
  return zipSync({ ...files, [name]: strToU8(JSON.stringify(edit(json) ?? json)) });
}

async function refusal(zip: Uint8Array): Promise<string> {
  const before = tf.memory().numTensors;
  const error = await importPackage(zip).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(PackageImportError);
  expect(tf.memory().numTensors).toBe(before);
  return (error as Error).message;
}

/**
 * A zip whose shard is `zeroBytes` of zeros, deflated by hand: one fixed-Huffman block of a literal 0
 * then (length 258, distance 1) matches, 13 bits per 258 bytes, so 2 GB costs 13 MB and no 2 GB buffer.
 */
function deflatedZeros(zeroBytes: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.ceil((zeroBytes / 258) * 13 / 8) + 64);
  let bitPos = 0;
  const bits = (value: number, count: number) => { // LSB first, as deflate stores header fields and extra bits
    for (let i = 0; i < count; i++, bitPos++) if ((value >> i) & 1) out[bitPos >> 3] |= 1 << (bitPos & 7);
  };
  const code = (value: number, count: number) => { // Huffman codes are stored MSB first
    for (let i = count - 1; i >= 0; i--, bitPos++) if ((value >> i) & 1) out[bitPos >> 3] |= 1 << (bitPos & 7);
  };
  // Fixed codes (RFC 1951, 3.2.6): literal 0 -> 00110000; 285 (length 258) -> 11000101; 256 (end) -> 0000000;
  // lengths 3..10 -> codes 257..264 -> 0000001..0001000 (7 bits); distance 1 -> 00000 (5 bits).
  bits(1, 1); bits(1, 2);
  code(0b00110000, 8);
  let left = zeroBytes - 1;
  while (left >= 258 + 3 || left === 258) { code(0b11000101, 8); code(0, 5); left -= 258; }
  while (left >= 3) { const n = Math.min(left, 10); code(n - 3 + 1, 7); code(0, 5); left -= n; }
  while (left > 0) { code(0b00110000, 8); left -= 1; }
  code(0, 7);
  return out.slice(0, Math.ceil(bitPos / 8));
}

function zipWithDeflatedShard(
  files: Record<string, Uint8Array>, shardName: string, zeroBytes: number, declaredBytes = zeroBytes, copies = 1,
): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => { if (err) throw err; parts.push(chunk); });
  for (const [name, bytes] of Object.entries(files)) {
    if (name === shardName) continue;
    const entry = new ZipPassThrough(name);
    zip.add(entry);
    entry.push(bytes, true);
  }
  const zeros = deflatedZeros(zeroBytes);
  for (let i = 0; i < copies; i++) {
    const shard: ZipInputFile = { filename: i === 0 ? shardName : `${i}-${shardName}`, size: declaredBytes, crc: 0, compression: 8 };
    zip.add(shard);
    shard.ondata!(null, zeros, true);
  }
  zip.end();
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) { all.set(p, offset); offset += p.length; }
  return all;
}

describe('the model package', () => {
  it('carries MODEL_CARD.md, read back on import with the manifest', async () => {
    const model = toyModel();
    const zip = await exportPackage(model, manifest, { [MODEL_CARD_FILE]: '# Model card: toy\n' });
    const imported = await importPackage(zip);
    expect(imported.modelCard).toBe('# Model card: toy\n');
    expect(imported.manifest.testTimeRotations).toEqual([0, 1, 2, 3]);
    expect(imported.manifest.preprocessing.crop).toBe('field-of-view');
    const x = tf.tensor2d([[1, 2, 3]]);
    expect(Array.from((imported.model.predict(x) as tf.Tensor).dataSync()))
      .toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    model.dispose();
    imported.model.dispose();
  });

  it('carries the threshold source, prevalence outcomes and calibration decision, and still imports a summary without them', async () => {
    const model = toyModel();
    const screening = makeSummaryFixture();
    const imported = await importPackage(await exportPackage(model, { ...manifest, screening }));
    const op = imported.manifest.screening!.test!.binary[0].operatingPoint;
    expect(op.selection).toEqual(screening.test!.binary[0].operatingPoint.selection);
    expect(op.atPrevalence).toHaveLength(4);
    expect(imported.manifest.screening!.validation.calibration.temperatureDecision).toEqual(screening.validation.calibration.temperatureDecision);
    imported.model.dispose();
    const older = makeSummaryFixture();
    for (const set of [older.validation, older.test!]) {
      for (const t of set.binary) { delete t.operatingPoint.selection; delete t.operatingPoint.atPrevalence; t.operatingPoint.chosenOn = 'validation'; }
      delete set.calibration.temperatureDecision; delete set.calibration.validationPrevalence; delete set.calibration.atPrevalence;
    }
    const importedOlder = await importPackage(await exportPackage(model, { ...manifest, screening: older }));
    expect(importedOlder.manifest.screening!.validation.calibration.temperatureDecision).toBeUndefined();
    importedOlder.model.dispose();
    model.dispose();
  });

  it('imports a package without a model card (exported before model cards) with modelCard null', async () => {
    const model = toyModel();
    const imported = await importPackage(await exportPackage(model, manifest));
    expect(imported.modelCard).toBeNull();
    model.dispose();
    imported.model.dispose();
  });
});

describe('a hostile package is refused with a plain message', () => {
  it('the reported one: a first weight shard of 2 GB of zeros is refused from its declared size, before inflating', async () => {
    const files = await packageFiles();
    const zip = zipWithDeflatedShard(files, 'group1-shard1of1.bin', 2 * 1024 * 1024 * 1024);
    expect(zip.byteLength).toBeLessThan(20 * 1024 * 1024);
    const heapBefore = process.memoryUsage().arrayBuffers;
    expect(await refusal(zip)).toMatch(/group1-shard1of1\.bin declares 2048 MB, more than the 64 MB allowed/);
    // Nothing near 2 GB (nor 64 MB) was allocated on the way to the refusal.
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(32 * 1024 * 1024);
  });

  it('the hand-made deflate stream of zeros is a genuine one (checked small)', () => {
    const files = { 'a.bin': new Uint8Array(0) };
    const zip = zipWithDeflatedShard(files, 'zeros.bin', 100_003);
    const out = unzipSync(zip)['zeros.bin'];
    expect(out.byteLength).toBe(100_003);
    expect(out.every((b) => b === 0)).toBe(true);
  });

  it('a zip bomb: many entries that inflate to more than 256 MB in all is refused', async () => {
    const files = await packageFiles();
    const zip = zipWithDeflatedShard(files, 'pad.bin', 60 * 1024 * 1024, 60 * 1024 * 1024, 5);
    expect(zip.byteLength).toBeLessThan(2 * 1024 * 1024);
    expect(await refusal(zip)).toMatch(/declare 300 MB in all, more than the 256 MB allowed/);
  });

  it('an entry whose data inflates past its declared size never takes more memory than it declared', async () => {
    const files = await packageFiles();
    // Declares the 32 bytes the weights need, holds 64 MB of zeros: inflated into a 32-byte buffer at most.
    const zip = zipWithDeflatedShard(files, 'group1-shard1of1.bin', 64 * 1024 * 1024, 32);
    const heapBefore = process.memoryUsage().arrayBuffers;
    const imported = await importPackage(zip);
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(16 * 1024 * 1024);
    // What is kept is the declared 32 bytes (here zeros): a package of zero weights, which is no attack.
    expect(imported.model.getWeights()[0].dataSync().every((v) => v === 0)).toBe(true);
    imported.model.dispose();
  });

  it('a zip with too many files is refused', async () => {
    const files = await packageFiles();
    for (let i = 0; i < 70; i++) files[`x${i}.txt`] = strToU8('x');
    expect(await refusal(zipSync(files))).toMatch(/holds 73 files; a model package has at most 64/);
  });

  it('an oversized model.json (more than 2 MB) is refused before it is read', async () => {
    const files = await packageFiles();
    expect(await refusal(editJson(files, 'model.json', (j) => ({ ...j, padding: 'x'.repeat(3 * 1024 * 1024) }))))
      .toMatch(/model\.json declares 3 MB, more than the 2 MB allowed/);
  });

  it('a weights file too short (or too long) for the manifest is refused', async () => {
    const files = await packageFiles();
    const shard = files['group1-shard1of1.bin'];
    expect(await refusal(zipSync({ ...files, 'group1-shard1of1.bin': shard.slice(0, shard.length - 4) })))
      .toMatch(/weight files are too short: they hold 28 bytes but model\.json's weights need exactly 32/);
    expect(await refusal(zipSync({ ...files, 'group1-shard1of1.bin': new Uint8Array(36) })))
      .toMatch(/too long: they hold 36 bytes/);
  });

  it('a missing weight shard is refused', async () => {
    const { 'group1-shard1of1.bin': _s, ...files } = await packageFiles();
    void _s;
    expect(await refusal(zipSync(files))).toMatch(/weight file group1-shard1of1\.bin named in model\.json is missing/);
  });

  it('a wrong weight shape is refused in words, not a raw tfjs message', async () => {
    const files = await packageFiles();
    // The kernel is [3, 2] (32 bytes with the [2] bias); [2, 3] keeps the byte count and breaks the shape.
    const zip = editJson(files, 'model.json', (j) => {
      const weights = (j.weightsManifest as { weights: { shape: number[] }[] }[])[0].weights;
      weights[0].shape = [2, 3];
    });
    expect(await refusal(zip)).toMatch(/has shape \[2, 3\] but the architecture needs \[3, 2\]/);
  });

  it('a fovea.json with an extra field, a missing field or a wrong type is refused by the schema', async () => {
    const files = await packageFiles();
    expect(await refusal(editJson(files, 'fovea.json', (j) => ({ ...j, runThis: 'rm -rf' }))))
      .toMatch(/fovea\.json does not describe a Fovea model \(the top level: unexpected field "runThis"\)/);
    expect(await refusal(editJson(files, 'fovea.json', (j) => { delete j.classNames; })))
      .toMatch(/classNames: .*expected array/);
    expect(await refusal(editJson(files, 'fovea.json', (j) => ({ ...j, inputSize: '64' }))))
      .toMatch(/inputSize: .*expected number/);
    expect(await refusal(editJson(files, 'fovea.json', (j) => ({ ...j, preprocessing: { ...(j.preprocessing as object), layout: 'NCHW' } }))))
      .toMatch(/preprocessing\.layout/);
  });

  it('prototype-pollution keys in fovea.json or model.json are refused', async () => {
    const files = await packageFiles();
    const polluted = (name: string, key: string) => {
      const text = strFromU8(files[name]).replace(/^\{/, `{"training":{"${key}":{"polluted":true}},`.replace('"training":', name === 'fovea.json' ? '"x":' : '"y":'));
      return zipSync({ ...files, [name]: strToU8(text) });
    };
    expect(await refusal(polluted('fovea.json', '__proto__'))).toMatch(/fovea\.json in the zip was refused: the key "__proto__" is not allowed/);
    expect(await refusal(polluted('model.json', 'constructor'))).toMatch(/model\.json in the zip was refused: the key "constructor" is not allowed/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('class names that do not match the model, random bytes and a truncated zip are refused', async () => {
    const files = await packageFiles();
    expect(await refusal(editJson(files, 'fovea.json', (j) => ({ ...j, classNames: ['a', 'b', 'c'] }))))
      .toMatch(/predicts 2 classes but fovea\.json names 3/);
    expect(await refusal(new Uint8Array([1, 2, 3]))).toMatch(/not a zip archive/);
    const good = zipSync(files);
    expect(await refusal(good.slice(0, good.length - 30))).toMatch(/not a zip archive/);
  });
});
