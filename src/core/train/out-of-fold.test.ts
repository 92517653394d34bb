import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import { binaryTasksFor, summariseEvaluation } from '../eval/evaluation';
import { thresholdForSensitivity } from '../eval/operating-point';
import { innerFolds } from './head-fit';
import { type OutOfFoldItem, outOfFoldPredictions, type OutOfFoldRequest } from './out-of-fold';

const D = 5;
const ROTATIONS = 4;

/** 60 images of 30 patients (2 each), 4 rows (rotations) per image; class 1 shifted along the first two features. */
function dataset(seed: number) {
  const random = mulberry32(seed);
  const count = 60;
  const features = new Float32Array(count * ROTATIONS * D);
  const items: OutOfFoldItem[] = [];
  for (let i = 0; i < count; i++) {
    const classIndex = i % 3 === 0 ? 1 : 0;
    const rows = Array.from({ length: ROTATIONS }, (_, r) => i * ROTATIONS + r);
    for (const row of rows) for (let j = 0; j < D; j++) features[row * D + j] = random() * 2 + (j < 2 && classIndex === 1 ? 1 : 0);
    items.push({ id: `img${i}`, patientId: `p${i >> 1}`, classIndex, fitRows: rows, scoreRows: rows });
  }
  return { features, items };
}

const request = (features: Float32Array, items: OutOfFoldItem[]): OutOfFoldRequest => ({
  features, dimension: D, classCount: 2, items, lambda: 1e-2, classWeighted: true,
});

describe('out-of-fold predictions on train + validation', () => {
  it('reads only the rows its images name: test rows full of NaN change nothing', async () => {
    const { features, items } = dataset(3);
    const clean = (await outOfFoldPredictions(request(features, items)))!;
    // The same images with 10 test images' rows placed first and poisoned: every named row moves by 40.
    const poisoned = new Float32Array(features.length + 10 * ROTATIONS * D).fill(NaN);
    poisoned.set(features, 10 * ROTATIONS * D);
    const shift = (rows: readonly number[]) => rows.map((r) => r + 10 * ROTATIONS);
    const shifted = items.map((it) => ({ ...it, fitRows: shift(it.fitRows), scoreRows: shift(it.scoreRows) }));
    const withTest = (await outOfFoldPredictions(request(poisoned, shifted)))!;
    expect(withTest.probs.flat().every(Number.isFinite)).toBe(true);
    expect(withTest).toEqual(clean);
    expect(clean.ids).toEqual(items.map((it) => it.id));
    expect([clean.folds, clean.rotationsAveraged]).toEqual([5, 4]);
  });

  it("scores each image with a head that never saw it: an image's features move no other prediction in its own fold", async () => {
    const { features, items } = dataset(4);
    const before = (await outOfFoldPredictions(request(features, items)))!;
    const folds = innerFolds(items, 5, 42)!; // the head fit's default seed
    const moved = Float32Array.from(features);
    for (const row of items[7].fitRows) for (let j = 0; j < D; j++) moved[row * D + j] += 3;
    const after = (await outOfFoldPredictions(request(moved, items)))!;
    const changed = (i: number) => Math.abs(after.probs[i][1] - before.probs[i][1]) > 1e-12;
    const mates = items.map((_, i) => i).filter((i) => i !== 7 && folds.fold[i] === folds.fold[7]);
    expect(mates.length).toBeGreaterThan(5);
    for (const i of mates) expect(changed(i), `image ${i}`).toBe(false);
    // ...while every other fold's head trained on image 7 and moves.
    expect(items.map((_, i) => i).filter((i) => folds.fold[i] !== folds.fold[7]).every(changed)).toBe(true);
  });

  it('averages the probabilities over the score rows only (no test-time rotations: rotation 0)', async () => {
    const { features, items } = dataset(5);
    const single = items.map((it) => ({ ...it, scoreRows: it.scoreRows.slice(0, 1) }));
    const out = (await outOfFoldPredictions(request(features, single)))!;
    expect(out.rotationsAveraged).toBe(1);
    const all = (await outOfFoldPredictions(request(features, items)))!;
    expect(out.probs).not.toEqual(all.probs);
  });

  it('gives the operating point the threshold thresholdForSensitivity gives on the pooled out-of-fold set', async () => {
    const { features, items } = dataset(6);
    const oof = (await outOfFoldPredictions(request(features, items)))!;
    const validation = { labels: [0, 1, 0, 1], probs: [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.45, 0.55]] };
    const method = { folds: oof.folds, lambda: oof.lambda, rotationsAveraged: oof.rotationsAveraged };
    const summary = summariseEvaluation(validation, null, {
      classNames: ['no', 'yes'], ordinal: false, binaryTasks: binaryTasksFor('as-is', ['no', 'yes']), resamples: 50,
      outOfFold: { labels: oof.labels, probs: oof.probs, patients: oof.patients }, outOfFoldMethod: method,
    });
    const op = summary.validation.binary[0].operatingPoint;
    const expected = thresholdForSensitivity(oof.probs.map((p) => p[1]), oof.labels.map((c) => c === 1), 0.9).threshold;
    expect(op.threshold).toBe(expected);
    expect(op.selection!.source).toBe('out-of-fold train+validation');
    expect(op.selection!.outOfFold).toEqual(method);
    expect([op.selection!.positives, op.selection!.negatives]).toEqual([20, 40]);
    // Patients resampled together (30 patients of 2 images).
    expect(op.selection!.resampled).toBe('patients');
  });
});
