import { describe, expect, it } from 'vitest';
import { evaluate } from '../core/eval/metrics';
import { resolveTrainConfig } from '../core/train/config';
import { readPrediction, screeningDecisions } from './prediction';
import type { ModelInfo, TrainRequest } from './protocol';
import { adoptTrainedModel, recordTrainedModel } from './trained-model';

const CLASSES = ['No DR', 'Mild', 'Moderate', 'Severe', 'Proliferative DR'];

/** A five-grade report whose image i has true grade i % 5 and puts 0.6 on it (0.1 elsewhere). */
function report(prefix: string, n: number) {
  const labels = Array.from({ length: n }, (_, i) => i % 5);
  const probs = labels.map((t) => CLASSES.map((_, c) => (c === t ? 0.6 : 0.1)));
  return evaluate({ classNames: CLASSES, ordinal: true, labels, probs, ids: labels.map((_, i) => `${prefix}${i}`) });
}

const request: TrainRequest = {
  config: { inputSize: 64 }, classNames: CLASSES, ordinal: true, presetId: 'dr-5-grades', colourNormalisation: true,
  dataset: { source: 'test photographs', patients: { train: 10, validation: 5, test: 5 } },
  items: [
    ...Array.from({ length: 20 }, (_, i) => ({ id: `t${i}`, classIndex: i % 5, split: 'train' as const })),
    ...Array.from({ length: 10 }, (_, i) => ({ id: `v${i}`, classIndex: i % 5, split: 'val' as const })),
    ...Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, classIndex: i % 5, split: 'test' as const })),
  ],
};

describe('a finished run in the studio', () => {
  const config = resolveTrainConfig({ inputSize: 64, testTimeRotations: true });
  const outcome = { config, epochs: [], report: report('v', 10), bestEpoch: 0, test: report('s', 10) };
  const record = recordTrainedModel(request, outcome, { fieldOfViewCrop: true, colourNormalisation: true }, { source: 'x' }, '2026-01-01T00:00:00Z');

  it('summarises validation and test, with the referable-DR and any-DR questions of the five grades', () => {
    expect(record.summary.test?.count).toBe(10);
    expect(record.summary.validation.binary.map((b) => b.id)).toEqual(['referable-dr', 'any-dr']);
  });

  it('records screening, four test-time rotations and the preprocessing in the manifest', () => {
    expect(record.manifest.screening).toBe(record.summary);
    expect(record.manifest.testTimeRotations).toEqual([0, 1, 2, 3]);
    expect(record.manifest.preprocessing.crop).toBe('field-of-view');
    expect(record.manifest.preprocessing.colour).toBe('local-average-subtraction');
    expect(record.manifest.validation).not.toHaveProperty('predictions');
  });

  it('renders a model card naming the task, the test set and the preprocessing', () => {
    expect(record.modelCard).toMatch(/^# Model card: Five DR grades/);
    expect(record.modelCard).toMatch(/field of view/i);
    // The held-out test set by its size (10 images), and its figures quoted as the test set's.
    expect(record.modelCard).toContain('The **test set** (10 images) was held out');
    expect(record.modelCard).toMatch(/\| Referable DR \(grade 2 or worse\): AUC \| test set \|/);
  });

  it('answers the screening questions from uncalibrated scores at the validation thresholds', () => {
    const threshold = record.summary.validation.binary[0].operatingPoint.threshold;
    // Grade 2 at 0.6: referable score P(2)+P(3)+P(4) = 0.8; the threshold was chosen on such rows.
    const decisions = screeningDecisions(record.manifest, [0.1, 0.1, 0.6, 0.1, 0.1]);
    expect(decisions[0]).toMatchObject({ id: 'referable-dr', threshold, positive: 0.8 >= threshold, targetSensitivity: 0.9 });
    expect(decisions[0].score).toBeCloseTo(0.8, 12);
  });

  it('calibrates the shown probabilities with the fitted temperature; the decision keeps the raw score', () => {
    const raw = [0.1, 0.1, 0.6, 0.1, 0.1];
    const p = readPrediction(record.manifest, raw, 4);
    const t = record.summary.validation.calibration.temperature;
    // softmax(log p / T): the top class's share of (0.6^(1/T) + 4 x 0.1^(1/T)).
    const top = 0.6 ** (1 / t) / (0.6 ** (1 / t) + 4 * 0.1 ** (1 / t));
    expect(p.calibrated).toBe(true);
    expect(p.probs[2]).toBeCloseTo(top, 10);
    expect(p.predictedClass).toBe(2);
    expect(p.rotations).toBe(4);
    expect(p.screening?.[0].score).toBeCloseTo(0.8, 12);
  });

  it("chooses a frozen run's operating points on its out-of-fold predictions and says so in the card; others on validation", () => {
    expect(record.summary.validation.binary[0].operatingPoint.selection!.source).toBe('validation');
    // 40 train + validation images scored out of fold (grade i % 5, 0.6 on it), as TrainOutcome.outOfFold brings them.
    const oofReport = report('o', 40);
    const outOfFold = {
      ids: oofReport.predictions.map((p) => p.id), labels: oofReport.predictions.map((p) => p.trueClass),
      probs: oofReport.predictions.map((p) => p.probs), patients: oofReport.predictions.map((p) => p.id),
      folds: 5, lambda: 3.16e-5, rotationsAveraged: 4,
    };
    const frozen = recordTrainedModel(request, { ...outcome, outOfFold }, { fieldOfViewCrop: true, colourNormalisation: false }, {}, '2026-01-01T00:00:00Z');
    const selection = frozen.summary.test!.binary[0].operatingPoint.selection!;
    // Referable DR: grades 2-4 of 40 images, 8 each: 24 positives, 16 negatives.
    expect([selection.source, selection.positives, selection.negatives]).toEqual(['out-of-fold train+validation', 24, 16]);
    expect(selection.outOfFold).toEqual({ folds: 5, lambda: 3.16e-5, rotationsAveraged: 4 });
    expect(frozen.modelCard).toContain('pooled over train + validation (5 patient-aware folds, each head fitted at L2 3.16e-5');
    expect(frozen.manifest.screening).toBe(frozen.summary);
  });

  it('predicts plainly for a model without a screening summary (an older package)', () => {
    const { screening: _s, ...older } = record.manifest;
    void _s;
    const p = readPrediction(older, [0.2, 0.2, 0.2, 0.2, 0.2], 1);
    expect(p).toMatchObject({ calibrated: false, rotations: 1, predictedClass: 0 });
    expect(p.screening).toBeUndefined();
  });
});

describe('a finished run becoming the current model (train, imported result, Compare all: one path)', () => {
  const config = resolveTrainConfig({ inputSize: 64 });
  const outcome = { config, epochs: [], report: report('v', 10), bestEpoch: 0, test: report('s', 10), stoppedBecause: 'completed' as const };
  const prep = { fieldOfViewCrop: true, colourNormalisation: false };
  const info = { id: 'm1' } as unknown as ModelInfo;

  it('hands the record to adopt and answers with what adopt made current, never discarding', () => {
    let adopted: string | null = null;
    let discarded = false;
    const result = adoptTrainedModel(request, outcome, prep, { source: 'x' }, (record) => {
      adopted = record.manifest.format;
      return info;
    }, () => { discarded = true; });
    expect(adopted).toBe('fovea-model');
    expect(discarded).toBe(false);
    expect(result.model).toBe(info);
    expect(result.summary.test?.count).toBe(10);
    expect(result.stoppedBecause).toBe('completed');
  });

  it('lets the model go and adopts nothing when its record cannot be built', () => {
    let discarded = false;
    let adopted = false;
    // A report whose classes differ from the request's: the summary refuses it.
    const broken = { ...outcome, report: evaluate({ classNames: ['a', 'b'], ordinal: false, labels: [0, 1], probs: [[0.9, 0.1], [0.2, 0.8]], ids: ['x', 'y'] }) };
    expect(() => adoptTrainedModel(request, broken, prep, { source: 'x' }, () => { adopted = true; return info; }, () => { discarded = true; })).toThrow();
    expect([adopted, discarded]).toEqual([false, true]);
  });
});
