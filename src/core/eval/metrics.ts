/**
 * What a model's validation predictions say: accuracy, loss, confusion matrix, per-class sensitivity and
 * specificity, one-vs-rest ROC curves with AUC, and quadratic-weighted kappa for graded labels (the
 * metric DR grading is usually judged by). Plain numbers in, an EvalReport out; no tensors.
 */
import type { ClassReport, EvalReport, Prediction, RocCurve } from './report';

export interface EvaluationInput {
  classNames: readonly string[];
  /** Whether the classes are ordered (DR grades): then quadratic-weighted kappa is reported. */
  ordinal: boolean;
  /** True class index per image. */
  labels: readonly number[];
  /** Softmax probabilities per image, one per class. */
  probs: readonly (readonly number[])[];
  /** Image ids, in the same order. */
  ids: readonly string[];
}

/** Inputs that cannot be evaluated (a bug upstream, or an empty validation set); names the bad value. */
export class EvaluationError extends Error {
  override name = 'EvaluationError';
  constructor(message: string) {
    super(message);
  }
}

/**
 * Probabilities are clipped to [1e-7, 1 - 1e-7] before the log, as Keras does (backend epsilon 1e-7),
 * so one confidently wrong image gives a large but finite loss (-ln 1e-7 ≈ 16.1) instead of Infinity.
 */
export const LOSS_EPSILON = 1e-7;

/** Index of the largest value; the first one on ties (as numpy's argmax). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function assertClassIndex(value: number, numClasses: number, what: string): void {
  if (!(Number.isInteger(value) && value >= 0 && value < numClasses)) {
    throw new EvaluationError(`${what} ${value} is not a class index in 0..${numClasses - 1}.`);
  }
}

/** confusion[true][predicted] = number of images. */
export function confusionMatrix(trueLabels: readonly number[], predLabels: readonly number[], numClasses: number): number[][] {
  if (trueLabels.length !== predLabels.length) {
    throw new EvaluationError(`${trueLabels.length} true labels but ${predLabels.length} predictions.`);
  }
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  trueLabels.forEach((t, i) => {
    assertClassIndex(t, numClasses, 'True label');
    assertClassIndex(predLabels[i], numClasses, 'Predicted label');
    confusion[t][predLabels[i]]++;
  });
  return confusion;
}

/**
 * ROC curve of scores against binary truth. Thresholds are the distinct scores from high to low; images
 * with equal scores enter together (one diagonal step), so the area under the curve by the trapezoid rule
 * equals the Mann-Whitney statistic: the chance that a random positive scores above a random negative,
 * ties counting one half (as sklearn's roc_auc_score). Starts at (0, 0), ends at (1, 1).
 * Throws when there are no positives or no negatives (the curve is undefined).
 */
export function rocCurve(scores: readonly number[], positives: readonly boolean[]): RocCurve {
  if (scores.length !== positives.length) {
    throw new EvaluationError(`${scores.length} scores but ${positives.length} truth values.`);
  }
  const bad = scores.find((s) => !Number.isFinite(s));
  if (bad !== undefined) throw new EvaluationError(`Score ${bad} is not a finite number.`);
  const totalPos = positives.filter(Boolean).length;
  const totalNeg = positives.length - totalPos;
  if (totalPos === 0 || totalNeg === 0) {
    throw new EvaluationError(`A ROC curve needs positives and negatives; got ${totalPos} positives and ${totalNeg} negatives.`);
  }

  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  for (let k = 0; k < order.length; ) {
    const score = scores[order[k]];
    for (; k < order.length && scores[order[k]] === score; k++) {
      if (positives[order[k]]) tp++;
      else fp++;
    }
    const x = fp / totalNeg;
    const y = tp / totalPos;
    auc += ((x - fpr[fpr.length - 1]) * (y + tpr[tpr.length - 1])) / 2;
    fpr.push(x);
    tpr.push(y);
  }
  return { fpr, tpr, auc };
}

/**
 * Cohen's kappa with quadratic weights w[i][j] = (i - j)^2 / (K - 1)^2 (sklearn's cohen_kappa_score with
 * weights='quadratic'): 1 - sum(w * observed) / sum(w * expected), expected being the outer product of the
 * true and predicted class frequencies. 1 is perfect agreement, 0 chance level, negative worse than chance.
 *
 * Degenerate case: when expected disagreement is 0 (every true label and every prediction is the same
 * single class) the ratio is 0/0 (sklearn returns NaN); we return 1 if observed disagreement is 0 too,
 * which is then always the case (agreement on the only class present), else 0.
 */
export function quadraticWeightedKappa(trueLabels: readonly number[], predLabels: readonly number[], numClasses: number): number {
  const observed = confusionMatrix(trueLabels, predLabels, numClasses);
  const n = trueLabels.length;
  if (n === 0) throw new EvaluationError('Kappa needs at least one image; got none.');
  const trueTotals = observed.map((row) => row.reduce((a, b) => a + b, 0));
  const predTotals = observed[0].map((_, j) => observed.reduce((sum, row) => sum + row[j], 0));
  // The 1 / (K - 1)^2 normalisation cancels in the ratio, so plain (i - j)^2 serves (and K = 1 needs no care).
  let observedDisagreement = 0;
  let expectedDisagreement = 0;
  for (let i = 0; i < numClasses; i++) {
    for (let j = 0; j < numClasses; j++) {
      const w = (i - j) ** 2;
      observedDisagreement += w * observed[i][j];
      expectedDisagreement += (w * trueTotals[i] * predTotals[j]) / n;
    }
  }
  if (expectedDisagreement === 0) return observedDisagreement === 0 ? 1 : 0;
  return 1 - observedDisagreement / expectedDisagreement;
}

/** TP / (TP + FN) and TN / (TN + FP) of one class against all others; NaN when the denominator is 0. */
function oneVsRest(confusion: readonly number[][], c: number): { sensitivity: number; specificity: number; support: number } {
  const n = confusion.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  const support = confusion[c].reduce((a, b) => a + b, 0);
  const tp = confusion[c][c];
  const predictedC = confusion.reduce((sum, row) => sum + row[c], 0);
  const fp = predictedC - tp;
  const negatives = n - support;
  return {
    support,
    sensitivity: support === 0 ? NaN : tp / support,
    specificity: negatives === 0 ? NaN : (negatives - fp) / negatives,
  };
}

/**
 * The full report on a validation set. Predicted class = argmax of the probabilities (lowest index on
 * ties). Loss = mean cross-entropy -ln p[true], p clipped by LOSS_EPSILON. macroAuc: for two classes the
 * AUC of class 1 (the positive class, e.g. "Referable"); otherwise the mean of the per-class one-vs-rest
 * AUCs that exist (NaN when none does). Throws EvaluationError on empty or inconsistent input.
 */
export function evaluate(input: EvaluationInput): EvalReport {
  const { classNames, ordinal, labels, probs, ids } = input;
  const k = classNames.length;
  const n = labels.length;
  if (k < 1) throw new EvaluationError('Evaluation needs at least one class name; got none.');
  if (n === 0) throw new EvaluationError('There are no validation images to evaluate.');
  if (probs.length !== n || ids.length !== n) {
    throw new EvaluationError(`Evaluation got ${n} labels, ${probs.length} probability rows and ${ids.length} ids; they must match.`);
  }
  probs.forEach((row, i) => {
    if (row.length !== k) throw new EvaluationError(`Image "${ids[i]}" has ${row.length} probabilities for ${k} classes.`);
    const bad = row.find((p) => !Number.isFinite(p));
    if (bad !== undefined) throw new EvaluationError(`Image "${ids[i]}" has probability ${bad}, not a finite number.`);
  });

  const predicted = probs.map(argmax);
  const confusion = confusionMatrix(labels, predicted, k);
  const correct = predicted.filter((p, i) => p === labels[i]).length;

  let lossSum = 0;
  labels.forEach((t, i) => {
    const p = Math.min(Math.max(probs[i][t], LOSS_EPSILON), 1 - LOSS_EPSILON);
    lossSum -= Math.log(p);
  });

  const perClass: ClassReport[] = classNames.map((name, c) => {
    const { support, sensitivity, specificity } = oneVsRest(confusion, c);
    const report: ClassReport = { name, support, sensitivity, specificity };
    if (support > 0 && support < n) {
      report.roc = rocCurve(probs.map((row) => row[c]), labels.map((t) => t === c));
    }
    return report;
  });

  const aucs = perClass.flatMap((r) => (r.roc ? [r.roc.auc] : []));
  const macroAuc = k === 2 ? (perClass[1].roc?.auc ?? NaN) : aucs.length > 0 ? aucs.reduce((a, b) => a + b, 0) / aucs.length : NaN;

  const predictions: Prediction[] = labels.map((t, i) => ({
    id: ids[i], trueClass: t, predictedClass: predicted[i], probs: [...probs[i]],
  }));

  const report: EvalReport = {
    classNames: [...classNames],
    count: n,
    accuracy: correct / n,
    loss: lossSum / n,
    confusion,
    perClass,
    macroAuc,
    predictions,
  };
  if (ordinal) report.quadraticKappa = quadraticWeightedKappa(labels, predicted, k);
  return report;
}
