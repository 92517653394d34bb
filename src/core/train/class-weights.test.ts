import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { balancedClassWeights, classBalancedDraw, EmptyClassError } from './class-weights';

describe('balancedClassWeights', () => {
  it('weights each class by n / (K x n_c)', () => {
    // 10 images: 7 of class 0, 2 of class 1, 1 of class 2. By hand: 10/(3x7) = 0.476..., 10/(3x2) = 1.666...,
    // 10/(3x1) = 3.333...; sklearn compute_class_weight('balanced', classes=[0,1,2], y) gives the same.
    const labels = [0, 0, 0, 0, 0, 0, 0, 1, 1, 2];
    const w = balancedClassWeights(labels, 3);
    expect(w[0]).toBeCloseTo(10 / 21, 12);
    expect(w[1]).toBeCloseTo(10 / 6, 12);
    expect(w[2]).toBeCloseTo(10 / 3, 12);
    // Every class then carries the same total weight, n / K.
    expect(w[0] * 7).toBeCloseTo(w[2] * 1, 12);
  });

  it('gives weight 1 to every class of a balanced set', () => {
    expect(balancedClassWeights([0, 1, 1, 0, 2, 2], 3)).toEqual([1, 1, 1]);
  });

  it('names a class without training images, and a label out of range', () => {
    expect(() => balancedClassWeights([0, 0, 2], 3)).toThrow(EmptyClassError);
    expect(() => balancedClassWeights([0, 0, 2], 3)).toThrow(/Class 1 has no training image/);
    expect(() => balancedClassWeights([0, 3], 2)).toThrow(/class index 3/);
  });
});

describe('classBalancedDraw', () => {
  it('draws each class about equally often from an imbalanced set, repeatably from a seed', () => {
    const labels = [...new Array<number>(90).fill(0), ...new Array<number>(10).fill(1)];
    const draw = classBalancedDraw(labels, 2, 20000, mulberry32(7));
    const ones = draw.filter((i) => labels[i] === 1).length / draw.length;
    expect(ones).toBeGreaterThan(0.48); // expected 0.5; binomial sd at n=20000 is 0.0035
    expect(ones).toBeLessThan(0.52);
    expect(classBalancedDraw(labels, 2, 50, mulberry32(7))).toEqual(draw.slice(0, 50));
    // Within a class every item is equally likely: all ten class-1 items turn up.
    expect(new Set(draw.filter((i) => labels[i] === 1)).size).toBe(10);
  });
});
