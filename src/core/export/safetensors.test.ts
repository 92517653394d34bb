import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCaffeInput } from '../data/preprocess';
import { buildClassifier, disposeNetwork, type FoveaNet } from '../model/classifier';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type TensorMap } from './safetensors';
import { buildFromSafetensors, exportSafetensors, readHeadDescription } from './weights-file';
import { FEATURE_SCALE_TENSOR, WeightLayoutError } from './torch-layout';
import { demoImages, hasDemo, imageLookup } from '../../../scripts/lib/demo-data';
import { loadGoogLeNet } from '../../../scripts/lib/node-model';
import { findTorchPython, runPython } from '../../../scripts/lib/python-torch';
import MODEL_PY from './torch/model.py?raw';
import { useWasmBackend } from '../../../scripts/lib/test-backend';

describe('safetensors encoding', () => {
  const tensors: TensorMap = new Map([
    ['a.weight', { shape: [2, 3], data: new Float32Array([1, -2, 3.5, 1e-30, -0, Number.MAX_VALUE > 1 ? 3.4e38 : 0]) }],
    ['a.bias', { shape: [1], data: new Float32Array([Math.PI]) }],
    ['empty', { shape: [0], data: new Float32Array(0) }],
  ]);

  it('round-trips tensors and metadata bit for bit', () => {
    const bytes = encodeSafetensors(tensors, { format: 'test', note: 'ü' });
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'test', note: 'ü' });
    expect([...back.tensors.keys()]).toEqual(['a.weight', 'a.bias', 'empty']);
    for (const [name, t] of tensors) {
      expect(back.tensors.get(name)!.shape).toEqual(t.shape);
      expect(new Uint8Array(back.tensors.get(name)!.data.buffer)).toEqual(new Uint8Array(t.data.buffer));
    }
  });

  it('writes the layout of the spec: u64 LE header size, 8-aligned JSON header, F32 data_offsets, raw LE floats', () => {
    const bytes = encodeSafetensors(new Map([['x', { shape: [2], data: new Float32Array([1, 2]) }]]));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)))).toEqual({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    // 1.0f is 0x3f800000: little-endian bytes 00 00 80 3f
    expect(Array.from(bytes.subarray(8 + n, 8 + n + 4))).toEqual([0, 0, 0x80, 0x3f]);
  });

  it('rejects what it cannot read, saying why', () => {
    expect(() => decodeSafetensors(new Uint8Array(4))).toThrow(SafetensorsError);
    const f16 = new TextEncoder().encode(JSON.stringify({ x: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }));
    const bytes = new Uint8Array(8 + f16.length + 2);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(f16.length), true);
    bytes.set(f16, 8);
    expect(() => decodeSafetensors(bytes)).toThrow(/F16/);
    expect(() => encodeSafetensors(new Map([['x', { shape: [3], data: new Float32Array(2) }]]))).toThrow(/3 values, got 2/);
  });
});

const SIZE = 96;
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const weightsOf = (m: tf.LayersModel) =>
  m.layers.flatMap((l) => l.getWeights().map((w, i) => ({ name: `${l.name}/${i}`, values: w.dataSync() as Float32Array })));

describe.skipIf(!hasDemo())('a fine-tuned GoogLeNet as safetensors (real weights, wasm backend)', () => {
  let net: FoveaNet;
  let bytes: Uint8Array;
  let base: tf.LayersModel;
  beforeAll(async () => {
    await useWasmBackend();
    base = await loadGoogLeNet();
    net = buildClassifier(base, { numClasses: 3, headOn: 'pool5', freezeUpTo: 'all', dropout: 0.4, seed: 7, featureScale: 0.2 });
    // A head bias that is not all zeros, so that its layout is checked too.
    const head = net.model.getLayer('fovea_classifier');
    head.setWeights([head.getWeights()[0], tf.tensor1d([0.1, -0.2, 0.3])]);
    bytes = await exportSafetensors(net.model, { class_names: JSON.stringify(['a', 'b', 'c']) });
  });
  afterAll(() => disposeNetwork(net?.model, base));

  it('names and lays tensors out as PyTorch (OIHW convolutions, [out, in] linear, the feature scale as a buffer)', () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(tensors.get('conv1_7x7_s2.weight')!.shape).toEqual([64, 3, 7, 7]);
    expect(tensors.get('inception_5b_pool_proj.bias')!.shape).toEqual([128]);
    expect(tensors.get('fovea_classifier.weight')!.shape).toEqual([3, 1024]);
    expect(tensors.get(FEATURE_SCALE_TENSOR)!.data[0]).toBeCloseTo(0.2, 7);
    expect(tensors.has('loss3_classifier.weight')).toBe(false); // the ImageNet classifier is not part of the net
    expect(metadata).toMatchObject({ format: 'fovea-googlenet', head_on: 'pool5', head_pooling: 'average', num_classes: '3', dropout: '0.4' });
    expect(readHeadDescription(bytes)).toEqual({ headOn: 'pool5', headPooling: 'average', numClasses: 3, dropout: 0.4, featureScale: Math.fround(0.2) });
    // conv1's kernel element (kh=1, kw=2, in=0, out=5) in tfjs HWIO is torch's [5, 0, 1, 2]
    const k = net.model.getLayer('conv1_7x7_s2').getWeights()[0].arraySync() as number[][][][];
    expect(tensors.get('conv1_7x7_s2.weight')!.data[((5 * 3 + 0) * 7 + 1) * 7 + 2]).toBe(k[1][2][0][5]);
  });

  it('round-trips TS -> safetensors -> TS exactly, into a network rebuilt from the file alone', async () => {
    const base2 = await loadGoogLeNet();
    const copy = buildFromSafetensors(base2, bytes);
    try {
      const [a, b] = [weightsOf(net.model), weightsOf(copy.model)];
      expect(b.map((w) => w.name)).toEqual(a.map((w) => w.name));
      // Compared as bytes (bit for bit, and fast: a deep toEqual over 6M floats exhausts the heap).
      const differing = a.filter((w, i) => !sameBytes(b[i].values, w.values)).map((w) => w.name);
      expect(differing).toEqual([]);
      expect(sameBytes(await exportSafetensors(copy.model, { class_names: JSON.stringify(['a', 'b', 'c']) }), bytes)).toBe(true);
    } finally {
      disposeNetwork(copy.model, base2);
    }
  });

  it("reads a file written before head pooling was a setting (no head_pooling) as an average head", () => {
    const { tensors, metadata: { head_pooling: _dropped, ...older } } = decodeSafetensors(bytes);
    expect(readHeadDescription(encodeSafetensors(tensors, older)).headPooling).toBe('average');
    expect(() => readHeadDescription(encodeSafetensors(tensors, { ...older, head_pooling: 'median' }))).toThrow(/median/);
  });

  it('refuses weights of another architecture, naming the tensor', async () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    tensors.set('fovea_classifier.weight', { shape: [4, 1024], data: new Float32Array(4096) });
    const base2 = await loadGoogLeNet();
    try {
      expect(() => buildFromSafetensors(base2, encodeSafetensors(tensors, metadata))).toThrow(WeightLayoutError);
      expect(() => buildFromSafetensors(base2, encodeSafetensors(tensors, metadata))).toThrow(/fovea_classifier.weight/);
    } finally {
      disposeNetwork(base2);
    }
  });

  const python = findTorchPython();
  it.skipIf(!python)('gives the same logits in PyTorch (model.py) as in TF.js on demo images, within 1e-4 (needs python3 with torch, else skipped: apt-get install python3-torch)', async () => {
    const images = demoImages().filter((_, i) => i % 30 === 0).slice(0, 3);
    const image = imageLookup(images, SIZE);
    const input = new Float32Array(images.length * SIZE * SIZE * 3);
    images.forEach((im, i) => writeCaffeInput(image(im.id), input, i));
    const x = tf.tensor4d(input, [images.length, SIZE, SIZE, 3]);
    const probs = net.model.predict(x) as tf.Tensor2D;
    const logitsModel = tf.model({ inputs: net.model.inputs, outputs: net.model.getLayer('fovea_classifier').getOutputAt(0) as tf.SymbolicTensor });
    const logits = logitsModel.predict(x) as tf.Tensor2D;
    const tfjs = { logits: logits.arraySync(), probs: probs.arraySync() };
    tf.dispose([x, probs, logits]);

    const dir = mkdtempSync(join(tmpdir(), 'fovea-safetensors-'));
    try {
      writeFileSync(join(dir, 'model.py'), MODEL_PY);
      writeFileSync(join(dir, 'weights.safetensors'), bytes);
      writeFileSync(join(dir, 'inputs.bin'), input);
      const out = runPython(python!, ['-c', [
        'import json, numpy as np, torch, model',
        'net, meta = model.load("weights.safetensors"); net.eval()',
        `x = torch.from_numpy(np.fromfile("inputs.bin", dtype="<f4").reshape(-1, ${SIZE}, ${SIZE}, 3)).permute(0, 3, 1, 2)`,
        'with torch.no_grad(): z = net(x)',
        'print(json.dumps({"logits": z.tolist(), "probs": torch.softmax(z, 1).tolist()}))',
      ].join('\n')], dir);
      const torch = JSON.parse(out) as typeof tfjs;
      const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
      expect(maxDiff(torch.logits, tfjs.logits)).toBeLessThan(1e-4);
      expect(maxDiff(torch.probs, tfjs.probs)).toBeLessThan(1e-4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Logits of `model` in TF.js and of model.py loading `bytes` in PyTorch, on the same inputs. */
function torchAndTfjsLogits(python: string, model: tf.LayersModel, bytes: Uint8Array, input: Float32Array, size: number) {
  const x = tf.tensor4d(input, [input.length / (size * size * 3), size, size, 3]);
  const logitsModel = tf.model({ inputs: model.inputs, outputs: model.getLayer('fovea_classifier').getOutputAt(0) as tf.SymbolicTensor });
  const logits = logitsModel.predict(x) as tf.Tensor2D;
  const tfjs = logits.arraySync();
  tf.dispose([x, logits]);
  const dir = mkdtempSync(join(tmpdir(), 'fovea-safetensors-'));
  try {
    writeFileSync(join(dir, 'model.py'), MODEL_PY);
    writeFileSync(join(dir, 'weights.safetensors'), bytes);
    writeFileSync(join(dir, 'inputs.bin'), input);
    const out = runPython(python, ['-c', [
      'import json, numpy as np, torch, model',
      'net, meta = model.load("weights.safetensors"); net.eval()',
      `x = torch.from_numpy(np.fromfile("inputs.bin", dtype="<f4").reshape(-1, ${size}, ${size}, 3)).permute(0, 3, 1, 2)`,
      'with torch.no_grad(): z = net(x)',
      'print(json.dumps({"logits": z.tolist(), "pooling": net.head_pooling}))',
    ].join('\n')], dir);
    const torch = JSON.parse(out) as { logits: number[][]; pooling: string };
    return { tfjs, torch: torch.logits, torchPooling: torch.pooling };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!hasDemo())('max- and GeM-pooled heads as safetensors (real weights, wasm backend, 64 px)', () => {
  const SMALL = 64;
  const python = findTorchPython();
  const cases = [
    { headOn: 'pool5', headPooling: 'max', featureScale: 0.05 },
    { headOn: 'inception_4c', headPooling: 'gem', featureScale: 0.02 },
  ] as const;
  let input: Float32Array;
  beforeAll(async () => {
    await useWasmBackend();
    const images = demoImages().filter((_, i) => i % 30 === 0).slice(0, 2);
    const image = imageLookup(images, SMALL);
    input = new Float32Array(images.length * SMALL * SMALL * 3);
    images.forEach((im, i) => writeCaffeInput(image(im.id), input, i));
  });

  it.each(cases)('$headPooling on $headOn: metadata, exact TS round trip, and PyTorch within 1e-4 (PyTorch part skipped without torch)', async (c) => {
    const [base, base2] = [await loadGoogLeNet(), await loadGoogLeNet()];
    const net = buildClassifier(base, { numClasses: 2, ...c, freezeUpTo: 'all', dropout: 0.4, seed: 9 });
    let copy: FoveaNet | undefined;
    try {
      const bytes = await exportSafetensors(net.model);
      expect(decodeSafetensors(bytes).metadata).toMatchObject({ head_on: c.headOn, head_pooling: c.headPooling });
      expect(readHeadDescription(bytes)).toMatchObject({ headOn: c.headOn, headPooling: c.headPooling });
      copy = buildFromSafetensors(base2, bytes);
      const x = tf.tensor4d(input, [2, SMALL, SMALL, 3]);
      const [a, b] = tf.tidy(() => [(net.model.predict(x) as tf.Tensor).arraySync(), (copy!.model.predict(x) as tf.Tensor).arraySync()]);
      x.dispose();
      expect(b).toEqual(a);
      if (python) {
        const r = torchAndTfjsLogits(python, net.model, bytes, input, SMALL);
        expect(r.torchPooling).toBe(c.headPooling);
        const diff = Math.max(...r.tfjs.flatMap((row, i) => row.map((v, j) => Math.abs(v - r.torch[i][j]))));
        expect(diff).toBeLessThan(1e-4);
      }
    } finally {
      disposeNetwork(net.model, copy?.model, base, base2);
    }
  }, 120_000);
});
