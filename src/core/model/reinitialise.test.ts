import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { reinitialiseWeights } from './reinitialise';

function tinyNet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const conv = tf.layers.conv2d({ filters: 16, kernelSize: 3, kernelInitializer: 'ones', biasInitializer: 'ones', name: 'c' }).apply(input);
  const flat = tf.layers.flatten().apply(conv);
  const out = tf.layers.dense({ units: 2, kernelInitializer: 'ones', biasInitializer: 'ones', name: 'd' }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describe('reinitialiseWeights (training from scratch)', () => {
  it('redraws every kernel He-normal (variance 2 / fan-in) and zeroes every bias, in place, without leaking tensors', async () => {
    await tf.setBackend('cpu');
    const model = tinyNet();
    const before = tf.memory().numTensors;
    expect(reinitialiseWeights(model, 7)).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
    const [kernel, bias] = model.getLayer('c').getWeights();
    expect(Array.from(bias.dataSync())).toEqual(new Array(16).fill(0));
    const k = Array.from(kernel.dataSync());
    const variance = k.reduce((s, v) => s + v * v, 0) / k.length;
    // fan-in of a 3x3x3 kernel is 27: He-normal's (truncated) variance is about 2/27 = 0.074.
    expect(variance).toBeGreaterThan(0.03);
    expect(variance).toBeLessThan(0.12);
    expect(Array.from(model.getLayer('d').getWeights()[1].dataSync())).toEqual([0, 0]);
  });

  it('is repeatable from its seed and differs between seeds', () => {
    const a = tinyNet();
    const b = tinyNet();
    const c = tinyNet();
    reinitialiseWeights(a, 1);
    reinitialiseWeights(b, 1);
    reinitialiseWeights(c, 2);
    const first = (m: tf.LayersModel) => Array.from(m.getLayer('c').getWeights()[0].dataSync().slice(0, 10));
    expect(first(a)).toEqual(first(b));
    expect(first(a)).not.toEqual(first(c));
  });
});
