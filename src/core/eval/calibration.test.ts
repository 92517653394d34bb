import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import {
  applyTemperature, CalibrationError, expectedCalibrationError, fitTemperature, meanNll, reliabilityBins, temperatureByCrossValidation, TEMPERATURE_RANGE,
} from './calibration';
import { argmax } from './metrics';

/** n identical two-class rows [p, 1 - p], the first `right` of them labelled 0 (right), the rest 1. */
function constantRows(n: number, p: number, right: number) {
  return {
    probs: Array.from({ length: n }, () => [p, 1 - p]),
    labels: Array.from({ length: n }, (_, i) => (i < right ? 0 : 1)),
  };
}

describe('applying a temperature', () => {
  it('T = 1 returns the probabilities', () => {
    const probs = [[0.7, 0.2, 0.1], [0.05, 0.9, 0.05], [1 / 3, 1 / 3, 1 / 3]];
    const out = applyTemperature(probs, 1);
    out.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(probs[i][j], 12)));
  });

  it('raises to the power 1/T and renormalises', () => {
    // T = 2: [0.9, 0.1] -> [sqrt 0.9, sqrt 0.1] / (sqrt 0.9 + sqrt 0.1) = [0.94868, 0.31623] / 1.26491 = [0.75, 0.25].
    const [[a, b]] = applyTemperature([[0.9, 0.1]], 2);
    expect(a).toBeCloseTo(0.75, 12);
    expect(b).toBeCloseTo(0.25, 12);
    // T = 0.5: [0.75, 0.25] -> [0.5625, 0.0625] / 0.625 = [0.9, 0.1].
    expect(applyTemperature([[0.75, 0.25]], 0.5)[0][0]).toBeCloseTo(0.9, 12);
  });

  it('keeps zeros at zero and the top class on top', () => {
    expect(applyTemperature([[0, 0.4, 0.6]], 3)[0][0]).toBe(0);
    const random = mulberry32(4);
    for (let i = 0; i < 50; i++) {
      const raw = [random(), random(), random()];
      const row = raw.map((x) => x / (raw[0] + raw[1] + raw[2]));
      for (const t of [0.05, 0.5, 2, 20]) expect(argmax(applyTemperature([row], t)[0])).toBe(argmax(row));
    }
  });

  it('does not underflow to NaN at the smallest temperature', () => {
    // (1e-6)^(1/0.05) = 1e-120 alone, but the row is rescaled by its largest entry first.
    const [row] = applyTemperature([[1e-6, 2e-6]], TEMPERATURE_RANGE[0]);
    expect(row.every(Number.isFinite)).toBe(true);
    expect(row[1]).toBeCloseTo(1, 5); // 2^20 / (1 + 2^20)
  });

  it('refuses a temperature that is not positive and finite', () => {
    for (const t of [0, -1, NaN, Infinity]) expect(() => applyTemperature([[0.5, 0.5]], t), String(t)).toThrow(CalibrationError);
    expect(() => applyTemperature([[0.5, 0.5]], -1)).toThrow('Temperature -1');
  });
});

describe('mean negative log-likelihood', () => {
  it('averages -ln p[label]', () => {
    // -(ln 0.5 + ln 0.25) / 2 = (0.693147 + 1.386294) / 2 = 1.039721
    expect(meanNll([[0.5, 0.5], [0.75, 0.25]], [0, 1])).toBeCloseTo(1.0397208, 6);
  });

  it('clips at 1e-7 as the training loss does: a confident miss costs -ln 1e-7 = 16.118', () => {
    expect(meanNll([[1, 0]], [1])).toBeCloseTo(16.1180957, 6);
    expect(meanNll([[1, 0]], [0])).toBeCloseTo(1e-7, 9); // -ln(1 - 1e-7)
  });

  it('refuses inconsistent input, naming the bad value', () => {
    expect(() => meanNll([], [])).toThrow(CalibrationError);
    expect(() => meanNll([[0.5, 0.5]], [0, 1])).toThrow('1 probability rows but 2 labels');
    expect(() => meanNll([[0.5, 0.5]], [2])).toThrow('Label 2');
    expect(() => meanNll([[0.5, 0.5], [1]], [0, 0])).toThrow('Row 1 has 1 probabilities');
    expect(() => meanNll([[1.5, -0.5]], [0])).toThrow('probability 1.5');
  });
});

describe('fitting a temperature', () => {
  it('softens an over-confident model: always 90% sure, right 7 times in 10 -> T = ln 9 / ln(7/3)', () => {
    // The NLL-optimal probability for the top class is its accuracy, 0.7: 0.9^(1/T) / (0.9^(1/T) + 0.1^(1/T)) = 0.7
    // <=> 9^(1/T) = 7/3 <=> T = ln 9 / ln(7/3) = 2.5932139.
    const { probs, labels } = constantRows(10, 0.9, 7);
    const t = fitTemperature(probs, labels);
    expect(t).toBeGreaterThan(1);
    expect(Math.abs(t - 2.5932139)).toBeLessThan(1e-4);
    // NLL: -(0.7 ln 0.9 + 0.3 ln 0.1) = 0.7645279 before, -(0.7 ln 0.7 + 0.3 ln 0.3) = 0.6108643 after.
    expect(meanNll(probs, labels)).toBeCloseTo(0.7645279, 6);
    expect(meanNll(applyTemperature(probs, t), labels)).toBeCloseTo(0.6108643, 6);
  });

  it('sharpens an under-confident model: 60% sure, right 9 times in 10 -> T = ln 1.5 / ln 9', () => {
    // 1.5^(1/T) = 9 <=> T = ln 1.5 / ln 9 = 0.1845351.
    const { probs, labels } = constantRows(10, 0.6, 9);
    const t = fitTemperature(probs, labels);
    expect(t).toBeLessThan(1);
    expect(Math.abs(t - 0.1845351)).toBeLessThan(1e-4);
  });

  it('stops at the end of its range when sharper is always better', () => {
    // Every image right: the NLL falls all the way to T -> 0, so the lower end 0.05 is returned.
    const { probs, labels } = constantRows(6, 0.8, 6);
    expect(fitTemperature(probs, labels)).toBeCloseTo(TEMPERATURE_RANGE[0], 4);
  });

  it('never does worse than T = 1 (three classes, random over-confident predictions)', () => {
    const random = mulberry32(8);
    const probs: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 200; i++) {
      const label = Math.floor(random() * 3);
      // Right 60% of the time, but always 95% sure of the guess.
      const guess = random() < 0.6 ? label : (label + 1 + Math.floor(random() * 2)) % 3;
      probs.push([0, 1, 2].map((c) => (c === guess ? 0.95 : 0.025)));
      labels.push(label);
    }
    const t = fitTemperature(probs, labels);
    expect(t).toBeGreaterThan(1);
    expect(meanNll(applyTemperature(probs, t), labels)).toBeLessThan(meanNll(probs, labels));
  });
});

describe('expected calibration error and reliability bins', () => {
  // Four images, five bins (0, .2], (.2, .4], (.4, .6], (.6, .8], (.8, 1]:
  //   [0.9, 0.1]   label 0: confidence 0.9,  right -> bin 4
  //   [0.8, 0.2]   label 1: confidence 0.8,  wrong -> bin 3 (0.8 is the bin's closed upper edge)
  //   [0.3, 0.7]   label 1: confidence 0.7,  right -> bin 3
  //   [0.45, 0.55] label 0: confidence 0.55, wrong -> bin 2
  const probs = [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55]];
  const labels = [0, 1, 1, 0];

  it('bins by top-label confidence, (lower, upper]', () => {
    const bins = reliabilityBins(probs, labels, 5);
    expect(bins.map((b) => [b.lower, b.upper])).toEqual([[0, 0.2], [0.2, 0.4], [0.4, 0.6], [0.6, 0.8], [0.8, 1]]);
    expect(bins.map((b) => b.count)).toEqual([0, 0, 1, 2, 1]);
    expect(bins[0].confidence).toBeNaN();
    expect(bins[0].accuracy).toBeNaN();
    expect(bins[2]).toMatchObject({ confidence: 0.55, accuracy: 0 });
    expect(bins[3].confidence).toBeCloseTo(0.75, 12); // (0.8 + 0.7) / 2
    expect(bins[3].accuracy).toBe(0.5);
    expect(bins[4]).toMatchObject({ confidence: 0.9, accuracy: 1 });
  });

  it('weights |accuracy - confidence| by the bin share: 0.2875 on the four images', () => {
    // bin 2: 1/4 x |0 - 0.55| = 0.1375; bin 3: 2/4 x |0.5 - 0.75| = 0.125; bin 4: 1/4 x |1 - 0.9| = 0.025.
    // Sum 0.2875. (Were 0.8 put in bin 4, as [lower, upper) bins would, it would be 0.3875.)
    expect(expectedCalibrationError(probs, labels, 5)).toBeCloseTo(0.2875, 12);
  });

  it('is 0 for a calibrated model and drops after temperature scaling of an over-confident one', () => {
    // Always 70% sure, right 7 times in 10: accuracy = confidence in the one bin used.
    const calibrated = constantRows(10, 0.7, 7);
    expect(expectedCalibrationError(calibrated.probs, calibrated.labels)).toBeCloseTo(0, 12);
    // Always 90% sure, right 7 in 10: |0.7 - 0.9| = 0.2; after the fitted T the confidence is 0.7.
    const over = constantRows(10, 0.9, 7);
    expect(expectedCalibrationError(over.probs, over.labels)).toBeCloseTo(0.2, 12);
    const scaled = applyTemperature(over.probs, fitTemperature(over.probs, over.labels));
    expect(expectedCalibrationError(scaled, over.labels)).toBeLessThan(1e-4);
  });

  it('uses 15 bins by default', () => {
    expect(reliabilityBins(probs, labels)).toHaveLength(15);
  });

  it('refuses a bin count that is not a positive whole number', () => {
    expect(() => reliabilityBins(probs, labels, 0)).toThrow('Bin count 0');
    expect(() => expectedCalibrationError(probs, labels, 2.5)).toThrow(CalibrationError);
  });
});

describe('temperature scaling is kept only when it lowers the cross-validated NLL', () => {
  it('T = 1 is right: probabilities that match their frequencies exactly are left alone', () => {
    // Groups of 20 images at top probability 0.9, 0.75 and 0.6, right exactly that often: T = 1 is the optimum.
    const probs: number[][] = [];
    const labels: number[] = [];
    for (const [p, right] of [[0.9, 18], [0.75, 15], [0.6, 12]] as const) {
      for (let i = 0; i < 20; i++) {
        probs.push([p, 1 - p]);
        labels.push(i < right ? 0 : 1);
      }
    }
    const cv = temperatureByCrossValidation(probs, labels, { folds: 5, seed: 1 });
    expect(cv.fittedTemperature).toBeCloseTo(1, 3);
    expect(cv.cvNllWithTemperature).toBeGreaterThan(cv.cvNllWithout);
    expect(cv.kept).toBe(false);
    expect(cv.folds).toBe(5);
  });

  it('T = 1 is wrong: an over-confident model (99% sure, 70% right) keeps its temperature', () => {
    const probs = Array.from({ length: 60 }, () => [0.99, 0.01]);
    const labels = probs.map((_, i) => (i % 10 < 7 ? 0 : 1));
    const cv = temperatureByCrossValidation(probs, labels, { folds: 5 });
    expect(cv.fittedTemperature).toBeGreaterThan(2);
    expect(cv.cvNllWithTemperature).toBeLessThan(cv.cvNllWithout);
    expect(cv.kept).toBe(true);
  });

  it('keeps a patient’s images in one fold, and decides nothing from a single patient', () => {
    const probs = [[0.8, 0.2], [0.7, 0.3], [0.6, 0.4]];
    const one = temperatureByCrossValidation(probs, [0, 0, 1], { patients: ['a', 'a', 'a'] });
    expect([one.kept, one.folds]).toEqual([false, 1]);
  });
});
