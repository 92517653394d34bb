import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCaffeInput } from '../../data/preprocess';
import { buildClassifier, disposeNetwork, type FoveaNet } from '../../model/classifier';
import { exportOnnx, readOnnxMetadata } from './export';
import { demoImages, hasDemo, imageLookup } from '../../../../scripts/lib/demo-data';
import { loadGoogLeNet } from '../../../../scripts/lib/node-model';
import { useWasmBackend } from '../../../../scripts/lib/test-backend';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Runs a network in TF.js (wasm backend) and its ONNX export in onnxruntime-node on the same demo images. */
async function compare(net: FoveaNet, size: number, count: number) {
  const images = demoImages().filter((_, i) => i % 20 === 3).slice(0, count);
  const image = imageLookup(images, size);
  const input = new Float32Array(images.length * size * size * 3);
  images.forEach((im, i) => writeCaffeInput(image(im.id), input, i));
  const x = tf.tensor4d(input, [images.length, size, size, 3]);
  const logitsModel = tf.model({ inputs: net.model.inputs, outputs: net.model.getLayer('fovea_classifier').getOutputAt(0) as tf.SymbolicTensor });
  const [tfLogits, tfProbs] = tf.tidy(() => [logitsModel.predict(x) as tf.Tensor, net.model.predict(x) as tf.Tensor]);
  const expected = { logits: tfLogits.dataSync(), probs: tfProbs.dataSync() };
  tf.dispose([x, tfLogits, tfProbs]);

  const bytes = await exportOnnx(net.model, { inputSize: size, classNames: ['No DR', 'DR', 'other'] });
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ image_bgr: new ort.Tensor('float32', input, [images.length, size, size, 3]) });
  return { bytes, session, expected, logits: result.logits.data as Float32Array, probs: result.probs.data as Float32Array };
}

describe.skipIf(!hasDemo())('ONNX export vs onnxruntime-node (real weights, demo images)', () => {
  let base: tf.LayersModel;
  beforeAll(async () => {
    await useWasmBackend();
    base = await loadGoogLeNet();
  });
  afterAll(() => disposeNetwork(base));

  it('gives the logits and probabilities of TF.js within 1e-4 with the head on pool5 (224 px, 1 image)', async () => {
    const net = buildClassifier(base, { numClasses: 3, headOn: 'pool5', freezeUpTo: 'all', dropout: 0.4, seed: 3, featureScale: 0.2 });
    const r = await compare(net, 224, 1);
    expect(r.logits.length).toBe(3);
    expect(maxDiff(r.logits, r.expected.logits)).toBeLessThan(1e-4);
    expect(maxDiff(r.probs, r.expected.probs)).toBeLessThan(1e-4);
    expect(r.session.inputNames).toEqual(['image_bgr']);
    expect(r.session.outputNames).toEqual(['logits', 'probs']);
  });

  it('does the same with the head on pooled inception_4c features (96 px, 3 images)', async () => {
    const base2 = await loadGoogLeNet();
    try {
      const net = buildClassifier(base2, { numClasses: 3, headOn: 'inception_4c', freezeUpTo: 'all', dropout: 0.4, seed: 5, featureScale: 0.02 });
      const r = await compare(net, 96, 3);
      expect(maxDiff(r.logits, r.expected.logits)).toBeLessThan(1e-4);
      expect(maxDiff(r.probs, r.expected.probs)).toBeLessThan(1e-4);
    } finally {
      disposeNetwork(base2);
    }
  });

  it('does the same with a max-pooled head on inception_4c (64 px, 2 images: GlobalMaxPool)', async () => {
    const base2 = await loadGoogLeNet();
    try {
      const net = buildClassifier(base2, { numClasses: 3, headOn: 'inception_4c', headPooling: 'max', freezeUpTo: 'all', dropout: 0.4, seed: 5, featureScale: 0.01 });
      const r = await compare(net, 64, 2);
      expect(maxDiff(r.logits, r.expected.logits)).toBeLessThan(1e-4);
      expect(maxDiff(r.probs, r.expected.probs)).toBeLessThan(1e-4);
    } finally {
      disposeNetwork(base2);
    }
  });

  it('does the same with a GeM head on pool5 at 256 px (larger than the native 224), with the input size in the graph and metadata (1 image)', async () => {
    const base2 = await loadGoogLeNet();
    try {
      const net = buildClassifier(base2, { numClasses: 3, headOn: 'pool5', headPooling: 'gem', freezeUpTo: 'all', dropout: 0.4, seed: 7, featureScale: 0.1 });
      const r = await compare(net, 256, 1);
      expect(maxDiff(r.logits, r.expected.logits)).toBeLessThan(1e-4);
      expect(maxDiff(r.probs, r.expected.probs)).toBeLessThan(1e-4);
      expect(readOnnxMetadata(r.bytes)['fovea.input_size']).toBe('256');
    } finally {
      disposeNetwork(base2);
    }
  }, 60_000);

  it('carries the preprocessing, input size and labels in metadata_props', async () => {
    const base2 = await loadGoogLeNet();
    try {
      const net = buildClassifier(base2, { numClasses: 2, headOn: 'pool5', freezeUpTo: 'all', dropout: 0.4, seed: 3 });
      const meta = readOnnxMetadata(await exportOnnx(net.model, { inputSize: 64, classNames: ['a', 'b'], testTimeRotations: [0, 1, 2, 3] }));
      expect(meta['fovea.input_size']).toBe('64');
      expect(JSON.parse(meta['fovea.class_names'])).toEqual(['a', 'b']);
      expect(JSON.parse(meta['fovea.preprocessing'])).toMatchObject({ channelOrder: 'BGR', meanBgr: [104, 117, 123], layout: 'NHWC' });
      expect(JSON.parse(meta['fovea.test_time_rotations'])).toEqual([0, 1, 2, 3]);
    } finally {
      disposeNetwork(base2);
    }
  });
});
