import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { binaryAt, OperatingPointError, thresholdForSensitivity } from './operating-point';

// Ten images, five referable (P) and five not (N), scores from high to low:
//   0.95 P, 0.9 N, 0.8 P, 0.7 P, 0.6 N, 0.5 P, 0.4 N, 0.3 N, 0.2 P, 0.1 N
const SCORES = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
const POSITIVES = [true, false, true, true, false, true, false, false, true, false];

describe('the 2x2 table at a threshold', () => {
  it('counts score >= threshold as positive (the 0.5 P image is a true positive)', () => {
    // >= 0.5: 0.95 P, 0.9 N, 0.8 P, 0.7 P, 0.6 N, 0.5 P -> tp 4, fp 2; below: 0.2 P -> fn 1; 0.4, 0.3, 0.1 N -> tn 3.
    const r = binaryAt(SCORES, POSITIVES, 0.5);
    expect({ tp: r.tp, fp: r.fp, tn: r.tn, fn: r.fn }).toEqual({ tp: 4, fp: 2, tn: 3, fn: 1 });
    expect(r.sensitivity).toBeCloseTo(4 / 5, 12); // 4 / (4 + 1)
    expect(r.specificity).toBeCloseTo(3 / 5, 12); // 3 / (3 + 2)
    expect(r.ppv).toBeCloseTo(4 / 6, 12); // 4 / (4 + 2)
    expect(r.npv).toBeCloseTo(3 / 4, 12); // 3 / (3 + 1)
  });

  it('gives NaN where a rate has nothing to count', () => {
    // Above every score nothing is called positive: tp = fp = 0, so ppv is 0/0.
    const r = binaryAt(SCORES, POSITIVES, Infinity);
    expect(r.ppv).toBeNaN();
    expect(r.sensitivity).toBe(0);
    expect(r.specificity).toBe(1);
    expect(r.npv).toBe(0.5); // 5 tn / 10 called negative
    expect(binaryAt([0.3, 0.6], [false, false], 0.5).sensitivity).toBeNaN();
  });

  it('refuses mismatched lengths, non-finite scores and a NaN threshold', () => {
    expect(() => binaryAt([0.1], [true, false], 0.5)).toThrow('1 scores but 2 truth values');
    expect(() => binaryAt([0.1, NaN], [true, false], 0.5)).toThrow('Score NaN');
    expect(() => binaryAt([0.1], [true], NaN)).toThrow(OperatingPointError);
  });
});

describe('the threshold for a target sensitivity', () => {
  it('takes the k-th highest positive score, k = ceil(target x positives)', () => {
    // Positive scores, high to low: 0.95, 0.8, 0.7, 0.5, 0.2.
    // 0.9 x 5 = 4.5 -> 5 positives -> t = 0.2; negatives >= 0.2: 0.9, 0.6, 0.4, 0.3 -> specificity 1/5.
    expect(thresholdForSensitivity(SCORES, POSITIVES, 0.9)).toEqual({ threshold: 0.2, sensitivity: 1, specificity: 0.2 });
    // 0.8 x 5 = 4 -> t = 0.5; negatives >= 0.5: 0.9, 0.6 -> specificity 3/5.
    expect(thresholdForSensitivity(SCORES, POSITIVES, 0.8)).toEqual({ threshold: 0.5, sensitivity: 0.8, specificity: 0.6 });
    // 0.6 x 5 = 3 -> t = 0.7; negatives >= 0.7: 0.9 -> specificity 4/5.
    expect(thresholdForSensitivity(SCORES, POSITIVES, 0.6)).toEqual({ threshold: 0.7, sensitivity: 0.6, specificity: 0.8 });
  });

  it('defaults to a 90% target', () => {
    expect(thresholdForSensitivity(SCORES, POSITIVES).threshold).toBe(0.2);
  });

  it('target 1.0: the lowest positive score, every positive referred', () => {
    const r = thresholdForSensitivity(SCORES, POSITIVES, 1);
    expect(r.threshold).toBe(0.2);
    expect(r.sensitivity).toBe(1);
  });

  it('a tiny target still refers the top positive', () => {
    // ceil(0.01 x 5) = 1 -> t = 0.95: sensitivity 1/5, no negative above -> specificity 1.
    expect(thresholdForSensitivity(SCORES, POSITIVES, 0.01)).toEqual({ threshold: 0.95, sensitivity: 0.2, specificity: 1 });
  });

  it('ties: images tied at the threshold are all referred, so sensitivity can pass the target', () => {
    // Positives 0.8, 0.6, 0.6, 0.2; negatives 0.6, 0.3. Target 0.5 needs 2 positives -> t = 0.6, where both
    // tied positives and the tied negative are referred: sensitivity 3/4, specificity 1/2.
    const scores = [0.8, 0.6, 0.6, 0.6, 0.3, 0.2];
    const positives = [true, true, false, true, false, true];
    expect(thresholdForSensitivity(scores, positives, 0.5)).toEqual({ threshold: 0.6, sensitivity: 0.75, specificity: 0.5 });
  });

  it('does not let float rounding ask for one positive too many (0.7 x 10 = 7.000000000000001)', () => {
    // Ten positives scored 0.10 ... 0.01 (high to low): 7 needed -> the 7th highest is 0.04.
    const scores = Array.from({ length: 10 }, (_, i) => (10 - i) / 100);
    const r = thresholdForSensitivity(scores, scores.map(() => true), 0.7);
    expect(r.threshold).toBe(0.04);
    expect(r.sensitivity).toBe(0.7);
    expect(r.specificity).toBeNaN(); // no negatives
  });

  it('is the highest such threshold: at the next higher score the target is missed (random data, 30 seeds)', () => {
    for (let seed = 0; seed < 30; seed++) {
      const random = mulberry32(seed);
      // Scores rounded to 2 decimals, so ties are common.
      const scores = Array.from({ length: 40 }, () => Math.round(random() * 100) / 100);
      const positives = scores.map((s) => random() < s);
      if (!positives.includes(true)) continue;
      for (const target of [0.5, 0.8, 0.9, 0.95, 1]) {
        const r = thresholdForSensitivity(scores, positives, target);
        expect(r.sensitivity, `seed ${seed}, target ${target}`).toBeGreaterThanOrEqual(target);
        expect(binaryAt(scores, positives, r.threshold).sensitivity).toBe(r.sensitivity);
        const higher = scores.filter((s) => s > r.threshold);
        if (higher.length > 0) {
          expect(binaryAt(scores, positives, Math.min(...higher)).sensitivity, `seed ${seed}, target ${target}`).toBeLessThan(target);
        }
      }
    }
  });

  it('refuses a target outside (0, 1] and data without positives, naming the value', () => {
    for (const target of [0, -0.1, 1.2, NaN]) {
      expect(() => thresholdForSensitivity(SCORES, POSITIVES, target), String(target)).toThrow(OperatingPointError);
    }
    expect(() => thresholdForSensitivity(SCORES, POSITIVES, 1.2)).toThrow('Target sensitivity 1.2');
    expect(() => thresholdForSensitivity([0.4, 0.6], [false, false])).toThrow('there are none');
  });
});
