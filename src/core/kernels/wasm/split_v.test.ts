import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFoveaWasmKernels } from './index';

/** tf.split's parts as plain arrays with their shapes, on `backend`. */
async function parts(backend: string, values: number[], shape: number[], dtype: 'float32' | 'int32' | 'bool', splits: number | number[], axis: number) {
  await tf.setBackend(backend);
  return tf.tidy(() => tf.split(tf.tensor(values, shape, dtype), splits, axis).map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) })));
}

describe("Fovea's wasm SplitV", () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
  });

  it("gives tfjs's cpu backend's parts: an inception concat's gradient, every axis, uneven and empty parts, int32 and bool", async () => {
    const cases: { shape: number[]; splits: number | number[]; axis: number; dtype: 'float32' | 'int32' | 'bool' }[] = [
      { shape: [2, 3, 3, 20], splits: [4, 8, 2, 6], axis: 3, dtype: 'float32' }, // an inception module's four branches
      { shape: [2, 3, 3, 20], splits: [4, 8, 2, 6], axis: -1, dtype: 'float32' },
      { shape: [4, 3, 5], splits: 2, axis: 0, dtype: 'float32' },
      { shape: [4, 3, 5], splits: [1, 2], axis: 1, dtype: 'int32' },
      { shape: [4, 3, 5], splits: [0, 5, 0], axis: 2, dtype: 'float32' },
      { shape: [6, 7], splits: [3, -1], axis: 1, dtype: 'bool' },
      { shape: [5], splits: 1, axis: 0, dtype: 'float32' },
    ];
    for (const c of cases) {
      const size = c.shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: size }, (_, k) => (c.dtype === 'bool' ? (k * 7) % 3 === 0 ? 1 : 0 : k * 1.5 - 7));
      await tf.setBackend('wasm');
      const before = tf.engine().backend.numDataIds();
      const ours = await parts('wasm', values, c.shape, c.dtype, c.splits, c.axis);
      expect(tf.engine().backend.numDataIds()).toBe(before);
      const reference = await parts('cpu', values, c.shape, c.dtype, c.splits, c.axis);
      expect(ours, JSON.stringify(c)).toEqual(reference);
    }
  });

  it('trains through a concatenation: the gradient of concat along channels reaches each part', async () => {
    await tf.setBackend('wasm');
    const [ga, gb] = tf.tidy(() => {
      const a = tf.ones([1, 2, 2, 3]);
      const b = tf.ones([1, 2, 2, 2]);
      const weights = tf.range(0, 20).reshape([1, 2, 2, 5]);
      return tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.concat([x, y], 3), weights)))([a, b]).map((g) => Array.from(g.dataSync()));
    });
    expect(ga).toEqual([0, 1, 2, 5, 6, 7, 10, 11, 12, 15, 16, 17]);
    expect(gb).toEqual([3, 4, 8, 9, 13, 14, 18, 19]);
  });
});
