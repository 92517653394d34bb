import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededDropout } from './classifier';

describe('SeededDropout', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const model = (seed: number) => {
    const input = tf.input({ shape: [64] });
    const output = new SeededDropout({ rate: 0.5, seed, name: 'fovea_dropout' }).apply(input) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: output });
  };
  const pass = (m: tf.LayersModel, training: boolean) => Array.from((m.apply(tf.ones([2, 64]), { training }) as tf.Tensor).dataSync());

  it('draws a new mask at every training call, the same sequence from the same seed, none at inference', () => {
    const [a, b] = [model(3), model(3)];
    const first = pass(a, true);
    const second = pass(a, true);
    expect(second).not.toEqual(first); // tfjs's Dropout with a seed gave the same mask twice
    expect(first.filter((v) => v === 0).length).toBeGreaterThan(20); // about half of 128 dropped
    expect(first.every((v) => v === 0 || v === 2)).toBe(true); // kept values scaled by 1 / (1 - rate)
    expect([pass(b, true), pass(b, true)]).toEqual([first, second]);
    expect(pass(a, false).every((v) => v === 1)).toBe(true);
  });

  it('is saved as a stock, unseeded Dropout, so exported models load without registering it', async () => {
    const saved = model(3).toJSON(null, false) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    const layer = saved.config.layers.find((l) => l.config.name === 'fovea_dropout')!;
    expect(layer.class_name).toBe('Dropout');
    expect(layer.config).toMatchObject({ rate: 0.5, seed: null });
    const loaded = await tf.models.modelFromJSON(saved as never); // a bare topology, as in model.json
    expect(loaded.getLayer('fovea_dropout').getClassName()).toBe('Dropout');
  });
});
