import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GlobalGeMPooling2D } from './pooling';

describe('GlobalGeMPooling2D', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  /** One image, 2x2 pixels, 2 channels: channel 0 = [1, 2, 3, 4], channel 1 = [-1, 0, 2, 2]. */
  const x = () => tf.tensor4d([1, -1, 2, 0, 3, 2, 4, 2], [1, 2, 2, 2]);

  it('is the cube root of the mean cube per channel, negatives floored to ~0 (hand computation)', () => {
    const y = new GlobalGeMPooling2D().apply(x()) as tf.Tensor;
    expect(y.shape).toEqual([1, 2]);
    const [a, b] = Array.from(y.dataSync());
    // channel 0: (1 + 8 + 27 + 64) / 4 = 25, 25^(1/3) = 2.9240177; the average would be 2.5, the max 4
    expect(a).toBeCloseTo(Math.cbrt(25), 5);
    // channel 1: (eps^3 + eps^3 + 8 + 8) / 4 = 4, 4^(1/3) = 1.5874011
    expect(b).toBeCloseTo(Math.cbrt(4), 5);
  });

  it('with power 1 is the average of the floored map', () => {
    const y = new GlobalGeMPooling2D({ power: 1 }).apply(x()) as tf.Tensor;
    expect(Array.from(y.dataSync()).map((v) => Number(v.toFixed(5)))).toEqual([2.5, 1]);
  });

  it('has a finite gradient where a channel is zero everywhere (the floor)', () => {
    const zeros = tf.zeros([1, 3, 3, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(new GlobalGeMPooling2D().apply(t) as tf.Tensor))(zeros);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('round-trips through a saved topology once registered, keeping its power', async () => {
    const input = tf.input({ shape: [null, null, 4] });
    const output = new GlobalGeMPooling2D({ power: 3, name: 'fovea_gem' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    expect(model.outputs[0].shape).toEqual([null, 4]);
    const saved = model.toJSON(null, false) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    expect(saved.config.layers[1]).toMatchObject({ class_name: 'GlobalGeMPooling2D', config: { power: 3, epsilon: 1e-6 } });
    const loaded = await tf.models.modelFromJSON(saved as never);
    expect((loaded.getLayer('fovea_gem') as GlobalGeMPooling2D).power).toBe(3);
  });

  it('refuses a power below 1, naming it', () => {
    expect(() => new GlobalGeMPooling2D({ power: 0.5 })).toThrow(/0.5/);
  });
});
