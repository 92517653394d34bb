import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FeatureCache, planFeatureCache, resolveFeatureCacheConfig } from './feature-cache';

const MiB = 2 ** 20;
// Scenario 4 at 224 px caches pool2: 28x28x192 floats = 588 KiB a sample in float32.
const POOL2 = [28, 28, 192];
const config = (gpuMiB: number, cpuMiB: number, precision: 'auto' | 'float32' | 'float16' = 'auto') =>
  resolveFeatureCacheConfig({ gpuBudgetBytes: gpuMiB * MiB, cpuBudgetBytes: cpuMiB * MiB, precision });

describe('planFeatureCache', () => {
  it('keeps float32 on the GPU while it fits', () => {
    expect(planFeatureCache(POOL2, 800, config(512, 2048), true)).toEqual({ location: 'gpu', precision: 'float32' });
  });

  it('keeps float32 in CPU memory when it does not fit the GPU (float16 is never chosen on its own)', () => {
    // 1,200 samples: 689 MiB in float32 (345 MiB would fit in float16).
    expect(planFeatureCache(POOL2, 1200, config(512, 2048), true)).toEqual({ location: 'cpu', precision: 'float32' });
    expect(planFeatureCache(POOL2, 4000, config(512, 2048), true)).toBeNull();
  });

  it('keeps float16 on the GPU, or nothing, when asked for it', () => {
    expect(planFeatureCache(POOL2, 1200, config(512, 2048, 'float16'), true)).toEqual({ location: 'gpu', precision: 'float16' });
    expect(planFeatureCache(POOL2, 1200, config(512, 2048, 'float16'), false)).toBeNull();
    expect(planFeatureCache(POOL2, 2000, config(512, 2048, 'float16'), true)).toBeNull();
    expect(planFeatureCache(POOL2, 1200, config(512, 2048, 'float32'), true)).toEqual({ location: 'cpu', precision: 'float32' });
  });

  it('packs float16 only for an even number of values a sample', () => {
    expect(planFeatureCache([3, 3, 3], 20, config(512, 2048, 'float16'), true)).toBeNull();
    expect(planFeatureCache([3, 3, 2], 20, config(512, 2048, 'float16'), true)).toEqual({ location: 'gpu', precision: 'float16' });
  });
});

describe('FeatureCache (CPU backend)', () => {
  it('holds the same features in CPU memory as in one tensor, for a prefix with free spatial dimensions', async () => {
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [null, null, 3] });
    const output = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const prefix = tf.model({ inputs: input, outputs: output });
    const images = tf.randomNormal([7, 8, 8, 3], 0, 1, 'float32', 3);
    const slice = (start: number, count: number) => images.slice([start, 0, 0, 0], [count, 8, 8, 3]) as tf.Tensor4D;
    const noStop = async () => false;
    const before = tf.memory().numTensors;
    const onGpu = await FeatureCache.build(prefix, 7, { location: 'gpu', precision: 'float32' }, 3, slice, noStop);
    const inCpu = await FeatureCache.build(prefix, 7, { location: 'cpu', precision: 'float32' }, 3, slice, noStop);
    expect(inCpu!.featureShape).toEqual([6, 6, 4]);
    const order = [6, 0, 3, 3];
    const [a, b] = [onGpu!.gather(order), inCpu!.gather(order)];
    expect(b.shape).toEqual([4, 6, 6, 4]);
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([a, b]);
    onGpu!.dispose();
    inCpu!.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(images);
    prefix.dispose();
  });
});
