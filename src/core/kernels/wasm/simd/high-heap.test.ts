import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFoveaWasmKernels } from '../index';
import { winogradConv3x3 } from '../winograd';
import { simdKernels } from './simd';
import { relativeError, seeded } from '../test-values';

// In a file of its own: a fresh wasm heap, whose allocations can be pushed past 2 GB (the other tests leave holes).

describe("Fovea's wasm kernels high in the heap", () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFoveaWasmKernels();
    expect(simdKernels(tf.backend() as unknown as BackendWasm)).not.toBeNull();
  });

  it('work on tensors past 2 GB of the heap (a 448-px training step gets there): byte offsets stay unsigned', async () => {
    await tf.setBackend('wasm');
    // A fresh heap (this file runs alone) filled with 2 GB, then smaller blocks and kept probes until a probe lands past
    // 2^31 bytes: every hole below is then taken, so what the test allocates lies above.
    const offset = (t: tf.Tensor) => (tf.backend() as unknown as BackendWasm).typedArrayFromHeap(t as never).byteOffset;
    const filler: tf.Tensor[] = [tf.zeros([500_000_000])];
    for (let probe = tf.zeros([4]); offset(probe) < 2 ** 31; probe = tf.zeros([4])) {
      filler.push(probe, tf.zeros([4_000_000]));
      if (filler.length > 100) throw new Error('the heap did not reach past 2 GB');
    }
    try {
      const run = () => tf.tidy(() => {
        const x = tf.tensor4d(seeded([2, 6, 6, 8], 150), [2, 6, 6, 8]);
        const w3 = tf.tensor4d(seeded([3, 3, 8, 12], 151), [3, 3, 8, 12]);
        const w5 = tf.tensor4d(seeded([5, 5, 8, 4], 152), [5, 5, 8, 4]);
        const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(
          tf.maxPool(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')), 3, 1, 'same'),
          tf.sum(tf.conv2d(a as tf.Tensor4D, c as tf.Tensor4D, 1, 'same')))); // 3x3 (Winograd), 5x5 (im2col), MaxPoolGrad
        const grads = tf.grads(loss)([x, w3, w5]);
        return grads.map((g) => g.dataSync() as Float32Array);
      });
      const backend = () => tf.backend() as unknown as BackendWasm;
      const pad = { top: 1, bottom: 1, left: 1, right: 1 };
      const [x, w] = [tf.tensor4d(seeded([2, 6, 6, 8], 150), [2, 6, 6, 8]), tf.tensor4d(seeded([3, 3, 8, 12], 151), [3, 3, 8, 12])];
      expect(offset(x)).toBeGreaterThan(2 ** 31);
      const forward = Float32Array.from(tf.engine().makeTensorFromTensorInfo(winogradConv3x3(backend(), x, w, pad)).dataSync() as Float32Array);
      const ours = run();
      tf.dispose([x, w]);
      await tf.setBackend('cpu');
      const reference = run();
      const referenceForward = tf.tidy(() => tf.conv2d(tf.tensor4d(seeded([2, 6, 6, 8], 150), [2, 6, 6, 8]),
        tf.tensor4d(seeded([3, 3, 8, 12], 151), [3, 3, 8, 12]), 1, 'same').dataSync() as Float32Array);
      expect(relativeError(referenceForward, forward)).toBeLessThan(1e-5);
      ours.forEach((g, i) => expect(relativeError(reference[i], g), `gradient ${i}`).toBeLessThan(1e-4));
    } finally {
      await tf.setBackend('wasm');
      tf.dispose(filler);
    }
  }, 60_000);
});
