import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerFoveaWasmKernels } from '../index';
import { type Padding, winogradConv3x3, winogradFilterGradient3x3 } from '../winograd';
import { setSimdKernelsEnabled, simdKernels } from './simd';
import { relativeError, seeded } from '../test-values';

type Shape4 = [number, number, number, number];

/** `run` on wasm, with the SIMD kernels on or off; its result's values. */
async function withSimd(on: boolean, run: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend('wasm');
  setSimdKernelsEnabled(on);
  try {
    return tf.tidy(() => run().dataSync() as Float32Array);
  } finally {
    setSimdKernelsEnabled(true);
  }
}

describe("Fovea's WebAssembly SIMD kernels (kernels.wat)", () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
  });
  afterEach(() => setSimdKernelsEnabled(true));

  it('are kernels.wat as committed in kernels-wasm.ts (npm run build:wasm-kernels), and run on the wasm backend here', async () => {
    // @ts-expect-error: a plain ES module script without types
    const { wasmKernelsModule } = await import('../../../../../scripts/build-wasm-kernels.mjs');
    expect(readFileSync(join(__dirname, 'kernels-wasm.ts'), 'utf8')).toBe(await wasmKernelsModule());
    expect(simdKernels(tf.backend() as unknown as BackendWasm)).not.toBeNull();
    setSimdKernelsEnabled(false);
    expect(simdKernels(tf.backend() as unknown as BackendWasm)).toBeNull();
  });

  it('MaxPoolGrad: exactly what the JavaScript scatter gives, ties, edges and -Infinity windows included', async () => {
    const cases: { shape: Shape4; size: number; stride: number; pad: 'same' | 'valid' }[] = [
      { shape: [2, 7, 7, 8], size: 3, stride: 1, pad: 'same' },
      { shape: [2, 9, 7, 12], size: 3, stride: 2, pad: 'same' },
      { shape: [1, 9, 9, 4], size: 3, stride: 2, pad: 'valid' },
      { shape: [3, 1, 1, 16], size: 3, stride: 1, pad: 'same' },
    ];
    for (const [i, c] of cases.entries()) {
      const size = c.shape.reduce((a, b) => a * b);
      // ReLU-like: many exact zeros (ties), some repeated values, a corner of -Infinity in image 0.
      const x = tf.tidy(() => tf.relu(tf.randomNormal([size], 0, 1, 'float32', 90 + i)).dataSync() as Float32Array);
      for (let k = 5; k < size; k += 41) x[k] = x[k - 5] = 2.5;
      const c4 = c.shape[3];
      for (const at of [0, c4, c.shape[2] * c4, (c.shape[2] + 1) * c4]) for (let ch = 0; ch < 4 && at + ch < size; ch++) x[at + ch] = -Infinity;
      const dyShape = tf.tidy(() => tf.maxPool(tf.zeros(c.shape) as tf.Tensor4D, c.size, c.stride, c.pad).shape);
      const dy = seeded(dyShape, 95 + i);
      const grad = () => tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, c.size, c.stride, c.pad), tf.tensor(dy, dyShape))))(
        [tf.tensor4d(x, c.shape)])[0];
      const [simd, js] = [await withSimd(true, grad), await withSimd(false, grad)];
      expect(Array.from(simd), JSON.stringify(c)).toEqual(Array.from(js));
      expect(js.some((v) => v !== 0)).toBe(true);
    }
  });

  it("Winograd's input, output and dy transforms: tfjs's cpu backend's convolution and the JavaScript transforms' result", async () => {
    const backend = () => tf.backend() as unknown as BackendWasm;
    const pads: Padding[] = [{ top: 1, bottom: 1, left: 1, right: 1 }, { top: 0, bottom: 1, left: 2, right: 0 }];
    for (const [i, pad] of pads.entries()) {
      const xShape: Shape4 = [2, 7, 9, 8];
      const wShape: Shape4 = [3, 3, 8, 12];
      const [x, w, bias] = [seeded(xShape, 100 + i), seeded(wShape, 110 + i), seeded([12], 120 + i)];
      const oh = xShape[1] + pad.top + pad.bottom - 2;
      const ow = xShape[2] + pad.left + pad.right - 2;
      const forward = () => tf.engine().makeTensorFromTensorInfo(winogradConv3x3(backend(), tf.tensor4d(x, xShape), tf.tensor4d(w, wShape), pad,
        { epilogue: { bias: tf.tensor1d(bias), relu: true } }));
      const [simd, js] = [await withSimd(true, forward), await withSimd(false, forward)];
      await tf.setBackend('cpu');
      const reference = tf.tidy(() => tf.relu(tf.add(tf.conv2d(tf.tensor4d(x, xShape), tf.tensor4d(w, wShape), 1,
        [[0, 0], [pad.top, pad.bottom], [pad.left, pad.right], [0, 0]]), tf.tensor1d(bias))).dataSync() as Float32Array);
      expect(relativeError(reference, simd), 'forward vs cpu').toBeLessThan(1e-5);
      expect(relativeError(js, simd), 'forward vs JavaScript').toBeLessThan(1e-6);
      // Filter gradients in both orientations: Cin < Cout turns V (its transform stays JavaScript) and E runs in
      // SIMD; Cin > Cout turns E and V's transform runs in SIMD.
      for (const [cin, cout] of [[8, 12], [12, 8]]) {
        const [xs, dys]: Shape4[] = [[2, 7, 9, cin], [2, oh, ow, cout]];
        const [xv, dyv] = [seeded(xs, 130 + cin), seeded(dys, 140 + cout)];
        const gradient = () => tf.engine().makeTensorFromTensorInfo(winogradFilterGradient3x3(backend(), tf.tensor4d(xv, xs), tf.tensor4d(dyv, dys), pad));
        const [gs, gj] = [await withSimd(true, gradient), await withSimd(false, gradient)];
        expect(relativeError(gj, gs), `filter gradient ${cin} -> ${cout}`).toBeLessThan(1e-6);
      }
    }
  });

});
