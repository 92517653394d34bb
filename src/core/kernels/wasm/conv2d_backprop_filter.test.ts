import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DIR } from '../../../../scripts/lib/node-model';
import { buildFromCaffe } from '../../model/googlenet';
import { caffeLayers, parsePrototxt } from '../../model/prototxt';
import { foveaWasmKernelsRegistered, registerFoveaWasmKernels, UnsupportedWasmConvolutionError } from './index';
import { relativeError, seeded } from './test-values';

interface ConvCase {
  layers: string[];
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid';
}

/**
 * Every distinct convolution of GoogLeNet (BVLC deploy.prototxt) with the input it sees at 32 px, batch 2:
 * conv1's 7x7/2 on its zero-padded 38x38 input, conv2 at 8x8, inception 3 at 4x4, 4 at 2x2, 5 at 1x1 (where
 * a 3x3 or 5x5 'same' window is larger than the image). Small, because tfjs's cpu backend, the reference,
 * computes filter gradients at a few million products a second (conv2/3x3 at 16x16 took 18 s).
 */
async function googLeNetConvolutions(): Promise<ConvCase[]> {
  const layers = caffeLayers(parsePrototxt(readFileSync(join(SHARED_DIR, 'models', 'bvlc_googlenet', 'deploy.prototxt'), 'utf8')));
  const model = buildFromCaffe(layers);
  const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
  // Several convolutions read the same tensor (an inception module's 1x1 branches): each is asked for once.
  const distinct = [...new Set(convs.map((l) => l.input as tf.SymbolicTensor))];
  const probe = tf.model({ inputs: model.inputs, outputs: distinct });
  const outputs = tf.tidy(() => probe.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor[]);
  const inputs = convs.map((l) => outputs[distinct.indexOf(l.input as tf.SymbolicTensor)]);
  const cases = new Map<string, ConvCase>();
  convs.forEach((layer, i) => {
    const c = layer.getConfig() as { kernelSize: number[]; strides: number[]; padding: 'same' | 'valid'; filters: number };
    const xShape = inputs[i].shape as ConvCase['xShape'];
    const filterShape: ConvCase['filterShape'] = [c.kernelSize[0], c.kernelSize[1], inputs[i].shape[3] as number, c.filters];
    const key = JSON.stringify([xShape, filterShape, c.strides[0], c.padding]);
    const known = cases.get(key);
    if (known) known.layers.push(layer.name);
    else cases.set(key, { layers: [layer.name], xShape, filterShape, strides: c.strides[0], pad: c.padding });
  });
  tf.dispose(outputs);
  model.dispose();
  return [...cases.values()];
}

/**
 * dL/dx and dL/dW for L = sum(conv2d(x, W) * dy), i.e. conv2DBackpropInput(dy, W) and conv2DBackpropFilter(x, dy),
 * by tf.grads on the given backend.
 */
async function gradients(backend: string, c: ConvCase, x: Float32Array, w: Float32Array, dy: Float32Array, dyShape: number[]) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const dyt = tf.tensor(dy, dyShape);
    const loss = (xt: tf.Tensor, wt: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.strides, c.pad), dyt));
    const [dx, dw] = tf.grads(loss)([tf.tensor4d(x, c.xShape), tf.tensor4d(w, c.filterShape)]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

const dyShapeOf = (c: ConvCase) =>
  tf.tidy(() => tf.conv2d(tf.zeros(c.xShape) as tf.Tensor4D, tf.zeros(c.filterShape) as tf.Tensor4D, c.strides, c.pad).shape);

describe("Fovea's wasm convolution gradients (Conv2DBackpropFilter, Conv2DBackpropInput)", () => {
  let cases: ConvCase[];
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
    cases = await googLeNetConvolutions();
  });

  it('is registered once, for wasm only, and registering again changes nothing', () => {
    const names = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'];
    const ours = names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    ours.forEach((f) => expect(f).toBeDefined());
    expect(foveaWasmKernelsRegistered()).toBe(true);
    registerFoveaWasmKernels();
    expect(names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc)).toEqual(ours);
    names.forEach((name, i) => expect(tf.getKernel(name, 'cpu')?.kernelFunc).not.toBe(ours[i]));
  });

  it('covers all of GoogLeNet: 1x1, 3x3 and 5x5 same, and conv1 7x7/2', () => {
    // 57 convolutions: conv1, conv2/3x3_reduce, conv2/3x3 and 6 in each of the 9 inception modules.
    expect(cases.flatMap((c) => c.layers)).toHaveLength(57);
    const kinds = new Set(cases.map((c) => `${c.filterShape[0]}/${c.strides} ${c.pad}`));
    expect([...kinds].sort()).toEqual(['1/1 same', '3/1 same', '5/1 same', '7/2 valid']);
  });

  it("matches tfjs's cpu backend for every convolution shape of GoogLeNet at 32 px, batch 2 (dW and dx)", async () => {
    let worst = 0;
    for (const [i, c] of cases.entries()) {
      await tf.setBackend('wasm');
      const dyShape = dyShapeOf(c);
      const [x, w, dy] = [seeded(c.xShape, 3 * i + 1), seeded(c.filterShape, 3 * i + 2), seeded(dyShape, 3 * i + 3)];
      const before = tf.engine().backend.numDataIds();
      const ours = await gradients('wasm', c, x, w, dy, dyShape);
      // Every intermediate of the kernels is freed (the backend's own count, which tensors do not see).
      expect(tf.engine().backend.numDataIds(), c.layers[0]).toBe(before);
      const reference = await gradients('cpu', c, x, w, dy, dyShape);
      // float32 sums of up to 2x16x16 = 512 (dW) or 5x5x832 (dx) products in another order: measured at most
      // 1.5e-6 of the largest entry; a wrong offset, phase or padding, or a filter not turned (dx of conv2/3x3: 1.36),
      // gives errors of the order of the entries.
      const errors = { dW: relativeError(reference.dw, ours.dw), dx: relativeError(reference.dx, ours.dx) };
      expect(errors.dW, `dW ${c.layers.join(', ')} x ${c.xShape} W ${c.filterShape}`).toBeLessThan(1e-5);
      expect(errors.dx, `dx ${c.layers.join(', ')} x ${c.xShape} W ${c.filterShape}`).toBeLessThan(1e-5);
      worst = Math.max(worst, errors.dW, errors.dx);
    }
    expect(worst).toBeGreaterThan(0); // the two backends really computed separately
  }, 120_000);

  it('handles odd shapes: 3x3/2 same on odd sizes, a strided 1x1, a 5x5 window on a 1x1 image, a stack too large for one chunk; refuses NCHW by name', async () => {
    const odd: ConvCase[] = [
      { layers: ['3x3/2 same'], xShape: [2, 9, 9, 13], filterShape: [3, 3, 13, 7], strides: 2, pad: 'same' },
      { layers: ['1x1/2 valid'], xShape: [1, 8, 8, 5], filterShape: [1, 1, 5, 6], strides: 2, pad: 'valid' },
      { layers: ['5x5 same 1x1'], xShape: [3, 1, 1, 4], filterShape: [5, 5, 4, 3], strides: 1, pad: 'same' },
      // 9 offsets x 512 channels x (62*62 - 126) shifted rows = 17.1M floats > 16M: the stack is built in two chunks.
      { layers: ['3x3 same in chunks'], xShape: [1, 60, 60, 512], filterShape: [3, 3, 512, 1], strides: 1, pad: 'same' },
    ];
    for (const [i, c] of odd.entries()) {
      await tf.setBackend('wasm');
      const dyShape = dyShapeOf(c);
      const [x, w, dy] = [seeded(c.xShape, 100 + i), seeded(c.filterShape, 200 + i), seeded(dyShape, 300 + i)];
      const ours = await gradients('wasm', c, x, w, dy, dyShape);
      const reference = await gradients('cpu', c, x, w, dy, dyShape);
      expect(relativeError(reference.dw, ours.dw), c.layers[0]).toBeLessThan(1e-5);
      expect(relativeError(reference.dx, ours.dx), c.layers[0]).toBeLessThan(1e-5);
    }
    await tf.setBackend('wasm');
    const x = tf.ones([1, 6, 6, 2]);
    const dy = tf.ones([1, 4, 4, 3]);
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] }))
      .toThrow(UnsupportedWasmConvolutionError);
    tf.dispose([x, dy]);
  });
});
