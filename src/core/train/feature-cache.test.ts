import { describe, expect, it } from 'vitest';
import { planFeatureCache, resolveFeatureCacheConfig } from './feature-cache';

const MiB = 2 ** 20;
// Scenario 4 at 224 px caches pool2: 28x28x192 floats = 588 KiB a sample in float32.
const POOL2 = [28, 28, 192];
const config = (gpuMiB: number, cpuMiB: number, precision: 'auto' | 'float32' | 'float16' = 'auto') =>
  resolveFeatureCacheConfig({ gpuBudgetBytes: gpuMiB * MiB, cpuBudgetBytes: cpuMiB * MiB, precision });

describe('planFeatureCache', () => {
  it('keeps float32 on the GPU while it fits', () => {
    expect(planFeatureCache(POOL2, 800, config(512, 2048), true)).toEqual({ location: 'gpu', precision: 'float32' });
  });

  it('falls back to float16 on the GPU before leaving it, where the backend can pack float16', () => {
    // 1,200 samples: 689 MiB in float32, 345 MiB in float16.
    expect(planFeatureCache(POOL2, 1200, config(512, 2048), true)).toEqual({ location: 'gpu', precision: 'float16' });
    expect(planFeatureCache(POOL2, 1200, config(512, 2048), false)).toEqual({ location: 'cpu', precision: 'float32' });
  });

  it('keeps float32 in CPU memory when even float16 does not fit the GPU, and nothing beyond that', () => {
    expect(planFeatureCache(POOL2, 3000, config(512, 2048), true)).toEqual({ location: 'cpu', precision: 'float32' });
    expect(planFeatureCache(POOL2, 4000, config(512, 2048), true)).toBeNull();
  });

  it('honours a forced precision', () => {
    expect(planFeatureCache(POOL2, 10, config(512, 2048, 'float16'), true)).toEqual({ location: 'gpu', precision: 'float16' });
    expect(planFeatureCache(POOL2, 10, config(512, 2048, 'float16'), false)).toBeNull();
    expect(planFeatureCache(POOL2, 1200, config(512, 2048, 'float32'), true)).toEqual({ location: 'cpu', precision: 'float32' });
  });

  it('packs float16 only for an even number of values a sample', () => {
    expect(planFeatureCache([3, 3, 3], 2000, config(0.1, 2048), true)).toEqual({ location: 'cpu', precision: 'float32' });
  });
});
