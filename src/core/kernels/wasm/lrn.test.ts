import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFoveaWasmKernels } from './index';

async function normalised(backend: string, x: Float32Array, shape: number[], r: number, bias: number, alpha: number, beta: number) {
  await tf.setBackend(backend);
  return tf.tidy(() => tf.localResponseNormalization(tf.tensor4d(x, shape as [number, number, number, number]), r, bias, alpha, beta).dataSync() as Float32Array);
}

describe("Fovea's wasm LRN", () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
  });

  it("matches tfjs's cpu backend: GoogLeNet's norm1/norm2 (size 5, alpha 1e-4 / 5, beta 0.75, k 1), other betas, windows wider than the channels", async () => {
    const cases = [
      { shape: [2, 5, 5, 64], r: 2, bias: 1, alpha: 1e-4 / 5, beta: 0.75, scale: 100 }, // conv outputs reach the hundreds
      { shape: [1, 3, 3, 17], r: 3, bias: 2, alpha: 0.1, beta: 0.5, scale: 3 },
      { shape: [1, 2, 2, 3], r: 5, bias: 0.5, alpha: 1, beta: 0.75, scale: 1 },
      { shape: [2, 1, 1, 8], r: 0, bias: 1, alpha: 0.3, beta: 1.3, scale: 2 },
    ];
    for (const [i, c] of cases.entries()) {
      const x = tf.tidy(() => tf.mul(tf.randomNormal(c.shape, 0, 1, 'float32', 7 + i), c.scale).dataSync() as Float32Array);
      const ours = await normalised('wasm', x, c.shape, c.r, c.bias, c.alpha, c.beta);
      const reference = await normalised('cpu', x, c.shape, c.r, c.bias, c.alpha, c.beta);
      // Both in float64, rounded to float32 once: at most an ulp or so apart.
      ours.forEach((v, k) => expect(Math.abs(v - reference[k]), `${JSON.stringify(c)} at ${k}`).toBeLessThanOrEqual(2e-7 * Math.abs(reference[k]) + 1e-30));
    }
  });
});
