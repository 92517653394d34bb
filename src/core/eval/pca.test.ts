import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { InvalidPcaInputError, pca2d, projectPca } from './pca';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, digits = 9) =>
  Array.from(a).forEach((x, i) => expect(x).toBeCloseTo(b[i], digits));

describe('pca2d', () => {
  // Hand-made: 4 points at mean (1, 2, 3) + a u + b v with u = (0.6, 0.8, 0), v = (0, 0, 1),
  // a = (-3, -1, 1, 3), b = (1, -1, -1, 1) (a and b uncorrelated, both zero-mean).
  // Variances: sum a^2 / (n - 1) = 20 / 3 along u, sum b^2 / 3 = 4 / 3 along v; total 8, so 5/6 and 1/6.
  const a = [-3, -1, 1, 3];
  const b = [1, -1, -1, 1];
  const rows = a.map((ai, i) => [1 + 0.6 * ai, 2 + 0.8 * ai, 3 + b[i]]);

  it('finds the directions, variances and coordinates of a hand-made case', () => {
    const p = pca2d(rows);
    close(p.mean, [1, 2, 3]);
    close(p.components[0], [0.6, 0.8, 0]);
    close(p.components[1], [0, 0, 1]);
    close(p.variance, [20 / 3, 4 / 3]);
    close(p.explained, [5 / 6, 1 / 6]);
    p.points.forEach((pt, i) => close(pt, [a[i], b[i]]));
  });

  it('makes the largest entry of each component positive, whatever the data\'s orientation', () => {
    const flipped = pca2d(a.map((ai, i) => [1 - 0.6 * ai, 2 - 0.8 * ai, 3 - b[i]]));
    close(flipped.components[0], [0.6, 0.8, 0]);
    close(flipped.components[1], [0, 0, 1]);
    flipped.points.forEach((pt, i) => close(pt, [-a[i], -b[i]]));
  });

  it('gives orthonormal components whose projected variances are the reported ones (random 40 x 16), deterministically', () => {
    const rand = mulberry32(5);
    const scale = Array.from({ length: 16 }, (_, j) => 1 + j); // unequal variances, so the answer is unique
    const data = Array.from({ length: 40 }, () => scale.map((s) => s * (rand() - 0.5)));
    const p = pca2d(data);
    const dot = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).reduce((s, v, i) => s + v * y[i], 0);
    expect(dot(p.components[0], p.components[0])).toBeCloseTo(1, 9);
    expect(dot(p.components[1], p.components[1])).toBeCloseTo(1, 9);
    expect(dot(p.components[0], p.components[1])).toBeCloseTo(0, 9);
    [0, 1].forEach((k) => expect(p.points.reduce((s, pt) => s + pt[k] ** 2, 0) / 39).toBeCloseTo(p.variance[k], 6));
    expect(p.variance[0]).toBeGreaterThanOrEqual(p.variance[1]);
    // No unit direction has more variance than the first component (checked against 200 random directions).
    for (let t = 0; t < 200; t++) {
      const dir = scale.map(() => rand() - 0.5);
      const norm = Math.sqrt(dot(dir, dir));
      const coords = data.map((r) => dot(r.map((v, j) => v - p.mean[j]), dir) / norm);
      expect(coords.reduce((s, c) => s + c * c, 0) / 39).toBeLessThanOrEqual(p.variance[0] + 1e-9);
    }
    expect(pca2d(data)).toEqual(p);
    expect(projectPca(p, data)).toEqual(p.points.map(([x, y]) => [expect.closeTo(x, 9), expect.closeTo(y, 9)]));
  });

  it('rejects fewer than 2 rows and rows of different lengths', () => {
    expect(() => pca2d([[1, 2]])).toThrow(InvalidPcaInputError);
    expect(() => pca2d([[1, 2], [1, 2, 3]])).toThrow(/row 1 has 3 features/);
  });
});
