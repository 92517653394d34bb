import { describe, expect, it } from 'vitest';
import { expectedCalibrationError } from './calibration';
import {
  calibrationAtPrevalence, classMixForPrevalence, outcomeAtPrevalence, outcomesAtPrevalences, priorCorrect, priorCorrectBinary,
  PrevalenceError, weightedEce,
} from './prevalence';

describe('what an operating point gives at another prevalence (Bayes)', () => {
  it('PPV, NPV, referrals and missed per 1,000 match a hand computation', () => {
    // Sensitivity 90%, specificity 80%, prevalence 10%, per 1,000 screened: 100 ill, 90 referred and 10 missed;
    // 900 well, 180 referred. PPV 90/270 = 1/3, NPV 720/730, referrals 270, missed 10.
    const at10 = outcomeAtPrevalence(0.9, 0.8, 0.1);
    expect(at10.ppv).toBeCloseTo(1 / 3, 12);
    expect(at10.npv).toBeCloseTo(720 / 730, 12);
    expect(at10.referralsPer1000).toBeCloseTo(270, 9);
    expect(at10.missedPer1000).toBeCloseTo(10, 9);
    // 5%: 45 TP, 190 FP, 760 TN, 5 FN. 30%: 270 TP, 140 FP, 560 TN, 30 FN.
    const at5 = outcomeAtPrevalence(0.9, 0.8, 0.05);
    expect([at5.ppv, at5.npv, at5.referralsPer1000]).toEqual([45 / 235, 760 / 765, 235].map((v, i) => expect.closeTo(v, i < 2 ? 12 : 9)));
    const at30 = outcomeAtPrevalence(0.9, 0.8, 0.3);
    expect([at30.ppv, at30.npv, at30.referralsPer1000]).toEqual([270 / 410, 560 / 590, 410].map((v, i) => expect.closeTo(v, i < 2 ? 12 : 9)));
  });

  it('lists 5%, 10%, 30% and the validation prevalence in rising order', () => {
    const rows = outcomesAtPrevalences(0.9, 0.8, 0.2);
    expect(rows.map((r) => [r.prevalence, r.kind])).toEqual([[0.05, 'assumed'], [0.1, 'assumed'], [0.2, 'validation'], [0.3, 'assumed']]);
    expect(outcomesAtPrevalences(0.9, 0.8, NaN)).toHaveLength(3);
  });

  it('refuses a prevalence outside (0, 1) naming it', () => {
    expect(() => outcomeAtPrevalence(0.9, 0.8, 1.5)).toThrow(PrevalenceError);
    expect(() => outcomeAtPrevalence(0.9, 0.8, 0)).toThrow(/Prevalence 0 /);
  });
});

describe('prior correction of probabilities', () => {
  it('binary: the odds scale by (π′/(1−π′)) / (π/(1−π))', () => {
    // p 0.6 calibrated at 50% moved to 10%: odds 1.5 x (1/9) = 1/6, p = (1/6)/(7/6) = 1/7.
    expect(priorCorrectBinary(0.6, 0.5, 0.1)).toBeCloseTo(1 / 7, 12);
    // p 0.8 at 20% moved to 50%: odds 4 x (1 / 0.25) = 16, p = 16/17.
    expect(priorCorrectBinary(0.8, 0.2, 0.5)).toBeCloseTo(16 / 17, 12);
    expect(priorCorrectBinary(0.3, 0.25, 0.25)).toBeCloseTo(0.3, 12);
  });

  it('multiclass: reweight by target/source priors and renormalise', () => {
    // [0.5, 0.3, 0.2] with ratios [0.2/0.5, 0.4/0.25, 0.4/0.25] = [0.4, 1.6, 1.6] -> [0.2, 0.48, 0.32], sum 1.
    const [row] = priorCorrect([[0.5, 0.3, 0.2]], [0.5, 0.25, 0.25], [0.2, 0.4, 0.4]);
    expect(row.map((p) => Number(p.toFixed(12)))).toEqual([0.2, 0.48, 0.32]);
    // Two classes agree with the binary formula.
    expect(priorCorrect([[0.4, 0.6]], [0.5, 0.5], [0.9, 0.1])[0][1]).toBeCloseTo(priorCorrectBinary(0.6, 0.5, 0.1), 12);
  });

  it('sets a question’s prevalence keeping the shares within positives and within negatives', () => {
    // Positives (class 2) 0.2 -> 0.1; negatives 0.8 -> 0.9 in proportion 5:3.
    const mix = classMixForPrevalence([0.5, 0.3, 0.2], [2], 0.1);
    expect(mix.map((p) => Number(p.toFixed(12)))).toEqual([0.5625, 0.3375, 0.1]);
  });
});

describe('ECE at a prevalence', () => {
  it('weighted ECE matches a hand computation, and equals ECE with unit weights', () => {
    // Confidences 0.95 (right, weight 1), 0.85 (wrong, weight 2), 0.75 (right, weight 1), one per bin of 10:
    // (1 x 0.05 + 2 x 0.85 + 1 x 0.25) / 4 = 0.5.
    const probs = [[0.95, 0.05], [0.85, 0.15], [0.25, 0.75]];
    expect(weightedEce(probs, [0, 1, 1], [1, 2, 1], 10)).toBeCloseTo(0.5, 12);
    const random = Array.from({ length: 50 }, (_, i) => { const p = ((i * 37) % 97) / 97; return [p, 1 - p]; });
    const labels = random.map((_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    expect(weightedEce(random, labels, labels.map(() => 1), 15)).toBeCloseTo(expectedCalibrationError(random, labels, 15), 12);
  });

  it('a model calibrated at 50% is calibrated at 20% once prior-corrected, and not before', () => {
    // Three kinds of image, 100 each, with 80, 50 and 20 positives: P(positive) 0.8, 0.5, 0.2 is exact at 50% prevalence.
    const probs: number[][] = [];
    const labels: number[] = [];
    for (const [p, positives] of [[0.8, 80], [0.5, 50], [0.2, 20]] as const) {
      for (let i = 0; i < 100; i++) {
        probs.push([1 - p, p]);
        labels.push(i < positives ? 1 : 0);
      }
    }
    expect(expectedCalibrationError(probs, labels, 10)).toBeCloseTo(0, 12);
    // At 20%, positives weigh 0.4 and negatives 1.6: the true shares become 32/64, 20/100, 8/136, which are
    // exactly the prior-corrected probabilities 0.5, 0.2, 1/17.
    const at20 = calibrationAtPrevalence({ probs, labels, sourcePriors: [0.5, 0.5], positiveClasses: [1], prevalence: 0.2, bins: 10 });
    expect(at20.ece).toBeCloseTo(0, 12);
    expect(at20.eceUncorrected).toBeGreaterThan(0.1);
  });
});
