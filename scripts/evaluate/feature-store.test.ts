import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../../src/core/train/config';
import type { FeatureRequest, Sample } from '../../src/core/train/trainer';
import { decodeFloat16, encodeFloat16, fitsFloat16 } from '../../src/core/data/float16';
import { type FeatureKey, featureKeyHash, FeatureStore } from './feature-store';
import { prefixFingerprint } from './prefix-fingerprint';

describe('float16 for the feature cache on disk', () => {
  it('round-trips within 2^-11 of the magnitude (normal range) and 2^-25 absolute (subnormals)', () => {
    // Features of every magnitude a prefix gives (ReLU outputs, pooled: 0 up to a few thousand), and negatives.
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const values = Float32Array.from({ length: 20000 }, (_, i) => (i % 2 ? -1 : 1) * random() * 2 ** (random() * 40 - 28));
    const back = decodeFloat16(encodeFloat16(values));
    let worstRelative = 0;
    let worstAbsolute = 0;
    values.forEach((v, i) => {
      const error = Math.abs(back[i] - v);
      if (Math.abs(v) >= 2 ** -14) worstRelative = Math.max(worstRelative, error / Math.abs(v));
      else worstAbsolute = Math.max(worstAbsolute, error);
    });
    expect(worstRelative).toBeLessThanOrEqual(2 ** -11);
    expect(worstAbsolute).toBeLessThanOrEqual(2 ** -25);
  });

  it('keeps exact halves exact, rounds ties to even, and flags what overflows', () => {
    const exact = Float32Array.from([0, 1, -2, 0.5, 65504, 2 ** -24, 2 ** -14, 1 + 2 ** -10]);
    expect(Array.from(decodeFloat16(encodeFloat16(exact)))).toEqual(Array.from(exact));
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(decodeFloat16(encodeFloat16(Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11])))).toEqual(Float32Array.from([1, 1 + 2 ** -9]));
    expect(fitsFloat16(Float32Array.from([65504, -65519]))).toBe(true);
    expect(fitsFloat16(Float32Array.from([65520]))).toBe(false);
    expect(decodeFloat16(encodeFloat16(Float32Array.from([1e6])))[0]).toBe(Infinity);
  });
});

describe('evaluate: the feature cache on disk (--cache)', () => {
  const base: FeatureKey = {
    prefix: 'a'.repeat(64), preprocessing: 'fov', preparationVersion: 1, inputSize: 224, rotation: 0,
    path: '/data/0_No_DR/p1.jpg', bytes: 1000, mtimeMs: 1700000000000,
  };

  it('changes the key when any input changes', () => {
    const changed: Partial<FeatureKey>[] = [
      { prefix: 'b'.repeat(64) }, { preprocessing: 'centre' }, { preprocessing: 'fov-colour' }, { preparationVersion: 2 },
      { inputSize: 192 }, { rotation: 1 }, { path: '/data/0_No_DR/p2.jpg' }, { bytes: 1001 }, { mtimeMs: 1700000000001 },
    ];
    const hashes = new Set([featureKeyHash(base), ...changed.map((c) => featureKeyHash({ ...base, ...c }))]);
    expect(hashes.size).toBe(changed.length + 1);
    expect(featureKeyHash({ ...base })).toBe(featureKeyHash(base));
  });

  describe('with a small prefix', () => {
    beforeAll(async () => {
      await tf.setBackend('cpu');
    });

    /** A stand-in prefix whose weights are seeded: only its fingerprint matters to the store. */
    function prefixModel(seed: number, pooling: 'avg' | 'max' = 'avg'): tf.LayersModel {
      const input = tf.input({ shape: [8, 8, 3], name: 'image' });
      const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'c' }).apply(input);
      const pooled = (pooling === 'avg' ? tf.layers.globalAveragePooling2d({ name: 'p' }) : tf.layers.globalMaxPooling2d({ name: 'p' })).apply(conv);
      return tf.model({ inputs: input, outputs: pooled as tf.SymbolicTensor });
    }

    function setUp() {
      const dir = mkdtempSync(join(tmpdir(), 'fovea-features-'));
      const images = ['a.jpg', 'b.jpg'].map((n) => join(dir, n));
      for (const p of images) writeFileSync(p, `image ${p}`);
      const samples: Sample[] = images.flatMap((id) => [0, 1, 2, 3].map((rotation) => ({ id, rotation })));
      let extractions = 0;
      let extracted = 0;
      // Deterministic fake features with magnitudes where float16 rounds (a pooled GoogLeNet feature is ~0..100).
      const extract = async (request: FeatureRequest) => {
        extractions++;
        extracted += request.samples.length;
        await request.onProgress(request.samples.length);
        return Float32Array.from(request.samples.flatMap((s) => [0, 1, 2, 3].map((j) => Math.PI * (s.rotation + 1) * (j + 1) * s.id.length)));
      };
      const request = (prefix: tf.LayersModel, inputSize = 64, progress: number[] = []): FeatureRequest => ({
        prefix, config: resolveTrainConfig({ scenario: 'linear-top', inputSize }), classCount: 2, samples, featureShape: [4],
        onProgress: async (done) => { progress.push(done); return false; },
      });
      return { dir, images, samples, extract, request, counts: () => ({ extractions, extracted }) };
    }

    it('reads a second run with the same key from disk: no extraction, identical features', async () => {
      const { dir, extract, request, counts } = setUp();
      const prefix = prefixModel(1);
      const first = (await new FeatureStore(join(dir, 'cache')).extract(request(prefix), (id) => id, 'fov', extract))!;
      expect(counts()).toEqual({ extractions: 1, extracted: 8 });
      const store = new FeatureStore(join(dir, 'cache'));
      const progress: number[] = [];
      const second = (await store.extract(request(prefix, 64, progress), (id) => id, 'fov', extract))!;
      expect(counts()).toEqual({ extractions: 1, extracted: 8 });
      expect(store.stats).toEqual({ read: 8, computed: 0 });
      expect(progress).toEqual([8]);
      expect(Array.from(second)).toEqual(Array.from(first));
      // What both runs use is the float16 value: within 2^-11 of the fresh one (PI x 4 x 4 x len is ~1e3).
      const fresh = Math.PI * 4 * 4 * request(prefix).samples[3].id.length;
      expect(Math.abs(first[3 * 4 + 3] - fresh) / fresh).toBeLessThanOrEqual(2 ** -11);
      expect(first[3 * 4 + 3]).not.toBe(Math.fround(fresh));
    });

    it('never uses a stale entry: new weights, another pooling, another size, preprocessing or a changed file', async () => {
      const { dir, images, extract, request, counts } = setUp();
      const cache = join(dir, 'cache');
      const pathOf = (id: string) => id;
      await new FeatureStore(cache).extract(request(prefixModel(1)), pathOf, 'fov', extract);
      expect(await prefixFingerprint(prefixModel(1))).toBe(await prefixFingerprint(prefixModel(1)));
      const runs: [string, () => Promise<unknown>, number][] = [
        ['new weights', () => new FeatureStore(cache).extract(request(prefixModel(2)), pathOf, 'fov', extract), 8],
        ['another pooling', () => new FeatureStore(cache).extract(request(prefixModel(1, 'max')), pathOf, 'fov', extract), 8],
        ['another input size', () => new FeatureStore(cache).extract(request(prefixModel(1), 96), pathOf, 'fov', extract), 8],
        ['another preprocessing', () => new FeatureStore(cache).extract(request(prefixModel(1)), pathOf, 'centre', extract), 8],
        ['a changed file (mtime)', async () => {
          utimesSync(images[1], new Date(), new Date(Date.now() + 5000));
          return new FeatureStore(cache).extract(request(prefixModel(1)), pathOf, 'fov', extract);
        }, 4],
      ];
      for (const [what, run, recomputed] of runs) {
        const before = counts().extracted;
        await run();
        expect([what, counts().extracted - before]).toEqual([what, recomputed]);
      }
      // The entries written for the file as it is now are then found.
      const before = counts().extracted;
      await new FeatureStore(cache).extract(request(prefixModel(1)), pathOf, 'fov', extract);
      expect(counts().extracted - before).toBe(0);
    });
  });
});
