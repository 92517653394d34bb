import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { MIN_FRESH_WINOGRAD_TILES, MIN_FRESH_WINOGRAD_WORK, MIN_WINOGRAD_TILES } from './conv2d';
import { registerFoveaWasmKernels } from './index';
import { type Padding, winogradConv3x3, winogradFilterGradient3x3, type WinogradOptions } from './winograd';
import { relativeError, seeded } from './test-values';

type Shape4 = [number, number, number, number];

const explicit = (p: Padding): [number, number][] => [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]];

/** On the cpu backend: conv2d with explicit padding, then bias and ReLU if asked. */
async function cpuConv(x: Float32Array, xShape: Shape4, w: Float32Array, wShape: Shape4, p: Padding, bias?: Float32Array, relu = false) {
  await tf.setBackend('cpu');
  return tf.tidy(() => {
    let y: tf.Tensor = tf.conv2d(tf.tensor4d(x, xShape), tf.tensor4d(w, wShape), 1, explicit(p) as never);
    if (bias) y = tf.add(y, tf.tensor1d(bias));
    if (relu) y = tf.relu(y);
    return y.dataSync() as Float32Array;
  });
}

/** On the cpu backend: dL/dW for L = sum(conv2d(x, W) * dy). */
async function cpuFilterGradient(x: Float32Array, xShape: Shape4, wShape: Shape4, dy: Float32Array, p: Padding) {
  await tf.setBackend('cpu');
  return tf.tidy(() => {
    const dyt = tf.tensor(dy, tf.conv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros(wShape) as tf.Tensor4D, 1, explicit(p) as never).shape);
    const loss = (wt: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(tf.tensor4d(x, xShape), wt as tf.Tensor4D, 1, explicit(p) as never), dyt));
    return tf.grad(loss)(tf.zeros(wShape)).dataSync() as Float32Array;
  });
}

/** Runs a Winograd function on wasm tensors made from the arrays; returns its result's values. */
async function onWasm(arrays: [Float32Array, number[]][], run: (backend: BackendWasm, t: tf.Tensor[]) => tf.TensorInfo) {
  await tf.setBackend('wasm');
  const tensors = arrays.map(([values, shape]) => tf.tensor(values, shape));
  const before = tf.engine().backend.numDataIds();
  const out = tf.engine().makeTensorFromTensorInfo(run(tf.backend() as unknown as BackendWasm, tensors));
  // Only the result stays: every intermediate (padded input, transforms, products) is freed.
  expect(tf.engine().backend.numDataIds()).toBe(before + 1);
  const values = out.dataSync() as Float32Array;
  tf.dispose([out, ...tensors]);
  return values;
}

interface Case { name: string; x: Shape4; cout: number; pad: Padding; options?: WinogradOptions }

const SAME = { top: 1, bottom: 1, left: 1, right: 1 };
const CASES: Case[] = [
  { name: 'same, odd height and width', x: [2, 7, 9, 5], cout: 4, pad: SAME },
  { name: 'valid', x: [1, 6, 5, 3], cout: 2, pad: { top: 0, bottom: 0, left: 0, right: 0 } },
  { name: 'uneven padding', x: [2, 5, 6, 4], cout: 3, pad: { top: 2, bottom: 0, left: 0, right: 1 } },
  { name: 'a 1x1 image', x: [3, 1, 1, 6], cout: 5, pad: SAME },
  { name: 'one image a chunk', x: [3, 8, 8, 7], cout: 9, pad: SAME, options: { maxChunkFloats: 1 } },
];

describe("Fovea's Winograd F(2x2, 3x3) convolutions on wasm", () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
  });

  // float32 sums of up to 9 x Cin products, transformed: measured under 1e-6 of the largest entry; a wrong transform
  // matrix, tile offset, edge or chunk gives errors of the order of the entries.
  it("computes what tfjs's cpu backend does: forward, with bias and ReLU, and with the filter read turned", async () => {
    for (const [i, c] of CASES.entries()) {
      const wShape: Shape4 = [3, 3, c.x[3], c.cout];
      const [x, w, bias] = [seeded(c.x, 10 + i), seeded(wShape, 20 + i), seeded([c.cout], 30 + i)];
      const ours = await onWasm([[x, c.x], [w, wShape]], (b, [xt, wt]) => winogradConv3x3(b, xt, wt, c.pad, c.options));
      expect(relativeError(await cpuConv(x, c.x, w, wShape, c.pad), ours), c.name).toBeLessThan(1e-5);

      const fused = await onWasm([[x, c.x], [w, wShape], [bias, [c.cout]]],
        (b, [xt, wt, bt]) => winogradConv3x3(b, xt, wt, c.pad, { ...c.options, epilogue: { bias: bt, relu: true } }));
      const reference = await cpuConv(x, c.x, w, wShape, c.pad, bias, true);
      expect(relativeError(reference, fused), `${c.name} + bias, ReLU`).toBeLessThan(1e-5);
      expect(reference.some((v) => v === 0) && reference.some((v) => v > 0)).toBe(true); // ReLU did cut

      // Turned: the filter [3, 3, Cout, Cin] is read as its half turn with channels swapped (an input gradient).
      const turnedShape: Shape4 = [3, 3, c.cout, c.x[3]];
      const turned = await onWasm([[x, c.x], [w, turnedShape]], (b, [xt, wt]) => winogradConv3x3(b, xt, wt, c.pad, { ...c.options, reading: 'turned' }));
      await tf.setBackend('cpu');
      const made = tf.tidy(() => tf.transpose(tf.reverse(tf.tensor4d(w, turnedShape), [0, 1]), [0, 1, 3, 2]).dataSync() as Float32Array);
      expect(relativeError(await cpuConv(x, c.x, made, wShape, c.pad), turned), `${c.name} turned`).toBeLessThan(1e-5);
    }
  });

  it("computes filter gradients as tfjs's cpu backend does", async () => {
    for (const [i, c] of CASES.entries()) {
      const wShape: Shape4 = [3, 3, c.x[3], c.cout];
      const oh = c.x[1] + c.pad.top + c.pad.bottom - 2;
      const ow = c.x[2] + c.pad.left + c.pad.right - 2;
      const dyShape = [c.x[0], oh, ow, c.cout];
      const [x, dy] = [seeded(c.x, 40 + i), seeded(dyShape, 50 + i)];
      const ours = await onWasm([[x, c.x], [dy, dyShape]], (b, [xt, dyt]) => winogradFilterGradient3x3(b, xt, dyt, c.pad, c.options));
      expect(relativeError(await cpuFilterGradient(x, c.x, wShape, dy, c.pad), ours), c.name).toBeLessThan(1e-5);
    }
    // Cin > Cout turns E instead of V: both orientations of the products.
    const xShape: Shape4 = [2, 6, 6, 9];
    const [x, dy] = [seeded(xShape, 60), seeded([2, 6, 6, 2], 61)];
    const ours = await onWasm([[x, xShape], [dy, [2, 6, 6, 2]]], (b, [xt, dyt]) => winogradFilterGradient3x3(b, xt, dyt, SAME));
    expect(relativeError(await cpuFilterGradient(x, xShape, [3, 3, 9, 2], dy, SAME), ours)).toBeLessThan(1e-5);
  });

  it(`is what Conv2D, FusedConv2D and both gradients run on wasm from ${MIN_WINOGRAD_TILES} output blocks, and XNNPACK's direct kernels below`, async () => {
    // 8 images of 12x12: 288 blocks of 2x2 (Winograd); 1 image of 12x12: 36 (stock).
    for (const n of [8, 1]) {
      const xShape: Shape4 = [n, 12, 12, 6];
      const wShape: Shape4 = [3, 3, 6, 5];
      const [x, w, bias, dy] = [seeded(xShape, 70), seeded(wShape, 71), seeded([5], 72), seeded([n, 12, 12, 5], 73)];
      await tf.setBackend('wasm');
      const [xt, wt, bt, dyt] = [tf.tensor4d(x, xShape), tf.tensor4d(w, wShape), tf.tensor1d(bias), tf.tensor4d(dy, [n, 12, 12, 5])];
      const backend = tf.backend() as unknown as BackendWasm;
      const winograd = (info: tf.TensorInfo) => {
        const t = tf.engine().makeTensorFromTensorInfo(info);
        const values = t.dataSync() as Float32Array;
        t.dispose();
        return values;
      };
      const kernel = {
        conv: tf.conv2d(xt, wt, 1, 'same'),
        fused: tf.fused.conv2d({ x: xt, filter: wt, strides: 1, pad: 'same', bias: bt, activation: 'relu' }),
        ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), dyt)))([xt, wt])
          .reduce((o, g, k) => ({ ...o, [k === 0 ? 'dx' : 'dw']: g }), {} as Record<'dx' | 'dw', tf.Tensor>),
      };
      const direct = {
        conv: winograd(winogradConv3x3(backend, xt, wt, SAME)),
        fused: winograd(winogradConv3x3(backend, xt, wt, SAME, { epilogue: { bias: bt, relu: true } })),
        dx: winograd(winogradConv3x3(backend, dyt, wt, SAME, { reading: 'turned' })),
        dw: winograd(winogradFilterGradient3x3(backend, xt, dyt, SAME)),
      };
      for (const name of ['conv', 'fused', 'dx', 'dw'] as const) {
        const values = kernel[name].dataSync() as Float32Array;
        // The same sums in the same order when the kernel ran Winograd; another order (XNNPACK's) otherwise.
        expect(values.every((v, k) => v === direct[name][k]), `${name}, ${n} images`).toBe(n === 8);
        expect(relativeError(direct[name], values), `${name}, ${n} images`).toBeLessThan(1e-5);
      }
      tf.dispose([xt, wt, bt, dyt, ...Object.values(kernel)]);
    }
  });

  it(`takes a convolution to Winograd from ${MIN_FRESH_WINOGRAD_TILES} blocks with enough work, every time (the choice is the shapes')`, async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as BackendWasm;
    // 8 images of 6x6: 72 blocks, x 160 x 192 channels = 2.2M >= 2^21.
    const [xShape, wShape, dyShape]: Shape4[] = [[8, 6, 6, 160], [3, 3, 160, 192], [8, 6, 6, 192]];
    expect(72 * 160 * 192).toBeGreaterThanOrEqual(MIN_FRESH_WINOGRAD_WORK);
    const [xt, wt, dyt] = [tf.tensor4d(seeded(xShape, 80), xShape), tf.tensor4d(seeded(wShape, 81), wShape), tf.tensor4d(seeded(dyShape, 82), dyShape)];
    const values = (t: tf.Tensor | tf.TensorInfo) => {
      const tensor = t instanceof tf.Tensor ? t : tf.engine().makeTensorFromTensorInfo(t);
      const v = tensor.dataSync() as Float32Array;
      tensor.dispose();
      return v;
    };
    const winograd = values(winogradConv3x3(backend, xt, wt, SAME));
    const first = values(tf.conv2d(xt, wt, 1, 'same'));
    const again = values(tf.conv2d(xt, wt, 1, 'same'));
    expect(first.every((v, k) => v === winograd[k]), 'Winograd').toBe(true);
    expect(again.every((v, k) => v === winograd[k]), 'the same filter again: the same numbers').toBe(true);
    // Below the work threshold (one image: 9 blocks x 160 x 192), the stock kernel: other numbers, close.
    const small = tf.slice(xt, [0], [1]);
    const stockValues = values(tf.conv2d(small, wt, 1, 'same'));
    const smallWinograd = values(winogradConv3x3(backend, small, wt, SAME));
    expect(stockValues.every((v, k) => v === smallWinograd[k]), 'stock below the thresholds').toBe(false);
    expect(relativeError(smallWinograd, stockValues)).toBeLessThan(1e-5);
    small.dispose();
    // Both gradients too.
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), dyt)))([xt, wt]);
    const dxWinograd = values(winogradConv3x3(backend, dyt, wt, SAME, { reading: 'turned' }));
    const dwWinograd = values(winogradFilterGradient3x3(backend, xt, dyt, SAME));
    expect(values(dx).every((v, k) => v === dxWinograd[k]), 'dx').toBe(true);
    expect(values(dw).every((v, k) => v === dwWinograd[k]), 'dW').toBe(true);
    tf.dispose([xt, wt, dyt]);
  });
});
