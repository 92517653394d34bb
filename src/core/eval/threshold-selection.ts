/**
 * Choosing a screening threshold, and saying how far to trust it. A threshold for 90% sensitivity taken from
 * 14 validation images is noise: the caller may instead pass out-of-fold predictions pooled over train +
 * validation (each image scored by a head that never trained on it), which gives many more positives. Either
 * way the choice comes with bootstrap intervals and a plain warning below 30 positives or 30 negatives.
 * Only the scores passed in are read: test images are never passed here.
 */
import { mulberry32 } from '../data/random';
import { quantileOfSorted, resolveBootstrapConfig, type BootstrapConfig } from './bootstrap';
import { OperatingPointError, thresholdForSensitivity } from './operating-point';
import type { IntervalEstimate, OutOfFoldMethod, ThresholdSelection, ThresholdSource } from './summary';

/** Below this many positives or negatives a threshold moves by whole steps with a single image. */
export const MIN_CASES_FOR_THRESHOLD = 30;

/** The images a threshold is chosen from: one score and truth per image, and optionally its patient. */
export interface ThresholdEvidence {
  scores: readonly number[];
  positives: readonly boolean[];
  /** Patient id per image: resampling then draws patients (all their images together). */
  patients?: readonly string[];
}

export interface ChooseThresholdConfig extends BootstrapConfig {
  source: ThresholdSource;
  /** How out-of-fold evidence was made, recorded with the selection. Defaults to none. */
  outOfFold?: OutOfFoldMethod;
  /** Defaults to 0.9. */
  targetSensitivity?: number;
}

/** 'chosen from 12 positives and 40 negatives: too few for a stable threshold', or null from 30 of each. */
export function fewCasesWarning(positives: number, negatives: number): string | null {
  if (positives >= MIN_CASES_FOR_THRESHOLD && negatives >= MIN_CASES_FOR_THRESHOLD) return null;
  return `chosen from ${positives} positives and ${negatives} negatives: too few for a stable threshold`;
}

/** Image indices grouped by patient (each image its own group without patient ids), in first-seen order. */
function groupsOf(evidence: ThresholdEvidence): number[][] {
  if (!evidence.patients) return evidence.scores.map((_, i) => [i]);
  if (evidence.patients.length !== evidence.scores.length) {
    throw new OperatingPointError(`${evidence.scores.length} scores but ${evidence.patients.length} patient ids.`);
  }
  const byPatient = new Map<string, number[]>();
  evidence.patients.forEach((p, i) => {
    const group = byPatient.get(p);
    if (group) group.push(i);
    else byPatient.set(p, [i]);
  });
  return [...byPatient.values()];
}

function percentileInterval(estimate: number, values: number[], confidence: number): IntervalEstimate {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { estimate, low: quantileOfSorted(sorted, tail), high: quantileOfSorted(sorted, 1 - tail) };
}

/**
 * The threshold for the target sensitivity on these images (thresholdForSensitivity), with percentile-bootstrap
 * intervals: on each resample (of patients when ids are given, else of images) the threshold is chosen again,
 * and the sensitivity and specificity it gives are measured on the images that resample left out, so the
 * intervals show where a threshold chosen from this much data lands on images it did not see. Point estimates
 * of sensitivity and specificity are those of the chosen threshold on all the images given.
 */
export function chooseThreshold(evidence: ThresholdEvidence, config: ChooseThresholdConfig): ThresholdSelection {
  const { resamples, confidence, seed } = resolveBootstrapConfig(config);
  const target = config.targetSensitivity ?? 0.9;
  const { scores, positives } = evidence;
  const chosen = thresholdForSensitivity(scores, positives, target);
  const positiveCount = positives.filter(Boolean).length;
  const negativeCount = positives.length - positiveCount;

  const groups = groupsOf(evidence);
  const random = mulberry32(seed);
  const thresholds: number[] = [];
  const sensitivities: number[] = [];
  const specificities: number[] = [];
  const inSample = new Uint8Array(scores.length);
  for (let r = 0; r < resamples; r++) {
    inSample.fill(0);
    const picked: number[] = [];
    for (let g = 0; g < groups.length; g++) {
      for (const i of groups[Math.floor(random() * groups.length)]) {
        picked.push(i);
        inSample[i] = 1;
      }
    }
    const pickedPositives = picked.map((i) => positives[i]);
    if (!pickedPositives.some(Boolean)) continue;
    const t = thresholdForSensitivity(picked.map((i) => scores[i]), pickedPositives, target).threshold;
    thresholds.push(t);
    // The rule "score >= t" (binaryAt's) on the images this resample left out, counted without copying them.
    let tp = 0, fn = 0, tn = 0, fp = 0;
    for (let i = 0; i < scores.length; i++) {
      if (inSample[i]) continue;
      const referred = scores[i] >= t;
      if (positives[i]) {
        if (referred) tp++;
        else fn++;
      } else if (referred) fp++;
      else tn++;
    }
    sensitivities.push(tp + fn === 0 ? NaN : tp / (tp + fn));
    specificities.push(tn + fp === 0 ? NaN : tn / (tn + fp));
  }
  return {
    source: config.source,
    ...(config.outOfFold ? { outOfFold: config.outOfFold } : {}),
    positives: positiveCount,
    negatives: negativeCount,
    resampled: evidence.patients ? 'patients' : 'images',
    threshold: percentileInterval(chosen.threshold, thresholds, confidence),
    sensitivity: percentileInterval(chosen.sensitivity, sensitivities, confidence),
    specificity: percentileInterval(chosen.specificity, specificities, confidence),
    warning: fewCasesWarning(positiveCount, negativeCount),
  };
}
