import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random';
import {
  argmax, confusionMatrix, evaluate, EvaluationError, LOSS_EPSILON, quadraticWeightedKappa, rocCurve,
} from './metrics';

/** Pairwise Mann-Whitney AUC, ties counted half: the definition the trapezoid AUC must equal. */
function mannWhitneyAuc(scores: number[], positives: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((p, i) => {
    if (!positives[i]) return;
    scores.forEach((q, j) => {
      if (positives[j]) return;
      pairs++;
      wins += p > q ? 1 : p === q ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('argmax', () => {
  it('picks the largest, the first on ties', () => {
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(argmax([0.4, 0.4, 0.2])).toBe(0);
  });
});

describe('confusion matrix', () => {
  it('counts confusion[true][predicted]', () => {
    expect(confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1], 3)).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 1],
    ]);
  });

  it('keeps rows and columns for classes that never occur', () => {
    expect(confusionMatrix([0], [0], 3)).toEqual([[1, 0, 0], [0, 0, 0], [0, 0, 0]]);
  });

  it('refuses labels outside the classes and mismatched lengths', () => {
    expect(() => confusionMatrix([3], [0], 3)).toThrow('True label 3 is not a class index in 0..2.');
    expect(() => confusionMatrix([0], [1.5], 3)).toThrow(EvaluationError);
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow('2 true labels but 1 predictions.');
  });
});

describe('ROC curve and AUC', () => {
  it("matches sklearn's documented example", () => {
    // sklearn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75, and roc_curve gives
    // fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1]. By hand: of the 4 positive-negative pairs only
    // (0.35 vs 0.4) is ordered wrongly, so AUC = 3/4.
    const roc = rocCurve([0.1, 0.4, 0.35, 0.8], [false, false, true, true]);
    expect(roc.auc).toBeCloseTo(0.75, 12);
    expect(roc.fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(roc.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
  });

  it('enters equal scores together, one diagonal step, counting ties half', () => {
    // Scores 0.9(P) 0.6(P) 0.6(N) 0.2(N). Pairs: 0.9>0.6 1, 0.9>0.2 1, 0.6=0.6 1/2, 0.6>0.2 1: AUC = 3.5/4.
    // Curve: (0,0) -> (0,0.5) after 0.9 -> (0.5,1) after both 0.6s -> (1,1); trapezoids 0 + 0.375 + 0.5.
    const roc = rocCurve([0.9, 0.6, 0.6, 0.2], [true, true, false, false]);
    expect(roc.fpr).toEqual([0, 0, 0.5, 1]);
    expect(roc.tpr).toEqual([0, 0.5, 1, 1]);
    expect(roc.auc).toBeCloseTo(0.875, 12);
  });

  it('gives 0.5 when every score is the same (one step from (0,0) to (1,1))', () => {
    const roc = rocCurve([0.5, 0.5, 0.5, 0.5], [false, true, false, true]);
    expect(roc.fpr).toEqual([0, 1]);
    expect(roc.tpr).toEqual([0, 1]);
    expect(roc.auc).toBe(0.5);
  });

  it('gives 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocCurve([0.9, 0.8, 0.2, 0.1], [true, true, false, false]).auc).toBe(1);
    expect(rocCurve([0.1, 0.2, 0.8, 0.9], [true, true, false, false]).auc).toBe(0);
  });

  it('equals the Mann-Whitney statistic on random scores with many ties', () => {
    const random = mulberry32(2024);
    for (let trial = 0; trial < 50; trial++) {
      const n = 5 + Math.floor(random() * 60);
      // Scores rounded to tenths so that ties are common.
      const scores = Array.from({ length: n }, () => Math.round(random() * 10) / 10);
      const positives = Array.from({ length: n }, () => random() < 0.4);
      positives[0] = true;
      positives[1] = false;
      expect(rocCurve(scores, positives).auc, `trial ${trial}`).toBeCloseTo(mannWhitneyAuc(scores, positives), 12);
    }
  });

  it('runs from (0,0) to (1,1) with rates that never decrease', () => {
    const random = mulberry32(7);
    const scores = Array.from({ length: 200 }, () => random());
    const positives = scores.map((s) => random() < s);
    const { fpr, tpr } = rocCurve(scores, positives);
    expect([fpr[0], tpr[0], fpr.at(-1), tpr.at(-1)]).toEqual([0, 0, 1, 1]);
    for (let i = 1; i < fpr.length; i++) {
      expect(fpr[i]).toBeGreaterThanOrEqual(fpr[i - 1]);
      expect(tpr[i]).toBeGreaterThanOrEqual(tpr[i - 1]);
    }
  });

  it('refuses scores without positives or without negatives', () => {
    expect(() => rocCurve([0.1, 0.2], [false, false])).toThrow('got 0 positives and 2 negatives');
    expect(() => rocCurve([0.1, 0.2], [true, true])).toThrow(EvaluationError);
  });

  it('refuses scores that are not finite numbers', () => {
    expect(() => rocCurve([0.1, NaN], [true, false])).toThrow('Score NaN is not a finite number.');
  });
});

describe('quadratic-weighted kappa', () => {
  it("matches cohen_kappa_score([0,1,2,2], [0,2,2,1], weights='quadratic') = 7/11", () => {
    // By hand, K = 3. Observed O = [[1,0,0],[0,0,1],[0,1,1]]; true totals (1,1,2), predicted totals (1,1,2), N = 4.
    // Expected E = outer(true, pred) / 4 = [[1,1,2],[1,1,2],[2,2,4]] / 4. Weights (i-j)^2 = [[0,1,4],[1,0,1],[4,1,0]]
    // (the 1/(K-1)^2 factor cancels). sum(w*O) = 1 + 1 = 2; sum(w*E) = (1 + 8 + 1 + 2 + 8 + 2) / 4 = 5.5.
    // kappa = 1 - 2 / 5.5 = 7/11 ≈ 0.6364.
    expect(quadraticWeightedKappa([0, 1, 2, 2], [0, 2, 2, 1], 3)).toBeCloseTo(7 / 11, 12);
  });

  it('is 1 for perfect agreement', () => {
    expect(quadraticWeightedKappa([0, 1, 2, 3, 4, 2], [0, 1, 2, 3, 4, 2], 5)).toBe(1);
  });

  it('is -1 for two classes swapped', () => {
    // O = [[0,1],[1,0]], E = [[.5,.5],[.5,.5]], w off-diagonal 1: 1 - 2 / 1 = -1.
    expect(quadraticWeightedKappa([0, 1], [1, 0], 2)).toBe(-1);
  });

  it('punishes a two-grade miss more than two one-grade misses would (quadratic weights)', () => {
    const oneOff = quadraticWeightedKappa([0, 1, 2, 3, 4, 0, 4], [1, 1, 2, 3, 4, 0, 3], 5);
    const twoOff = quadraticWeightedKappa([0, 1, 2, 3, 4, 0, 4], [2, 1, 2, 3, 4, 0, 4], 5);
    expect(twoOff).toBeLessThan(oneOff);
  });

  it('is unchanged by classes that no image has or gets', () => {
    expect(quadraticWeightedKappa([0, 1, 2, 2], [0, 2, 2, 1], 5)).toBeCloseTo(7 / 11, 12);
  });

  it('is 1, not 0/0, when every label and prediction is the same class (no expected disagreement)', () => {
    // sklearn returns NaN here; agreement on the only class present is perfect agreement.
    expect(quadraticWeightedKappa([2, 2, 2], [2, 2, 2], 5)).toBe(1);
    expect(quadraticWeightedKappa([0], [0], 1)).toBe(1);
  });

  it('refuses an empty set', () => {
    expect(() => quadraticWeightedKappa([], [], 3)).toThrow(EvaluationError);
  });
});

describe('evaluation report', () => {
  // Three classes, six images. Predictions (argmax): 0 1 1 2 2 2 against truth 0 0 1 1 2 2.
  const input = {
    classNames: ['No DR', 'Moderate', 'Proliferative DR'],
    ordinal: true,
    labels: [0, 0, 1, 1, 2, 2],
    probs: [
      [0.7, 0.2, 0.1],
      [0.4, 0.5, 0.1],
      [0.1, 0.8, 0.1],
      [0.3, 0.3, 0.4],
      [0.2, 0.2, 0.6],
      [0.0, 0.1, 0.9],
    ],
    ids: ['a', 'b', 'c', 'd', 'e', 'f'],
  };
  const report = evaluate(input);

  it('counts images, accuracy and the confusion matrix', () => {
    expect(report.count).toBe(6);
    expect(report.classNames).toEqual(input.classNames);
    expect(report.accuracy).toBeCloseTo(4 / 6, 12); // a, c, e, f right; b (0->1) and d (1->2) wrong
    expect(report.confusion).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
  });

  it('reports the mean cross-entropy of the true-class probabilities', () => {
    // -mean(ln p[true]) = -(ln 0.7 + ln 0.4 + ln 0.8 + ln 0.3 + ln 0.6 + ln 0.9) / 6
    //   = (0.3566749 + 0.9162907 + 0.2231436 + 1.2039728 + 0.5108256 + 0.1053605) / 6 = 3.3162681 / 6 ≈ 0.5527114
    expect(report.loss).toBeCloseTo(0.5527114, 7);
  });

  it('reports sensitivity and specificity of each class against the rest', () => {
    // No DR: TP 1 of 2; no other image predicted No DR -> spec 4/4.
    // Moderate: TP 1 of 2; b predicted Moderate wrongly -> spec 3/4.
    // Proliferative: TP 2 of 2; d predicted Proliferative wrongly -> spec 3/4.
    expect(report.perClass.map((c) => [c.name, c.support, c.sensitivity, c.specificity])).toEqual([
      ['No DR', 2, 0.5, 1],
      ['Moderate', 2, 0.5, 0.75],
      ['Proliferative DR', 2, 1, 0.75],
    ]);
  });

  it('reports a one-vs-rest ROC per class and their mean AUC', () => {
    // No DR: positives score 0.7, 0.4, negatives 0.1 0.3 0.2 0.0 -> every pair right, AUC 1.
    // Moderate: positives 0.8, 0.3; negatives 0.2 0.5 0.2 0.1 -> 4 + 3 of 8 pairs right, AUC 7/8.
    // Proliferative: positives 0.6, 0.9; negatives 0.1 0.1 0.1 0.4 -> AUC 1. Mean (1 + 0.875 + 1) / 3.
    expect(report.perClass.map((c) => c.roc?.auc)).toEqual([1, 0.875, 1]);
    expect(report.macroAuc).toBeCloseTo(2.875 / 3, 12);
  });

  it('reports quadratic-weighted kappa for ordered classes', () => {
    // O = [[1,1,0],[0,1,1],[0,0,2]], true totals (2,2,2), predicted totals (1,2,3), N = 6. sum(w*O) = 2.
    // sum(w*E) = (2/6) * sum_j pred_j * (column sums of w: 5, 2, 5) = (1/3)(5 + 4 + 15) = 8. kappa = 1 - 2/8.
    expect(report.quadraticKappa).toBeCloseTo(0.75, 12);
  });

  it('leaves kappa out for unordered classes', () => {
    expect(evaluate({ ...input, ordinal: false })).not.toHaveProperty('quadraticKappa');
  });

  it('lists every prediction with its id, classes and probabilities', () => {
    expect(report.predictions[1]).toEqual({ id: 'b', trueClass: 0, predictedClass: 1, probs: [0.4, 0.5, 0.1] });
    expect(report.predictions.map((p) => p.predictedClass)).toEqual([0, 1, 1, 2, 2, 2]);
  });

  it('uses the positive class (index 1) AUC as the macro AUC for two classes', () => {
    // Class 1 scores 0.1 0.4 0.35 0.8 against truth 0 0 1 1: the sklearn example, AUC 0.75.
    const binary = evaluate({
      classNames: ['Non-referable', 'Referable'], ordinal: true,
      labels: [0, 0, 1, 1],
      probs: [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]],
      ids: ['1', '2', '3', '4'],
    });
    expect(binary.perClass[1].roc?.auc).toBeCloseTo(0.75, 12);
    expect(binary.macroAuc).toBeCloseTo(0.75, 12);
    expect(binary.accuracy).toBe(0.75);
  });

  it('leaves out the ROC of a class absent from the validation set, and its AUC from the mean', () => {
    const r = evaluate({
      classNames: ['a', 'b', 'c'], ordinal: false,
      labels: [0, 0, 1, 1],
      probs: [[0.8, 0.1, 0.1], [0.5, 0.4, 0.1], [0.3, 0.6, 0.1], [0.2, 0.3, 0.5]],
      ids: ['1', '2', '3', '4'],
    });
    expect(r.perClass[2].support).toBe(0);
    expect(r.perClass[2].sensitivity).toBeNaN();
    expect(r.perClass[2].specificity).toBe(0.75); // image 4 predicted c wrongly: TN 3 of 4
    expect(r.perClass[2].roc).toBeUndefined();
    // a: positives 0.8, 0.5 over negatives 0.3, 0.2 -> AUC 1. b: positives 0.6, 0.3 over negatives 0.1, 0.4
    // -> 0.6 beats both, 0.3 beats 0.1 only: 3/4. Mean of the two that exist: 0.875.
    expect(r.perClass.map((c) => c.roc?.auc)).toEqual([1, 0.75, undefined]);
    expect(r.macroAuc).toBe(0.875);
  });

  it('gives NaN macro AUC for two classes when the positive class is absent', () => {
    const r = evaluate({ classNames: ['a', 'b'], ordinal: false, labels: [0, 0], probs: [[0.9, 0.1], [0.2, 0.8]], ids: ['1', '2'] });
    expect(r.macroAuc).toBeNaN();
    expect(r.perClass[1].sensitivity).toBeNaN();
  });

  it('clips probabilities at 1e-7 so a confident mistake costs about 16.1, not Infinity', () => {
    const r = evaluate({ classNames: ['a', 'b'], ordinal: false, labels: [0, 1], probs: [[0, 1], [0, 1]], ids: ['1', '2'] });
    // (-ln 1e-7 - ln(1 - 1e-7)) / 2 = (16.1181 + 1e-7) / 2
    expect(r.loss).toBeCloseTo((-Math.log(LOSS_EPSILON) - Math.log(1 - LOSS_EPSILON)) / 2, 12);
    expect(r.loss).toBeCloseTo(8.0590, 4);
  });

  it('refuses empty or inconsistent input, saying what is wrong', () => {
    const base = { classNames: ['a', 'b'], ordinal: false, labels: [0, 1], probs: [[0.9, 0.1], [0.2, 0.8]], ids: ['1', '2'] };
    expect(() => evaluate({ ...base, labels: [], probs: [], ids: [] })).toThrow('There are no validation images to evaluate.');
    expect(() => evaluate({ ...base, ids: ['1'] })).toThrow('2 labels, 2 probability rows and 1 ids');
    expect(() => evaluate({ ...base, probs: [[0.9, 0.1], [1]] })).toThrow('Image "2" has 1 probabilities for 2 classes.');
    expect(() => evaluate({ ...base, probs: [[0.9, 0.1], [NaN, 0.5]] })).toThrow('Image "2" has probability NaN');
    expect(() => evaluate({ ...base, labels: [0, 2] })).toThrow('True label 2 is not a class index in 0..1.');
    expect(() => evaluate({ ...base, classNames: [], probs: [[], []] })).toThrow(EvaluationError);
  });
});
