import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFoveaWasmKernels } from './index';
import { mergeTransposeAxes, WasmOps } from './ops';

describe('WasmOps.transpose on merged axes', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
  });

  it('describes a permutation on the fewest axes', () => {
    // A 1x1 convolution's phase transpose, [N, H, 1, W, 1, C] -> [1, 1, C, N, H, W], is a 2-D one.
    expect(mergeTransposeAxes([8, 28, 1, 28, 1, 256], [2, 4, 5, 0, 1, 3])).toEqual({ shape: [6272, 256], perm: [1, 0] });
    // Stride 2: [N, Hq, 2, Wq, 2, C] -> [2, 2, C, N, Hq, Wq]; (N, Hq) and (2, C) stay together.
    expect(mergeTransposeAxes([8, 15, 2, 15, 2, 64], [2, 4, 5, 0, 1, 3])).toEqual({ shape: [120, 2, 15, 128], perm: [1, 3, 0, 2] });
    expect(mergeTransposeAxes([9, 1, 256], [0, 2, 1])).toEqual({ shape: [2304], perm: [0] });
    expect(mergeTransposeAxes([2, 3, 4], [2, 0, 1])).toEqual({ shape: [6, 4], perm: [1, 0] });
    expect(mergeTransposeAxes([2, 3, 4], [1, 0, 2])).toEqual({ shape: [2, 3, 4], perm: [1, 0, 2] });
    expect(mergeTransposeAxes([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });

  it('moves data exactly as tf.transpose on the cpu backend, for random shapes with size-1 axes and random permutations', async () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 40; trial++) {
      const rank = 1 + Math.floor(random() * 6);
      const shape = Array.from({ length: rank }, () => [1, 1, 2, 3, 4][Math.floor(random() * 5)]);
      const perm = Array.from({ length: rank }, (_, i) => i).sort(() => random() - 0.5);
      const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => k);
      await tf.setBackend('cpu');
      const expected = tf.tidy(() => Array.from(tf.transpose(tf.tensor(values, shape), perm).dataSync()));
      await tf.setBackend('wasm');
      const x = tf.tensor(values, shape);
      const before = tf.engine().backend.numDataIds();
      const ops = new WasmOps(tf.backend() as BackendWasm);
      const out = ops.output(ops.transpose(x, perm), perm.map((a) => shape[a]));
      ops.disposeIntermediates();
      const moved = tf.engine().makeTensorFromTensorInfo(out);
      expect(Array.from(moved.dataSync()), `${shape} by ${perm}`).toEqual(expected);
      expect(moved.shape).toEqual(perm.map((a) => shape[a]));
      tf.dispose([x, moved]);
      expect(tf.engine().backend.numDataIds()).toBe(before - 1);
    }
  });
});

describe("Fovea's wasm Identity", () => {
  it('shares its input, so the tensors tfjs saves for the backward pass cost no copy, and the data lives until its last tensor goes', async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
    const backend = tf.backend() as BackendWasm;
    const x = tf.tensor1d([1, 2, 3]);
    const ids = backend.numDataIds();
    const y = tf.clone(x);
    expect(backend.numDataIds()).toBe(ids); // the stock kernel made a second buffer
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    y.dispose();
    expect(backend.numDataIds()).toBe(ids - 1);
  });
});
