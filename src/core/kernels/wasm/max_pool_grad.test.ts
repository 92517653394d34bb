import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFoveaWasmKernels } from './index';

interface PoolCase {
  what: string;
  xShape: [number, number, number, number];
  size: number;
  stride: number;
  pad: 'same' | 'valid';
  negative?: boolean;
}

/** tf.grads of sum(maxPool(x) * dy) on `backend`: MaxPoolGrad(dy, x, maxPool(x)). */
async function poolGradient(backend: string, c: PoolCase, x: Float32Array, dy: Float32Array): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.xShape);
    const pooled = tf.maxPool(xt, c.size, c.stride, c.pad);
    const dyt = tf.tensor(dy, pooled.shape);
    const [dx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, c.size, c.stride, c.pad), dyt)))([xt]);
    return dx.dataSync() as Float32Array;
  });
}

const dyShapeOf = (c: PoolCase) => tf.tidy(() => tf.maxPool(tf.zeros(c.xShape) as tf.Tensor4D, c.size, c.stride, c.pad).shape);

/**
 * Inputs as GoogLeNet's pools see them: ReLU outputs, so about half are exactly 0 and windows of zeros tie (the
 * gradient goes to the first, row-major), with a few repeated positive values (ties above zero) and -Infinity.
 */
function reluLike(size: number, seed: number): Float32Array {
  const v = tf.tidy(() => tf.relu(tf.randomNormal([size], 0, 1, 'float32', seed)).dataSync() as Float32Array);
  for (let k = 7; k < size; k += 97) v[k] = v[k - 7] = 1.5; // equal values, some inside one window
  for (let k = 11; k < size; k += 389) v[k] = -Infinity;
  return v;
}

describe("Fovea's wasm MaxPoolGrad", () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
  });

  it('replaces the stock kernel on wasm only', async () => {
    const { maxPoolGrad } = await import('./max_pool_grad');
    expect(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc).toBe(maxPoolGrad);
    expect(tf.getKernel('MaxPoolGrad', 'cpu')?.kernelFunc).not.toBe(maxPoolGrad);
  });

  it("sends each window's gradient where tfjs's cpu backend does: GoogLeNet's 3x3/1 and 3x3/2 pools, ties, edges, -Infinity", async () => {
    const cases: PoolCase[] = [
      { what: 'inception pool 3x3/1 same', xShape: [2, 7, 7, 24], size: 3, stride: 1, pad: 'same' },
      { what: 'pool3/pool4 3x3/2 same, even', xShape: [2, 8, 8, 16], size: 3, stride: 2, pad: 'same' },
      { what: '3x3/2 same, odd', xShape: [1, 9, 7, 5], size: 3, stride: 2, pad: 'same' },
      { what: '3x3/2 valid', xShape: [2, 9, 9, 3], size: 3, stride: 2, pad: 'valid' },
      { what: '3x3/1 same on 1x1', xShape: [3, 1, 1, 4], size: 3, stride: 1, pad: 'same' },
      { what: 'overlap-free 2x2/2', xShape: [1, 6, 6, 8], size: 2, stride: 2, pad: 'valid' },
      { what: 'negative values at the borders, 3x3/1 same', xShape: [2, 5, 5, 6], size: 3, stride: 1, pad: 'same', negative: true },
      { what: 'negative values, 3x3/2 same', xShape: [1, 8, 8, 4], size: 3, stride: 2, pad: 'same', negative: true },
    ];
    for (const [i, c] of cases.entries()) {
      const size = c.xShape.reduce((a, b) => a * b);
      // Padding must never win: all-negative windows at the border send their gradient to their largest value.
      const x = c.negative ? tf.tidy(() => tf.sub(tf.randomNormal([size], 0, 1, 'float32', 30 + i), 3).dataSync() as Float32Array) : reluLike(size, 10 + i);
      const dy = tf.tidy(() => tf.randomNormal(dyShapeOf(c), 0, 1, 'float32', 50 + i).dataSync() as Float32Array);
      await tf.setBackend('wasm');
      const before = tf.engine().backend.numDataIds();
      const ours = await poolGradient('wasm', c, x, dy);
      expect(tf.engine().backend.numDataIds(), c.what).toBe(before);
      const reference = await poolGradient('cpu', c, x, dy);
      // The same inputs receive gradient (a tie sent elsewhere moves a whole dy value)...
      expect(Array.from(ours, (v) => v !== 0), c.what).toEqual(Array.from(reference, (v) => v !== 0));
      // ...and the same sums of at most 9 dy values (the cpu backend adds them in float64, ours in float32).
      ours.forEach((v, k) => expect(Math.abs(v - reference[k]), `${c.what} at ${k}`).toBeLessThan(1e-6 * (1 + Math.abs(reference[k]))));
      expect(reference.some((v) => v !== 0), c.what).toBe(true);
    }
  });

  it('passes no gradient from a window that holds only -Infinity', async () => {
    await tf.setBackend('wasm');
    const dx = tf.tidy(() => {
      const x = tf.tensor4d([-Infinity, -Infinity, -Infinity, -Infinity], [1, 2, 2, 1]);
      return tf.grads((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))([x])[0].dataSync();
    });
    expect(Array.from(dx)).toEqual([0, 0, 0, 0]);
  });
});
