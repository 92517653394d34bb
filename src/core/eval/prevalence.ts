/**
 * Numbers that travel to a population with another prevalence. Sensitivity and specificity belong to the test,
 * not the population, so PPV, NPV and referrals at any prevalence follow from them by Bayes. Probabilities do
 * depend on the class mix they were calibrated on: prior correction (Saerens et al. 2002, "Adjusting the outputs
 * of a classifier to new a priori probabilities") moves them to a target mix, and ECE there is measured on the
 * scored set reweighted to that mix. Pure functions: the worker, the evaluate command and the Evaluate screen
 * call the same ones.
 */
import { applyTemperature, confidenceBin } from './calibration';
import { argmax } from './metrics';
import type { PrevalenceOutcome } from './summary';

/** A prevalence or class mix that cannot be used; names the bad value. */
export class PrevalenceError extends Error {
  override name = 'PrevalenceError';
  constructor(message: string) {
    super(message);
  }
}

/** The screening scenarios every report shows besides the validation set's own prevalence. */
export const ASSUMED_PREVALENCES = [0.05, 0.1, 0.3] as const;

function assertPrevalence(prevalence: number, what = 'Prevalence'): void {
  if (!(prevalence > 0 && prevalence < 1)) throw new PrevalenceError(`${what} ${prevalence} is not a share strictly between 0 and 1; e.g. 0.1 for 10%.`);
}

/**
 * PPV = se·π / (se·π + (1 − sp)(1 − π)), NPV = sp(1 − π) / (sp(1 − π) + (1 − se)π), referrals per 1,000 =
 * 1000 (se·π + (1 − sp)(1 − π)), missed per 1,000 = 1000 (1 − se)π. NaN where a ratio's denominator is 0.
 */
export function outcomeAtPrevalence(
  sensitivity: number, specificity: number, prevalence: number, kind: PrevalenceOutcome['kind'] = 'assumed',
): PrevalenceOutcome {
  assertPrevalence(prevalence);
  const truePositive = sensitivity * prevalence;
  const falsePositive = (1 - specificity) * (1 - prevalence);
  const trueNegative = specificity * (1 - prevalence);
  const falseNegative = (1 - sensitivity) * prevalence;
  const ratio = (a: number, b: number) => (a + b === 0 ? NaN : a / (a + b));
  return {
    prevalence, kind,
    ppv: ratio(truePositive, falsePositive),
    npv: ratio(trueNegative, falseNegative),
    referralsPer1000: 1000 * (truePositive + falsePositive),
    missedPer1000: 1000 * falseNegative,
  };
}

/** The assumed scenarios (5%, 10%, 30%) and, when it is a usable share, the validation prevalence, in rising order. */
export function outcomesAtPrevalences(sensitivity: number, specificity: number, validationPrevalence: number): PrevalenceOutcome[] {
  const rows = ASSUMED_PREVALENCES.map((p) => outcomeAtPrevalence(sensitivity, specificity, p, 'assumed'));
  if (validationPrevalence > 0 && validationPrevalence < 1) {
    rows.push(outcomeAtPrevalence(sensitivity, specificity, validationPrevalence, 'validation'));
  }
  return rows.sort((a, b) => a.prevalence - b.prevalence);
}

/** Each class's share of these labels. */
export function classPriors(labels: readonly number[], classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const t of labels) counts[t]++;
  return counts.map((c) => (labels.length === 0 ? NaN : c / labels.length));
}

function assertMix(mix: readonly number[], what: string): void {
  const sum = mix.reduce((a, b) => a + b, 0);
  if (mix.some((p) => !(p >= 0)) || Math.abs(sum - 1) > 1e-6) {
    throw new PrevalenceError(`${what} [${mix.join(', ')}] is not a class mix (shares of at least 0 that sum to 1).`);
  }
}

/**
 * Prior correction of one binary probability: the odds are multiplied by (π'/(1 − π')) / (π/(1 − π)), π the
 * prevalence the probability was calibrated for, π' the target.
 */
export function priorCorrectBinary(probability: number, sourcePrevalence: number, targetPrevalence: number): number {
  assertPrevalence(sourcePrevalence, 'Source prevalence');
  assertPrevalence(targetPrevalence, 'Target prevalence');
  if (probability <= 0 || probability >= 1) return probability;
  const scale = (targetPrevalence / (1 - targetPrevalence)) / (sourcePrevalence / (1 - sourcePrevalence));
  const odds = (probability / (1 - probability)) * scale;
  return odds / (1 + odds);
}

/**
 * Prior correction of class probabilities: each p_c multiplied by target_c / source_c, then renormalised (for
 * two classes this is priorCorrectBinary). A class absent from the source mix keeps probability 0.
 */
export function priorCorrect(probs: readonly (readonly number[])[], sourcePriors: readonly number[], targetPriors: readonly number[]): number[][] {
  assertMix(sourcePriors, 'Source class mix');
  assertMix(targetPriors, 'Target class mix');
  if (sourcePriors.length !== targetPriors.length) {
    throw new PrevalenceError(`Source class mix has ${sourcePriors.length} classes, target ${targetPriors.length}.`);
  }
  const ratio = sourcePriors.map((s, c) => (s === 0 ? 0 : targetPriors[c] / s));
  return probs.map((row) => {
    const scaled = row.map((p, c) => p * ratio[c]);
    const sum = scaled.reduce((a, b) => a + b, 0);
    return sum === 0 ? [...row] : scaled.map((p) => p / sum);
  });
}

/**
 * The class mix with a screening question's prevalence set to `prevalence`, the positive classes keeping their
 * shares among themselves and the negative classes theirs (e.g. referable DR at 10%: grades 2-4 share 10% in
 * their validation proportions, grades 0-1 share 90%).
 */
export function classMixForPrevalence(sourcePriors: readonly number[], positiveClasses: readonly number[], prevalence: number): number[] {
  assertPrevalence(prevalence);
  const isPositive = (c: number) => positiveClasses.includes(c);
  const positiveShare = sourcePriors.reduce((s, p, c) => (isPositive(c) ? s + p : s), 0);
  const negativeShare = 1 - positiveShare;
  if (!(positiveShare > 0 && negativeShare > 0)) {
    throw new PrevalenceError(`The source class mix has ${positiveShare} positives: a prevalence cannot be moved without both kinds.`);
  }
  return sourcePriors.map((p, c) => (isPositive(c) ? (p / positiveShare) * prevalence : (p / negativeShare) * (1 - prevalence)));
}

/** Top-label bins as reliabilityBins (calibration.ts): each (lower, upper], each image counting with its weight. */
function weightedBins(probs: readonly (readonly number[])[], labels: readonly number[], weights: readonly number[], bins: number) {
  const weight = new Array<number>(bins).fill(0);
  const confidenceSum = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  probs.forEach((row, i) => {
    const top = argmax(row);
    const confidence = row[top];
    const bin = confidenceBin(confidence, bins);
    weight[bin] += weights[i];
    confidenceSum[bin] += weights[i] * confidence;
    if (top === labels[i]) correct[bin] += weights[i];
  });
  return { weight, confidenceSum, correct };
}

/** ECE with per-image weights: the sum over bins of (bin weight / total weight) x |accuracy − confidence|. */
export function weightedEce(probs: readonly (readonly number[])[], labels: readonly number[], weights: readonly number[], bins = 15): number {
  if (probs.length !== labels.length || labels.length !== weights.length) {
    throw new PrevalenceError(`${probs.length} probability rows, ${labels.length} labels and ${weights.length} weights; they must match.`);
  }
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return NaN;
  const { weight, confidenceSum, correct } = weightedBins(probs, labels, weights, bins);
  return weight.reduce((ece, w, i) => (w > 0 ? ece + (w / total) * Math.abs(correct[i] / w - confidenceSum[i] / w) : ece), 0);
}

/**
 * Importance weights that make a scored set look like a population with class mix `target`: each image of
 * class c weighs target_c / (share of c in the set). A class absent from the set weighs 0 (it cannot be
 * represented; the caller's ECE is then over the classes present).
 */
export function importanceWeights(labels: readonly number[], target: readonly number[]): number[] {
  const setMix = classPriors(labels, target.length);
  return labels.map((t) => (setMix[t] > 0 ? target[t] / setMix[t] : 0));
}

export interface CalibrationAtPrevalenceInput {
  /** The scored set's probabilities, after temperature scaling when it was kept. */
  probs: readonly (readonly number[])[];
  labels: readonly number[];
  /** The class mix the probabilities are calibrated for: the validation set's. */
  sourcePriors: readonly number[];
  positiveClasses: readonly number[];
  prevalence: number;
  bins?: number;
}

/**
 * ECE where the screening question has prevalence `prevalence`. Both halves of a population shift are applied:
 * the probabilities are prior-corrected from the validation mix to the target mix, and the set is reweighted
 * to that mix with per-class importance weights (so ECE is what it would be on a population of that
 * prevalence, not on this set's mix). `eceUncorrected` is the reweighted ECE of the probabilities as they are.
 */
export function calibrationAtPrevalence(input: CalibrationAtPrevalenceInput): { ece: number; eceUncorrected: number } {
  const bins = input.bins ?? 15;
  const target = classMixForPrevalence(input.sourcePriors, input.positiveClasses, input.prevalence);
  const weights = importanceWeights(input.labels, target);
  const corrected = priorCorrect(input.probs, input.sourcePriors, target);
  return {
    ece: weightedEce(corrected, input.labels, weights, bins),
    eceUncorrected: weightedEce(input.probs, input.labels, weights, bins),
  };
}

/**
 * ECE at a prevalence for a scored set as the studio holds it: raw probabilities (before temperature), the set's
 * calibration (temperature applied, validation class mix) and the screening question's positive classes. Null
 * when the calibration does not record the validation mix (an older package) or the mix lacks either kind.
 */
export function calibrationOfSetAtPrevalence(
  set: { probs: readonly (readonly number[])[]; labels: readonly number[] },
  calibration: { temperature: number; validationPrevalence?: number[] },
  positiveClasses: readonly number[],
  prevalence: number,
  bins = 15,
): { ece: number; eceUncorrected: number } | null {
  const sourcePriors = calibration.validationPrevalence;
  if (!sourcePriors || set.probs.length === 0) return null;
  const positiveShare = sourcePriors.reduce((s, p, c) => (positiveClasses.includes(c) ? s + p : s), 0);
  if (!(positiveShare > 0 && positiveShare < 1)) return null;
  return calibrationAtPrevalence({
    probs: applyTemperature(set.probs, calibration.temperature), labels: set.labels, sourcePriors, positiveClasses, prevalence, bins,
  });
}
