import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadGoogLeNet, MODEL_DIR } from '../../../scripts/lib/node-model';
import { disposeNetwork } from './classifier';
import { activationValuesPerImage, estimateInputSizeCost, MEMORY_BUDGET_BYTES } from './input-cost';
import { InvalidInputSizeError } from './input-size';

describe('estimateInputSizeCost', () => {
  it('costs (size / 224)^2 the time of 224 px: 448 px is 4x, 112 px a quarter', () => {
    expect(estimateInputSizeCost(224, 16).relativeTime).toBe(1);
    expect(estimateInputSizeCost(448, 16).relativeTime).toBe(4);
    expect(estimateInputSizeCost(512, 16).relativeTime).toBeCloseTo(5.224, 3); // (512/224)^2 = 5.2245
  });

  it('counts activations per batch: linear in the batch, training 3x a forward pass', () => {
    const one = estimateInputSizeCost(224, 1);
    const sixteen = estimateInputSizeCost(224, 16);
    expect(sixteen.forwardBytes).toBe(16 * one.forwardBytes);
    expect(sixteen.trainingBytes).toBe(3 * sixteen.forwardBytes);
    // At 224 px: 6,841,756 values (summed by hand from the layer table within 0.1%; conv1's 802,816 the largest), x 4 bytes = 27.4 MB an image.
    expect(one.forwardBytes).toBe(activationValuesPerImage(224) * 4);
    expect(one.forwardBytes / 1e6).toBeCloseTo(27.4, 1);
  });

  it('suggests the largest power of two up to 16 that trains within 2 GiB: 16 at 224 px, 8 at 320, 4 at 448 and 512', () => {
    expect([224, 320, 448, 512].map((s) => estimateInputSizeCost(s, 16).suggestedBatchSize)).toEqual([16, 8, 4, 4]);
    for (const size of [64, 224, 320, 448, 512]) {
      const { suggestedBatchSize } = estimateInputSizeCost(size, 16);
      const at = (b: number) => estimateInputSizeCost(size, b).trainingBytes;
      expect(at(suggestedBatchSize)).toBeLessThanOrEqual(MEMORY_BUDGET_BYTES);
      if (suggestedBatchSize < 16) expect(at(2 * suggestedBatchSize)).toBeGreaterThan(MEMORY_BUDGET_BYTES);
    }
  });

  it('refuses sizes GoogLeNet cannot take, and a batch below 1', () => {
    expect(() => estimateInputSizeCost(100, 16)).toThrow(InvalidInputSizeError);
    expect(() => estimateInputSizeCost(224, 0)).toThrow(/batch size/);
  });
});

describe.skipIf(!existsSync(join(MODEL_DIR, 'model.json')))('activationValuesPerImage against the real network (CPU backend)', () => {
  it('equals the sum of every layer output of the converted GoogLeNet up to pool5, at 64 and 96 px', async () => {
    await tf.setBackend('cpu');
    const model = await loadGoogLeNet();
    try {
      const last = model.layers.findIndex((l) => l.name === 'pool5_7x7_s1');
      const layers = model.layers.slice(1, last + 1); // after the input, up to pool5 (not the ImageNet classifier)
      const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.getOutputAt(0) as tf.SymbolicTensor) });
      for (const size of [64, 96]) {
        const counted = tf.tidy(() => (probe.predict(tf.zeros([1, size, size, 3])) as tf.Tensor[]).reduce((n, t) => n + t.size, 0));
        expect([size, activationValuesPerImage(size)]).toEqual([size, counted]);
      }
    } finally {
      disposeNetwork(model);
    }
  }, 60_000);
});
