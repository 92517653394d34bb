import { describe, expect, it } from 'vitest';
import { binaryTasksFor, summariseEvaluation, type ScoredSet } from './evaluation';

// Five DR grades; a probability row puts `p` on the given grade and spreads the rest evenly.
const row = (grade: number, p: number) => Array.from({ length: 5 }, (_, c) => (c === grade ? p : (1 - p) / 4));
const classNames = ['No DR', 'Mild', 'Moderate', 'Severe', 'Proliferative DR'];

function set(rows: [number, number, number][]): ScoredSet {
  // [true grade, predicted grade, confidence]
  return { labels: rows.map((r) => r[0]), probs: rows.map(([, g, p]) => row(g, p)) };
}

describe('summariseEvaluation: validation chooses, test reports', () => {
  const validation = set([
    [0, 0, 0.9], [0, 0, 0.8], [0, 1, 0.6], [1, 1, 0.7], [1, 0, 0.6], [2, 2, 0.8], [2, 3, 0.5], [3, 3, 0.9], [4, 4, 0.9], [2, 0, 0.5],
  ]);
  const test = set([[0, 0, 0.9], [0, 2, 0.6], [1, 1, 0.8], [2, 2, 0.7], [3, 2, 0.6], [4, 4, 0.9], [2, 1, 0.55], [0, 0, 0.95]]);
  const opts = { classNames, ordinal: true, binaryTasks: binaryTasksFor('dr-5-grades', classNames), resamples: 200, seed: 7 };

  it('asks the referable-DR and any-DR questions of five grades', () => {
    expect(binaryTasksFor('dr-5-grades', classNames).map((t) => [t.id, t.positiveClasses])).toEqual([
      ['referable-dr', [2, 3, 4]], ['any-dr', [1, 2, 3, 4]],
    ]);
    expect(binaryTasksFor('referable-dr', ['Non-referable', 'Referable']).map((t) => t.positiveClasses)).toEqual([[1]]);
    expect(binaryTasksFor('as-is', ['a', 'b', 'c'])).toEqual([]);
  });

  it('uses the validation threshold and temperature on the test set unchanged', () => {
    const s = summariseEvaluation(validation, test, opts);
    const valRef = s.validation.binary.find((b) => b.id === 'referable-dr')!;
    const testRef = s.test!.binary.find((b) => b.id === 'referable-dr')!;
    expect(testRef.operatingPoint.threshold).toBe(valRef.operatingPoint.threshold);
    expect(s.test!.calibration.temperature).toBe(s.validation.calibration.temperature);
    // Validation has 5 referable images (grades 2, 2, 3, 4, 2); the threshold reaches >= 90% of them there.
    expect(valRef.positives).toBe(5);
    expect(valRef.operatingPoint.sensitivity.estimate).toBeGreaterThanOrEqual(0.9);
    // Changing only the test labels cannot move the threshold: nothing is chosen on test.
    const relabelled = { ...test, labels: test.labels.map(() => 0).map((_, i) => (i % 2 ? 2 : 0)) };
    const s2 = summariseEvaluation(validation, relabelled, opts);
    expect(s2.test!.binary[0].operatingPoint.threshold).toBe(testRef.operatingPoint.threshold);
  });

  it('reports accuracy and kappa with intervals around the point estimate', () => {
    const s = summariseEvaluation(validation, test, opts);
    // Test: 5 of 8 predicted right (rows 1, 3, 4, 6, 8).
    expect(s.test!.accuracy.estimate).toBeCloseTo(5 / 8, 12);
    for (const e of [s.test!.accuracy, s.test!.quadraticKappa!, s.validation.accuracy]) {
      expect(e.low).toBeLessThanOrEqual(e.estimate);
      expect(e.high).toBeGreaterThanOrEqual(e.estimate);
    }
    expect(s.test!.confusion[3][2]).toBe(1);
    expect(s.bootstrap).toEqual({ resamples: 200, seed: 7, confidence: 0.95 });
  });

  it('has no test section without a test set', () => {
    expect(summariseEvaluation(validation, null, opts).test).toBeUndefined();
  });

  it('applies the fitted temperature only when cross-validation kept it, and records the decision and the validation mix', () => {
    const s = summariseEvaluation(validation, test, opts);
    const c = s.validation.calibration;
    const d = c.temperatureDecision!;
    expect(c.temperature).toBe(d.kept ? d.fittedTemperature : 1);
    expect(s.test!.calibration.temperatureDecision).toEqual(d);
    expect(Number.isFinite(d.cvNllWithTemperature) && Number.isFinite(d.cvNllWithout)).toBe(true);
    // Validation grades 0,0,0,1,1,2,2,3,4,2 -> shares 3, 2, 3, 1, 1 of 10.
    expect(c.validationPrevalence).toEqual([0.3, 0.2, 0.3, 0.1, 0.1]);
    expect(s.test!.calibration.atPrevalence!.map((a) => [a.taskId, a.prevalence])).toEqual([
      ['referable-dr', 0.05], ['referable-dr', 0.1], ['referable-dr', 0.3],
    ]);
  });
});
