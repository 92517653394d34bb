import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { epochOrder, planSamples } from './trainer';

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
