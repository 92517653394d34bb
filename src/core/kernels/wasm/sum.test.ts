import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFoveaWasmKernels } from './index';

async function summed(backend: string, values: Float32Array, shape: number[], axis: number | number[], keepDims: boolean, dtype: 'float32' | 'int32' = 'float32') {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const s = tf.sum(tf.tensor(values, shape, dtype), axis, keepDims);
    return { shape: s.shape, values: Array.from(s.dataSync()) };
  });
}

describe("Fovea's wasm Sum (leading axes)", () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
  });

  it("gives tfjs's cpu backend's sums: a bias gradient (N, H, W), keepDims, negative axes, and the reductions it leaves to the stock kernel", async () => {
    const cases: { shape: number[]; axis: number | number[]; keepDims: boolean; dtype?: 'int32' }[] = [
      { shape: [4, 7, 7, 96], axis: [0, 1, 2], keepDims: false }, // a convolution's bias gradient
      { shape: [4, 7, 7, 96], axis: [2, 0, 1], keepDims: true },
      { shape: [6, 10], axis: 0, keepDims: false }, // a dense layer's
      { shape: [6, 10], axis: -2, keepDims: false },
      { shape: [3, 4, 5], axis: [0, 1], keepDims: false },
      { shape: [3, 4, 5], axis: [1, 2], keepDims: false }, // trailing: stock
      { shape: [3, 4, 5], axis: [0, 2], keepDims: true }, // not leading: stock
      { shape: [3, 4, 5], axis: [0, 1, 2], keepDims: false }, // everything: stock
      { shape: [5, 3], axis: 0, keepDims: false, dtype: 'int32' }, // int32: stock
    ];
    for (const [i, c] of cases.entries()) {
      const size = c.shape.reduce((a, b) => a * b, 1);
      const values = c.dtype === 'int32'
        ? Float32Array.from({ length: size }, (_, k) => (k * 7) % 11 - 5)
        : tf.tidy(() => tf.mul(tf.randomNormal([size], 0, 1, 'float32', 20 + i), 10).dataSync() as Float32Array);
      const ours = await summed('wasm', values, c.shape, c.axis, c.keepDims, c.dtype);
      const reference = await summed('cpu', values, c.shape, c.axis, c.keepDims, c.dtype);
      expect(ours.shape, JSON.stringify(c)).toEqual(reference.shape);
      const scale = Math.max(1, ...reference.values.map(Math.abs));
      ours.values.forEach((v, k) => expect(Math.abs(v - reference.values[k]), JSON.stringify(c)).toBeLessThanOrEqual(1e-5 * scale));
    }
  });
});
