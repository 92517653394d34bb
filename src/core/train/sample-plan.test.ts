import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { epochBatches, epochOrder, planSamples } from './trainer';

const items = (prefix: string, n: number, classIndex = 0) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, classIndex }));

describe('planSamples', () => {
  it('lays out training at 4 rotations, validation and test at 4 rotations with test-time rotations', () => {
    const plan = planSamples({ train: items('t', 2), val: items('v', 1), test: items('x', 2) }, { rotations: true, testTimeRotations: true });
    expect(plan.samples).toHaveLength(2 * 4 + 1 * 4 + 2 * 4);
    expect([plan.train.offset, plan.val.offset, plan.test!.offset]).toEqual([0, 8, 12]);
    // Item i at rotation r sits at offset + 4i + r.
    expect(plan.samples[plan.test!.offset + 4 * 1 + 3]).toEqual({ id: 'x1', rotation: 3 });
    expect(plan.samples.slice(8, 12).map((s) => s.rotation)).toEqual([0, 1, 2, 3]);
  });

  it('keeps validation at rotation 0 only without test-time rotations, and has no test layout without test items', () => {
    const plan = planSamples({ train: items('t', 2), val: items('v', 3) }, { rotations: false, testTimeRotations: false });
    expect(plan.samples.map((s) => `${s.id}@${s.rotation}`)).toEqual(['t0@0', 't1@0', 'v0@0', 'v1@0', 'v2@0']);
    expect(plan.val).toMatchObject({ offset: 2, rotations: 1 });
    expect(plan.test).toBeNull();
  });
});

describe('epochOrder', () => {
  const classes = [0, 0, 0, 0, 0, 0, 1, 1];
  it("shuffles every training item once for 'none' and 'loss'", () => {
    for (const classWeighting of ['none', 'loss'] as const) {
      const order = epochOrder(classes, 2, { classWeighting }, mulberry32(1));
      expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it("draws as many items for 'sampling', repeatably from the epoch's stream", () => {
    const order = epochOrder(classes, 2, { classWeighting: 'sampling' }, mulberry32(1));
    expect(order).toHaveLength(8);
    expect(epochOrder(classes, 2, { classWeighting: 'sampling' }, mulberry32(1))).toEqual(order);
    expect(order.every((i) => i >= 0 && i < 8)).toBe(true);
  });
});

describe('epochBatches: the streamed epoch, drawn up front', () => {
  const classes = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1];
  const layout = { offset: 12, rotations: 4 };
  const config = { classWeighting: 'loss' as const, batchSize: 4, seed: 42 };

  it('visits every training image once per epoch, in batches of batchSize, each at a rotation 0-3', () => {
    const { items, samples } = epochBatches(classes, 2, layout, config, 0);
    expect(items.map((b) => b.length)).toEqual([4, 4, 3]);
    expect(items.flat().sort((a, b) => a - b)).toEqual(classes.map((_, i) => i));
    samples.flat().forEach((s, j) => {
      const item = items.flat()[j];
      expect(s - layout.offset - item * 4).toBeGreaterThanOrEqual(0);
      expect(s - layout.offset - item * 4).toBeLessThan(4);
    });
  });

  it('is the seeded order of before streaming: epochOrder, then one rotation per item batch after batch, from one stream', () => {
    for (const epoch of [0, 3]) {
      // What the loop drew batch by batch before batches were drawn up front (a regression would change every run).
      const random = mulberry32(config.seed * 7919 + epoch);
      const order = epochOrder(classes, 2, config, random);
      const expected: number[] = [];
      for (let b = 0; b < order.length; b += config.batchSize) {
        for (const i of order.slice(b, b + config.batchSize)) expected.push(layout.offset + i * 4 + Math.floor(random() * 4));
      }
      expect(epochBatches(classes, 2, layout, config, epoch).samples.flat()).toEqual(expected);
    }
  });

  it('repeats itself for a seed and epoch, and differs between epochs; without rotations every sample is rotation 0', () => {
    expect(epochBatches(classes, 2, layout, config, 1)).toEqual(epochBatches(classes, 2, layout, config, 1));
    expect(epochBatches(classes, 2, layout, config, 1).items).not.toEqual(epochBatches(classes, 2, layout, config, 2).items);
    const plain = epochBatches(classes, 2, { offset: 0, rotations: 1 }, config, 0);
    expect(plain.samples).toEqual(plain.items);
  });
});
