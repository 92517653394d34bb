import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGoogLeNet, MODEL_DIR } from '../../../scripts/lib/node-model';
import { mulberry32 } from '../data/random';
import {
  buildClassifier, disposeNetwork, disposeNewLayers, FEATURE_SQUARED_NORM, HEAD_POOL_LAYERS, measureFeatureScale, SeededDropout,
  STOCK_POOL5_LAYER,
} from './classifier';
import { useWasmBackend } from '../../../scripts/lib/test-backend';

describe('SeededDropout', () => {
  beforeAll(async () => {
    await useWasmBackend();
  });

  const model = (seed: number) => {
    const input = tf.input({ shape: [64] });
    const output = new SeededDropout({ rate: 0.5, seed, name: 'fovea_dropout' }).apply(input) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: output });
  };
  const pass = (m: tf.LayersModel, training: boolean) => Array.from((m.apply(tf.ones([2, 64]), { training }) as tf.Tensor).dataSync());

  it('draws a new mask at every training call, the same sequence from the same seed, none at inference', () => {
    const [a, b] = [model(3), model(3)];
    const first = pass(a, true);
    const second = pass(a, true);
    expect(second).not.toEqual(first); // tfjs's Dropout with a seed gave the same mask twice
    expect(first.filter((v) => v === 0).length).toBeGreaterThan(20); // about half of 128 dropped
    expect(first.every((v) => v === 0 || v === 2)).toBe(true); // kept values scaled by 1 / (1 - rate)
    expect([pass(b, true), pass(b, true)]).toEqual([first, second]);
    expect(pass(a, false).every((v) => v === 1)).toBe(true);
  });

  it('is saved as a stock, unseeded Dropout, so exported models load without registering it', async () => {
    const saved = model(3).toJSON(null, false) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    const layer = saved.config.layers.find((l) => l.config.name === 'fovea_dropout')!;
    expect(layer.class_name).toBe('Dropout');
    expect(layer.config).toMatchObject({ rate: 0.5, seed: null });
    const loaded = await tf.models.modelFromJSON(saved as never); // a bare topology, as in model.json
    expect(loaded.getLayer('fovea_dropout').getClassName()).toBe('Dropout');
  });
});

describe.skipIf(!existsSync(join(MODEL_DIR, 'model.json')))('head pooling on the real GoogLeNet (wasm backend, 64 px)', () => {
  let base: tf.LayersModel;
  let x: tf.Tensor4D;
  beforeAll(async () => {
    await useWasmBackend();
    base = await loadGoogLeNet();
    const rand = mulberry32(11);
    x = tf.tensor4d(Float32Array.from({ length: 2 * 64 * 64 * 3 }, () => 255 * rand() - 120), [2, 64, 64, 3]);
  });
  afterAll(() => {
    x.dispose();
    disposeNetwork(base);
  });

  /** The block's maps, pooled here by hand: [batch, channels] values. */
  const byHand = (block: string, pool: (m: tf.Tensor4D) => tf.Tensor) => tf.tidy(() => {
    const maps = tf.model({ inputs: base.inputs, outputs: base.getLayer(block).getOutputAt(0) as tf.SymbolicTensor }).predict(x) as tf.Tensor4D;
    return pool(maps).arraySync() as number[][];
  });
  const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));

  it("keeps GoogLeNet's own pool5 for an average on pool5, and adds no pooling layer", () => {
    const net = buildClassifier(base, { numClasses: 2, headOn: 'pool5', headPooling: 'average', freezeUpTo: 'all', dropout: 0, seed: 1 });
    const names = net.model.layers.map((l) => l.name);
    expect(names).toContain(STOCK_POOL5_LAYER);
    expect(names.filter((n) => Object.values(HEAD_POOL_LAYERS).includes(n))).toEqual([]);
    disposeNewLayers(net);
  });

  it('max on pool5: the frozen prefix (the feature cache) outputs the global max of inception_5b, per channel', () => {
    const net = buildClassifier(base, { numClasses: 2, headOn: 'pool5', headPooling: 'max', freezeUpTo: 'all', dropout: 0, seed: 1 });
    expect(net.model.layers.map((l) => l.name)).not.toContain(STOCK_POOL5_LAYER);
    expect(net.prefix!.outputs[0].shape).toEqual([null, 1024]);
    const cached = tf.tidy(() => (net.prefix!.predict(x) as tf.Tensor).arraySync() as number[][]);
    const expected = byHand('inception_5b_output', (m) => tf.max(m, [1, 2]));
    expect(maxDiff(cached, expected)).toBeLessThan(1e-4);
    // and it is not the average (which would make this test pass for the stock pool5)
    expect(maxDiff(cached, byHand('inception_5b_output', (m) => tf.mean(m, [1, 2])))).toBeGreaterThan(1);
    disposeNewLayers(net);
  });

  it("mean-max on inception_4c: the prefix outputs the block's average then its max (1,024 features), the suffix starts from them", () => {
    const net = buildClassifier(base, { numClasses: 3, headOn: 'inception_4c', headFeatures: 'mean-max', freezeUpTo: 'all', dropout: 0, seed: 1 });
    expect(net.prefix!.outputs[0].shape).toEqual([null, 2 * 512]);
    const cached = tf.tidy(() => (net.prefix!.predict(x) as tf.Tensor).arraySync() as number[][]);
    const expected = tf.tidy(() => {
      const mean = byHand('inception_4c_output', (m) => tf.mean(m, [1, 2]));
      const max = byHand('inception_4c_output', (m) => tf.max(m, [1, 2]));
      return mean.map((row, i) => [...row, ...max[i]]);
    });
    expect(maxDiff(cached, expected)).toBeLessThan(1e-3);
    const [whole, split] = tf.tidy(() => [
      tf.log(net.model.predict(x) as tf.Tensor).arraySync() as number[][],
      tf.logSoftmax(net.suffix.predict(net.prefix!.predict(x) as tf.Tensor) as tf.Tensor).arraySync() as number[][],
    ]);
    expect(maxDiff(whole, split)).toBeLessThan(1e-4);
    disposeNewLayers(net);
  });

  it('multi-block: inception_4c then inception_5b pooled (512 + 1,024 features), and under pool5 the same two blocks in the other order', () => {
    const early = buildClassifier(base, { numClasses: 2, headOn: 'inception_4c', headFeatures: 'multi-block', freezeUpTo: 'all', dropout: 0, seed: 1 });
    expect(early.prefix!.outputs[0].shape).toEqual([null, 512 + 1024]);
    const cached = tf.tidy(() => (early.prefix!.predict(x) as tf.Tensor).arraySync() as number[][]);
    const c4 = byHand('inception_4c_output', (m) => tf.mean(m, [1, 2]));
    const c5 = byHand('inception_5b_output', (m) => tf.mean(m, [1, 2]));
    expect(maxDiff(cached, c4.map((row, i) => [...row, ...c5[i]]))).toBeLessThan(1e-3);
    disposeNewLayers(early);
    const top = buildClassifier(base, { numClasses: 2, headOn: 'pool5', headFeatures: 'multi-block', freezeUpTo: 'all', dropout: 0, seed: 1 });
    const topCached = tf.tidy(() => (top.prefix!.predict(x) as tf.Tensor).arraySync() as number[][]);
    expect(maxDiff(topCached, c5.map((row, i) => [...row, ...c4[i]]))).toBeLessThan(1e-3);
    disposeNewLayers(top);
  });

  it('GeM on inception_4c: the prefix outputs (mean of cubes)^(1/3) of the block, and the suffix starts from it', () => {
    const net = buildClassifier(base, { numClasses: 3, headOn: 'inception_4c', headPooling: 'gem', freezeUpTo: 'all', dropout: 0, seed: 1 });
    expect(net.model.getLayer(HEAD_POOL_LAYERS.gem).getClassName()).toBe('GlobalGeMPooling2D');
    const cached = tf.tidy(() => (net.prefix!.predict(x) as tf.Tensor).arraySync() as number[][]);
    const expected = byHand('inception_4c_output', (m) => tf.pow(tf.mean(tf.pow(tf.maximum(m, 1e-6), 3), [1, 2]), 1 / 3));
    expect(maxDiff(cached, expected)).toBeLessThan(1e-3);
    // the whole network = suffix(prefix(x))
    const [whole, split] = tf.tidy(() => [
      tf.log(net.model.predict(x) as tf.Tensor).arraySync() as number[][],
      tf.logSoftmax(net.suffix.predict(net.prefix!.predict(x) as tf.Tensor) as tf.Tensor).arraySync() as number[][],
    ]);
    expect(maxDiff(whole, split)).toBeLessThan(1e-4);
    disposeNewLayers(net);
  });

  it('measureFeatureScale measures the features as the head pools them', async () => {
    for (const pooling of ['average', 'max', 'gem'] as const) {
      const scale = await measureFeatureScale(base, 'pool5', x, pooling);
      const pooled = byHand('inception_5b_output', (m) => pooling === 'average' ? tf.mean(m, [1, 2])
        : pooling === 'max' ? tf.max(m, [1, 2]) : tf.pow(tf.mean(tf.pow(tf.maximum(m, 1e-6), 3), [1, 2]), 1 / 3));
      const meanSquaredNorm = pooled.reduce((s, row) => s + row.reduce((a, v) => a + v * v, 0), 0) / pooled.length;
      expect(scale).toBeCloseTo(Math.sqrt(FEATURE_SQUARED_NORM / meanSquaredNorm), 5);
    }
    expect(await measureFeatureScale(base, 'pool5', x, 'max')).toBeLessThan(await measureFeatureScale(base, 'pool5', x, 'average'));
  });
});
