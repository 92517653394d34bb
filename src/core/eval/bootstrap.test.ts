import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { aucWithInterval, BootstrapError, bootstrapInterval, quantileOfSorted, resolveBootstrapConfig } from './bootstrap';
import { EvaluationError } from './metrics';

const mean = (values: readonly number[]) => (indices: number[]) => indices.reduce((s, i) => s + values[i], 0) / indices.length;

/** n values drawn uniformly from [0, 1) (a fixed stream, so the test is the same every run). */
function uniformSample(n: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => random());
}

describe('bootstrap settings', () => {
  it('defaults to 1000 resamples, 95% and seed 42', () => {
    expect(resolveBootstrapConfig()).toEqual({ resamples: 1000, confidence: 0.95, seed: 42 });
  });

  it('rejects bad settings, naming the value', () => {
    expect(() => resolveBootstrapConfig({ resamples: 0 })).toThrow("'resamples' is 0");
    expect(() => resolveBootstrapConfig({ resamples: 2.5 })).toThrow(BootstrapError);
    expect(() => resolveBootstrapConfig({ confidence: 1 })).toThrow("'confidence' is 1");
    expect(() => resolveBootstrapConfig({ confidence: NaN })).toThrow(BootstrapError);
    expect(() => resolveBootstrapConfig({ seed: 1.5 })).toThrow("'seed' is 1.5");
  });

  it('needs at least one item', () => {
    expect(() => bootstrapInterval(0, () => 0)).toThrow('n = 0');
  });
});

describe('quantiles of sorted values', () => {
  it('interpolates linearly between order statistics, as numpy.percentile', () => {
    // Position 0.25 x 3 = 0.75: 1 + 0.75 x (2 - 1) = 1.75 (np.percentile([1,2,3,4], 25) = 1.75).
    expect(quantileOfSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    // Position 0.5 x 4 = 2: the middle value exactly.
    expect(quantileOfSorted([1, 2, 3, 10, 20], 0.5)).toBe(3);
    expect(quantileOfSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileOfSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileOfSorted([7], 0.975)).toBe(7);
    expect(quantileOfSorted([], 0.5)).toBeNaN();
  });
});

describe('percentile bootstrap', () => {
  it('draws each resample as n indices in [0, n), with replacement', () => {
    const lengths = new Set<number>();
    let outOfRange = 0;
    let withRepeat = 0;
    bootstrapInterval(10, (indices) => {
      lengths.add(indices.length);
      outOfRange += indices.filter((i) => !(Number.isInteger(i) && i >= 0 && i < 10)).length;
      if (new Set(indices).size < indices.length) withRepeat++;
      return 0;
    });
    expect([...lengths]).toEqual([10]);
    expect(outOfRange).toBe(0);
    // P(no index repeats in 10 draws of 10) = 10!/10^10 ≈ 3.6e-4, so about 1000 of the 1000 + 1 calls repeat
    // (the first call, on the whole data, does not).
    expect(withRepeat).toBeGreaterThanOrEqual(995);
  });

  it('gives the statistic of the whole data as the estimate', () => {
    const values = [3, 1, 4, 1, 5];
    // (3 + 1 + 4 + 1 + 5) / 5 = 2.8
    expect(bootstrapInterval(5, mean(values)).estimate).toBeCloseTo(2.8, 12);
  });

  it('one item: every resample is the item itself, so the interval is a point', () => {
    const r = bootstrapInterval(1, mean([0.7]));
    expect(r).toEqual({ estimate: 0.7, low: 0.7, high: 0.7, resamples: 1000, skipped: 0 });
  });

  it('two items 0 and 1: the resample mean is 0, 0.5 or 1 (1/4, 1/2, 1/4), so the 95% interval is [0, 1]', () => {
    // About 250 of 1000 resamples have mean 0; the 2.5% quantile sits at position ~25 among them, so 0;
    // symmetrically the 97.5% quantile is 1.
    const r = bootstrapInterval(2, mean([0, 1]), { seed: 3 });
    expect(r.estimate).toBe(0.5);
    expect(r.low).toBe(0);
    expect(r.high).toBe(1);
  });

  it('contains the point estimate of a mean', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const values = uniformSample(40, seed);
      const r = bootstrapInterval(values.length, mean(values), { seed });
      expect(r.low, `seed ${seed}`).toBeLessThan(r.estimate);
      expect(r.high, `seed ${seed}`).toBeGreaterThan(r.estimate);
    }
  });

  it('narrows as the data grows (same distribution, n = 50 against n = 2000)', () => {
    const small = uniformSample(50, 11);
    const large = uniformSample(2000, 12);
    const widthOf = (values: number[]) => {
      const r = bootstrapInterval(values.length, mean(values), { seed: 1 });
      return r.high - r.low;
    };
    // The mean of n uniforms has sd 0.2887 / sqrt(n); a 95% interval is about 3.92 sd wide:
    // n = 50 -> 0.160, n = 2000 -> 0.0253 (ratio sqrt(40) = 6.3).
    const wSmall = widthOf(small);
    const wLarge = widthOf(large);
    expect(wSmall).toBeGreaterThan(0.12);
    expect(wSmall).toBeLessThan(0.2);
    expect(wLarge).toBeGreaterThan(0.019);
    expect(wLarge).toBeLessThan(0.032);
    expect(wSmall / wLarge).toBeGreaterThan(4);
  });

  it('a lower confidence gives an interval inside the 95% one', () => {
    const values = uniformSample(60, 21);
    const wide = bootstrapInterval(values.length, mean(values), { seed: 9 });
    const narrow = bootstrapInterval(values.length, mean(values), { seed: 9, confidence: 0.5 });
    expect(narrow.low).toBeGreaterThan(wide.low);
    expect(narrow.high).toBeLessThan(wide.high);
  });

  it('is deterministic for a seed and changes with it', () => {
    const values = uniformSample(30, 5);
    const a = bootstrapInterval(values.length, mean(values), { seed: 7 });
    expect(bootstrapInterval(values.length, mean(values), { seed: 7 })).toEqual(a);
    expect(bootstrapInterval(values.length, mean(values), { seed: 8 })).not.toEqual(a);
  });

  it('skips and counts resamples where the statistic is NaN', () => {
    // NaN whenever item 0 is missing from a resample of 5: P = (4/5)^5 = 0.328, so ~328 of 1000
    // (binomial sd 14.8; 268..388 is 4 sd either side).
    const r = bootstrapInterval(5, (indices) => (indices.includes(0) ? 1 : NaN));
    expect(r.skipped).toBeGreaterThan(268);
    expect(r.skipped).toBeLessThan(388);
    expect(r.resamples + r.skipped).toBe(1000);
    expect([r.low, r.high]).toEqual([1, 1]);
  });

  it('gives NaN bounds when every resample is skipped', () => {
    const r = bootstrapInterval(3, () => NaN, { resamples: 20 });
    expect(r.low).toBeNaN();
    expect(r.high).toBeNaN();
    expect(r.resamples).toBe(0);
    expect(r.skipped).toBe(20);
  });
});

describe('AUC with its interval', () => {
  it('estimates the AUC of rocCurve and brackets it', () => {
    // sklearn's roc_auc_score example: positives 0.35 and 0.8, negatives 0.1 and 0.4; pairs (pos > neg):
    // 0.35>0.1, 0.8>0.1, 0.8>0.4, not 0.35>0.4 -> 3/4 = 0.75.
    const r = aucWithInterval([0.1, 0.4, 0.35, 0.8], [false, false, true, true], { seed: 1 });
    expect(r.estimate).toBeCloseTo(0.75, 12);
    expect(r.low).toBeLessThanOrEqual(0.75);
    expect(r.high).toBeGreaterThanOrEqual(0.75);
    // A resample of 4 is all one class with probability 2 x (1/2)^4 = 1/8: ~125 of 1000 skipped (sd 10.5).
    expect(r.skipped).toBeGreaterThan(83);
    expect(r.skipped).toBeLessThan(167);
  });

  it('perfect separation: every resample with both classes has AUC 1', () => {
    const r = aucWithInterval([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [false, false, false, true, true, true]);
    expect([r.estimate, r.low, r.high]).toEqual([1, 1, 1]);
  });

  it('narrows with more images of the same kind', () => {
    // Positives score uniform in [0.3, 1), negatives in [0, 0.7): overlapping classes, true AUC ≈ 0.92.
    const sample = (n: number, seed: number) => {
      const random = mulberry32(seed);
      const positives = Array.from({ length: n }, (_, i) => i % 2 === 0);
      const scores = positives.map((p) => (p ? 0.3 + 0.7 * random() : 0.7 * random()));
      return { scores, positives };
    };
    const s = sample(50, 1);
    const l = sample(2000, 2);
    const small = aucWithInterval(s.scores, s.positives, { seed: 3, resamples: 300 });
    const large = aucWithInterval(l.scores, l.positives, { seed: 3, resamples: 300 });
    expect(small.high - small.low).toBeGreaterThan(3 * (large.high - large.low));
    expect(large.low).toBeLessThan(large.estimate);
    expect(large.high).toBeGreaterThan(large.estimate);
  });

  it('refuses data with one class only, as rocCurve does', () => {
    expect(() => aucWithInterval([0.2, 0.9], [true, true])).toThrow(EvaluationError);
  });
});
