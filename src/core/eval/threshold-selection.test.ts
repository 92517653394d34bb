import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { summariseEvaluation, type ScoredSet } from './evaluation';
import { thresholdForSensitivity } from './operating-point';
import { chooseThreshold, fewCasesWarning, MIN_CASES_FOR_THRESHOLD } from './threshold-selection';

/** `positives` and `negatives` images with scores drawn around 0.7 and 0.3 (seeded). */
function evidence(positives: number, negatives: number, seed = 1) {
  const random = mulberry32(seed);
  const scores: number[] = [];
  const truth: boolean[] = [];
  for (let i = 0; i < positives + negatives; i++) {
    const positive = i < positives;
    scores.push(Math.min(1, Math.max(0, (positive ? 0.7 : 0.3) + (random() - 0.5) * 0.8)));
    truth.push(positive);
  }
  return { scores, positives: truth };
}

describe('chooseThreshold: a threshold and how far to trust it', () => {
  it('chooses the threshold of thresholdForSensitivity on exactly the images given, with intervals around it', () => {
    const e = evidence(120, 200);
    const choice = chooseThreshold(e, { source: 'out-of-fold train+validation', targetSensitivity: 0.9, resamples: 200, seed: 3 });
    expect(choice.threshold.estimate).toBe(thresholdForSensitivity(e.scores, e.positives, 0.9).threshold);
    expect(choice.source).toBe('out-of-fold train+validation');
    expect([choice.positives, choice.negatives, choice.resampled, choice.warning]).toEqual([120, 200, 'images', null]);
    for (const x of [choice.threshold, choice.sensitivity, choice.specificity]) {
      expect(x.low).toBeLessThanOrEqual(x.high);
      expect(x.low).toBeLessThanOrEqual(x.estimate + 0.05);
      expect(x.high).toBeGreaterThanOrEqual(x.estimate - 0.05);
    }
    // Thresholds re-chosen on resamples land on held-out images near the target.
    expect(choice.sensitivity.low).toBeGreaterThan(0.7);
  });

  it('says plainly when fewer than 30 positives or 30 negatives were behind it', () => {
    expect(MIN_CASES_FOR_THRESHOLD).toBe(30);
    expect(fewCasesWarning(29, 100)).toBe('chosen from 29 positives and 100 negatives: too few for a stable threshold');
    expect(fewCasesWarning(100, 29)).toBe('chosen from 100 positives and 29 negatives: too few for a stable threshold');
    expect(fewCasesWarning(30, 30)).toBeNull();
    const small = chooseThreshold(evidence(6, 8), { source: 'validation', resamples: 100 });
    expect(small.warning).toBe('chosen from 6 positives and 8 negatives: too few for a stable threshold');
    // Fourteen images: the interval of the threshold is wide.
    expect(small.threshold.high - small.threshold.low).toBeGreaterThan(0.1);
  });

  it('resamples patients, all of a patient’s images together, when patient ids are given', () => {
    const e = evidence(40, 40);
    const patients = e.scores.map((_, i) => `p${Math.floor(i / 2)}`);
    const choice = chooseThreshold({ ...e, patients }, { source: 'validation', resamples: 100 });
    expect(choice.resampled).toBe('patients');
    expect(() => chooseThreshold({ ...e, patients: patients.slice(1) }, { source: 'validation' })).toThrow(/patient ids/);
  });
});

describe('summariseEvaluation with out-of-fold scores: the threshold never sees a test image', () => {
  const classNames = ['Healthy', 'Referable'];
  const toSet = (e: { scores: number[]; positives: boolean[] }): ScoredSet =>
    ({ labels: e.positives.map((p) => (p ? 1 : 0)), probs: e.scores.map((s) => [1 - s, s]) });
  const outOfFold = toSet(evidence(60, 90, 11));
  const validation = toSet(evidence(7, 9, 12));
  const opts = { classNames, ordinal: false, binaryTasks: [{ id: 'ref', title: 'Referable', positiveClasses: [1] }], resamples: 100, outOfFold };

  it('chooses from the out-of-fold scores, records the source and counts, and ignores the test scores', () => {
    const testA = toSet(evidence(30, 30, 13));
    const testB = toSet(evidence(30, 30, 14));
    const a = summariseEvaluation(validation, testA, opts);
    const b = summariseEvaluation(validation, testB, opts);
    const opA = a.test!.binary[0].operatingPoint;
    expect(opA.chosenOn).toBe('out-of-fold train+validation');
    expect(opA.selection).toMatchObject({ source: 'out-of-fold train+validation', positives: 60, negatives: 90, warning: null });
    expect(opA.threshold).toBe(thresholdForSensitivity(outOfFold.probs.map((p) => p[1]), outOfFold.labels.map((t) => t === 1), 0.9).threshold);
    expect(b.test!.binary[0].operatingPoint.threshold).toBe(opA.threshold);
    expect(b.test!.binary[0].operatingPoint.selection).toEqual(opA.selection);
    expect(a.validation.binary[0].operatingPoint.selection).toEqual(opA.selection);
  });

  it('without out-of-fold scores, chooses on validation as before, with its counts and the warning', () => {
    const s = summariseEvaluation(validation, null, { ...opts, outOfFold: null });
    const op = s.validation.binary[0].operatingPoint;
    expect(op.chosenOn).toBe('validation');
    expect(op.selection).toMatchObject({ positives: 7, negatives: 9, warning: 'chosen from 7 positives and 9 negatives: too few for a stable threshold' });
    // And what it gives at 5%, 10%, 30% and the validation prevalence 7/16.
    expect(op.atPrevalence!.map((r) => r.prevalence)).toEqual([0.05, 0.1, 0.3, 7 / 16]);
  });
});
