/**
 * From a trained model's validation and test probabilities to the figures a screening model is judged by
 * (summary.ts): bootstrap intervals on every headline number, yes/no screening questions read from the class
 * probabilities (referable DR, any DR), an operating point chosen on validation for a target sensitivity and
 * then applied unchanged to the test set, and temperature scaling fitted on validation. Validation chooses,
 * test reports: nothing here looks at test labels to choose anything.
 */
import type { LabelPresetId } from '../data/presets';
import { bootstrapInterval } from './bootstrap';
import {
  applyTemperature, expectedCalibrationError, fitTemperature, meanNll, reliabilityBins,
} from './calibration';
import { argmax, confusionMatrix, evaluate, quadraticWeightedKappa, rocCurve } from './metrics';
import { binaryAt, thresholdForSensitivity } from './operating-point';
import type { EvalReport } from './report';
import type {
  BinaryTaskSummary, CalibrationSummary, EvaluationSummary, IntervalEstimate, OperatingPoint, SetSummary,
} from './summary';

/** Labels and probabilities of one set, in the same order. */
export interface ScoredSet {
  labels: readonly number[];
  probs: readonly (readonly number[])[];
}

/** A report's labels and probabilities as a ScoredSet (the report's predictions, in order). */
export function scoredSet(report: Pick<EvalReport, 'predictions'>): ScoredSet {
  return { labels: report.predictions.map((p) => p.trueClass), probs: report.predictions.map((p) => p.probs) };
}

/** A yes/no question: positive when the true class is one of `positiveClasses` (class indices). */
export interface BinaryTask {
  id: string;
  title: string;
  positiveClasses: number[];
}

export interface SummariseOptions {
  classNames: readonly string[];
  ordinal: boolean;
  binaryTasks: readonly BinaryTask[];
  /** Sensitivity the operating point must reach on validation. Defaults to 0.9. */
  targetSensitivity?: number;
  /** Defaults to 1000. */
  resamples?: number;
  /** Defaults to 42. */
  seed?: number;
  /** Defaults to 15. */
  calibrationBins?: number;
}

const CONFIDENCE = 0.95;

/**
 * The screening questions that make sense for a label preset: for the five DR grades, referable DR (grade 2
 * or worse, the usual referral threshold) and any DR; for a two-class preset, its own positive class; for
 * labels as they are with two classes, the second class; none otherwise.
 */
export function binaryTasksFor(task: LabelPresetId, classNames: readonly string[]): BinaryTask[] {
  if (task === 'dr-5-grades') {
    return [
      { id: 'referable-dr', title: 'Referable DR (grade 2 or worse)', positiveClasses: [2, 3, 4] },
      { id: 'any-dr', title: 'Any DR (grade 1 or worse)', positiveClasses: [1, 2, 3, 4] },
    ];
  }
  if (classNames.length === 2) {
    const id = task === 'as-is' ? `class-${classNames[1]}` : task;
    return [{ id, title: classNames[1], positiveClasses: [1] }];
  }
  return [];
}

const positiveScore = (row: readonly number[], task: BinaryTask) => task.positiveClasses.reduce((s, c) => s + row[c], 0);

function macroAucOf(labels: readonly number[], probs: readonly (readonly number[])[], k: number): number {
  if (k === 2) return safe(() => rocCurve(probs.map((p) => p[1]), labels.map((t) => t === 1)).auc);
  const aucs: number[] = [];
  for (let c = 0; c < k; c++) {
    const auc = safe(() => rocCurve(probs.map((p) => p[c]), labels.map((t) => t === c)).auc);
    if (!Number.isNaN(auc)) aucs.push(auc);
  }
  return aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : NaN;
}

/** NaN where a figure is undefined on a (re)sample, e.g. an AUC without positives. */
function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return NaN;
  }
}

function calibrate(set: ScoredSet, temperature: number, bins: number): CalibrationSummary {
  const after = applyTemperature(set.probs as number[][], temperature);
  return {
    temperature,
    fittedOn: 'validation',
    eceBefore: expectedCalibrationError(set.probs as number[][], set.labels as number[], bins),
    eceAfter: expectedCalibrationError(after, set.labels as number[], bins),
    nllBefore: meanNll(set.probs as number[][], set.labels as number[]),
    nllAfter: meanNll(after, set.labels as number[]),
    binsBefore: reliabilityBins(set.probs as number[][], set.labels as number[], bins),
    binsAfter: reliabilityBins(after, set.labels as number[], bins),
  };
}

function summariseSet(
  name: SetSummary['set'], set: ScoredSet, thresholds: Map<string, number>, temperature: number, opts: Required<SummariseOptions>,
): SetSummary {
  const k = opts.classNames.length;
  const n = set.labels.length;
  const predicted = set.probs.map((p) => argmax([...p]));
  const interval = (statistic: (idx: number[]) => number): IntervalEstimate => {
    const r = bootstrapInterval(n, statistic, { resamples: opts.resamples, confidence: CONFIDENCE, seed: opts.seed });
    return { estimate: r.estimate, low: r.low, high: r.high };
  };
  const pick = <T>(xs: readonly T[], idx: number[]) => idx.map((i) => xs[i]);

  const report = evaluate({
    classNames: opts.classNames, ordinal: opts.ordinal, labels: set.labels, probs: set.probs,
    ids: set.labels.map((_, i) => String(i)),
  });
  const binary: BinaryTaskSummary[] = opts.binaryTasks.flatMap((task) => {
    const scores = set.probs.map((row) => positiveScore(row, task));
    const positives = set.labels.map((t) => task.positiveClasses.includes(t));
    const nPos = positives.filter(Boolean).length;
    if (nPos === 0 || nPos === n) return [];
    const threshold = thresholds.get(task.id);
    if (threshold === undefined) return [];
    const at = binaryAt(scores, positives, threshold);
    const operatingPoint: OperatingPoint = {
      targetSensitivity: opts.targetSensitivity, threshold, chosenOn: 'validation',
      sensitivity: interval((idx) => binaryAt(pick(scores, idx), pick(positives, idx), threshold).sensitivity),
      specificity: interval((idx) => binaryAt(pick(scores, idx), pick(positives, idx), threshold).specificity),
      ppv: at.ppv, npv: at.npv, tp: at.tp, fp: at.fp, tn: at.tn, fn: at.fn,
    };
    return [{
      id: task.id, title: task.title, positiveClasses: task.positiveClasses.map((c) => opts.classNames[c]),
      positives: nPos, negatives: n - nPos,
      auc: interval((idx) => safe(() => rocCurve(pick(scores, idx), pick(positives, idx)).auc)),
      roc: rocCurve(scores, positives),
      operatingPoint,
    }];
  });

  const summary: SetSummary = {
    set: name,
    count: n,
    accuracy: interval((idx) => idx.filter((i) => predicted[i] === set.labels[i]).length / idx.length),
    macroAuc: interval((idx) => macroAucOf(pick(set.labels, idx), pick(set.probs, idx), k)),
    loss: report.loss,
    confusion: confusionMatrix(set.labels, predicted, k),
    perClass: report.perClass.map((c) => ({
      name: c.name, support: c.support, sensitivity: c.sensitivity, specificity: c.specificity, auc: c.roc?.auc ?? NaN,
    })),
    binary,
    calibration: calibrate(set, temperature, opts.calibrationBins),
  };
  if (opts.ordinal) {
    summary.quadraticKappa = interval((idx) => quadraticWeightedKappa(pick(set.labels, idx), pick(predicted, idx), k));
  }
  return summary;
}

/**
 * Summarises validation (and test, when given). The operating point of each binary task and the temperature
 * are chosen on validation only, then applied as they are to test.
 */
export function summariseEvaluation(validation: ScoredSet, test: ScoredSet | null, options: SummariseOptions): EvaluationSummary {
  const opts: Required<SummariseOptions> = {
    targetSensitivity: 0.9, resamples: 1000, seed: 42, calibrationBins: 15, ...options,
  };
  const thresholds = new Map<string, number>();
  for (const task of opts.binaryTasks) {
    const scores = validation.probs.map((row) => positiveScore(row, task));
    const positives = validation.labels.map((t) => task.positiveClasses.includes(t));
    const nPos = positives.filter(Boolean).length;
    if (nPos === 0 || nPos === positives.length) continue;
    thresholds.set(task.id, thresholdForSensitivity(scores, positives, opts.targetSensitivity).threshold);
  }
  const temperature = fitTemperature(validation.probs as number[][], validation.labels as number[]);
  const result: EvaluationSummary = {
    classNames: [...opts.classNames],
    ordinal: opts.ordinal,
    bootstrap: { resamples: opts.resamples, seed: opts.seed, confidence: CONFIDENCE },
    validation: summariseSet('validation', validation, thresholds, temperature, opts),
  };
  if (test) result.test = summariseSet('test', test, thresholds, temperature, opts);
  return result;
}
