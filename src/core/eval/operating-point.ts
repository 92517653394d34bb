/**
 * Operating points of a binary screening model (score = probability of the referable class): a screening
 * programme fixes the sensitivity it needs (missing referable DR is the costly error) and lives with the
 * specificity that follows, so the threshold is chosen for a sensitivity, not left at 0.5.
 */

export interface BinaryOutcome {
  /** TP / (TP + FN); NaN when there are no positives. */
  sensitivity: number;
  /** TN / (TN + FP); NaN when there are no negatives. */
  specificity: number;
  /** Positive predictive value TP / (TP + FP); NaN when nothing is called positive. */
  ppv: number;
  /** Negative predictive value TN / (TN + FN); NaN when nothing is called negative. */
  npv: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface OperatingPoint {
  /** Images with score >= threshold are called positive (referred). */
  threshold: number;
  sensitivity: number;
  specificity: number;
}

/** Scores and truth that cannot give an operating point; names the bad value. */
export class OperatingPointError extends Error {
  override name = 'OperatingPointError';
  constructor(message: string) {
    super(message);
  }
}

function assertScores(scores: readonly number[], positives: readonly boolean[]): void {
  if (scores.length !== positives.length) {
    throw new OperatingPointError(`${scores.length} scores but ${positives.length} truth values.`);
  }
  const bad = scores.find((s) => !Number.isFinite(s));
  if (bad !== undefined) throw new OperatingPointError(`Score ${bad} is not a finite number.`);
}

/** The 2x2 table and its rates when every image with score >= threshold is called positive. */
export function binaryAt(scores: readonly number[], positives: readonly boolean[], threshold: number): BinaryOutcome {
  assertScores(scores, positives);
  if (Number.isNaN(threshold)) throw new OperatingPointError('Threshold NaN is not a number.');
  let tp = 0, fp = 0, tn = 0, fn = 0;
  scores.forEach((score, i) => {
    const calledPositive = score >= threshold;
    if (positives[i]) {
      if (calledPositive) tp++;
      else fn++;
    } else if (calledPositive) fp++;
    else tn++;
  });
  const ratio = (a: number, b: number) => (a + b === 0 ? NaN : a / (a + b));
  return { sensitivity: ratio(tp, fn), specificity: ratio(tn, fp), ppv: ratio(tp, fp), npv: ratio(tn, fn), tp, fp, tn, fn };
}

/**
 * The highest threshold t whose rule "score >= t" reaches targetSensitivity on these images, with the
 * sensitivity and specificity achieved there. Sensitivity only drops as t rises, and only changes at a
 * positive's score, so t is the k-th highest positive score, k = ceil(target x positives); images tied at
 * t are all called positive, so the achieved sensitivity can exceed the target. Specificity is NaN when
 * there are no negatives. Throws OperatingPointError for a target outside (0, 1] or no positives.
 */
export function thresholdForSensitivity(
  scores: readonly number[],
  positives: readonly boolean[],
  targetSensitivity = 0.9,
): OperatingPoint {
  assertScores(scores, positives);
  if (!(targetSensitivity > 0 && targetSensitivity <= 1)) {
    throw new OperatingPointError(`Target sensitivity ${targetSensitivity} is not in (0, 1]; e.g. 0.9.`);
  }
  const positiveScores = scores.filter((_, i) => positives[i]).sort((a, b) => b - a);
  if (positiveScores.length === 0) {
    throw new OperatingPointError('A sensitivity needs positive images; there are none among these scores.');
  }
  // The small slack keeps 0.7 x 10 = 7.000000000000001 from asking for 8 positives.
  const needed = Math.max(1, Math.ceil(targetSensitivity * positiveScores.length - 1e-9));
  const threshold = positiveScores[needed - 1];
  const { sensitivity, specificity } = binaryAt(scores, positives, threshold);
  return { threshold, sensitivity, specificity };
}
