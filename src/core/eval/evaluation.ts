/**
 * From a trained model's validation and test probabilities to the figures a screening model is judged by
 * (summary.ts): bootstrap intervals on every headline number, yes/no screening questions read from the class
 * probabilities (referable DR, any DR), an operating point chosen for a target sensitivity (on out-of-fold
 * train + validation predictions when the caller has them, else on validation) and then applied unchanged to
 * the test set with what it gives at other prevalences, and temperature scaling fitted on validation and kept
 * only when it lowers the cross-validated NLL. Validation (and out-of-fold) chooses, test reports: nothing here
 * looks at test labels to choose anything.
 */
import type { LabelPresetId } from '../data/presets';
import { bootstrapInterval } from './bootstrap';
import {
  applyTemperature, expectedCalibrationError, meanNll, reliabilityBins, temperatureByCrossValidation,
} from './calibration';
import { argmax, confusionMatrix, evaluate, quadraticWeightedKappa, rocCurve } from './metrics';
import { binaryAt } from './operating-point';
import { ASSUMED_PREVALENCES, calibrationOfSetAtPrevalence, classPriors, outcomesAtPrevalences } from './prevalence';
import type { EvalReport } from './report';
import type {
  BinaryTaskSummary, CalibrationAtPrevalence, CalibrationSummary, EvaluationSummary, IntervalEstimate, OperatingPoint,
  OutOfFoldMethod, SetSummary, TemperatureDecision, ThresholdSelection,
} from './summary';
import { chooseThreshold } from './threshold-selection';

/** Labels and probabilities of one set, in the same order. */
export interface ScoredSet {
  labels: readonly number[];
  probs: readonly (readonly number[])[];
  /** Patient id per image, when known: bootstraps of the threshold and calibration folds then keep a patient's images together. */
  patients?: readonly string[];
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
  /**
   * Out-of-fold predictions pooled over train + validation (each image's class probabilities from a head that
   * did not train on it, e.g. a patient-aware K-fold on cached features), never a test image. When given, every
   * operating point is chosen from them instead of from validation alone. Defaults to none.
   */
  outOfFold?: ScoredSet | null;
  /** How `outOfFold` was made, recorded with each threshold chosen from it. Defaults to none. */
  outOfFoldMethod?: OutOfFoldMethod | null;
  /** Folds of the temperature-scaling cross-validation on validation. Defaults to 5. */
  temperatureFolds?: number;
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

/** What is decided on validation and applied unchanged to every set. */
interface Decisions {
  selections: Map<string, ThresholdSelection>;
  temperature: TemperatureDecision;
  /** The validation set's class mix. */
  validationPriors: number[];
  /** Each task's prevalence on validation. */
  validationPrevalence: Map<string, number>;
}

const appliedTemperature = (d: TemperatureDecision) => (d.kept ? d.fittedTemperature : 1);

function calibrate(set: ScoredSet, decisions: Decisions, opts: Required<SummariseOptions>): CalibrationSummary {
  const bins = opts.calibrationBins;
  const temperature = appliedTemperature(decisions.temperature);
  const after = applyTemperature(set.probs as number[][], temperature);
  const task = opts.binaryTasks[0];
  const atPrevalence: CalibrationAtPrevalence[] = task && decisions.validationPrevalence.has(task.id)
    ? ASSUMED_PREVALENCES.map((prevalence) => ({
      taskId: task.id, prevalence,
      // The same function the Evaluate screen calls for the user's prevalence.
      ...calibrationOfSetAtPrevalence(set, { temperature, validationPrevalence: decisions.validationPriors }, task.positiveClasses, prevalence, bins)!,
    }))
    : [];
  return {
    temperature,
    fittedOn: 'validation',
    validationPrevalence: decisions.validationPriors,
    temperatureDecision: decisions.temperature,
    atPrevalence,
    eceBefore: expectedCalibrationError(set.probs as number[][], set.labels as number[], bins),
    eceAfter: expectedCalibrationError(after, set.labels as number[], bins),
    nllBefore: meanNll(set.probs as number[][], set.labels as number[]),
    nllAfter: meanNll(after, set.labels as number[]),
    binsBefore: reliabilityBins(set.probs as number[][], set.labels as number[], bins),
    binsAfter: reliabilityBins(after, set.labels as number[], bins),
  };
}

function summariseSet(
  name: SetSummary['set'], set: ScoredSet, decisions: Decisions, opts: Required<SummariseOptions>,
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
    const selection = decisions.selections.get(task.id);
    if (selection === undefined) return [];
    const threshold = selection.threshold.estimate;
    const at = binaryAt(scores, positives, threshold);
    const operatingPoint: OperatingPoint = {
      targetSensitivity: opts.targetSensitivity, threshold, chosenOn: selection.source, selection,
      sensitivity: interval((idx) => binaryAt(pick(scores, idx), pick(positives, idx), threshold).sensitivity),
      specificity: interval((idx) => binaryAt(pick(scores, idx), pick(positives, idx), threshold).specificity),
      ppv: at.ppv, npv: at.npv, tp: at.tp, fp: at.fp, tn: at.tn, fn: at.fn,
      atPrevalence: outcomesAtPrevalences(at.sensitivity, at.specificity, decisions.validationPrevalence.get(task.id) ?? NaN),
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
    calibration: calibrate(set, decisions, opts),
  };
  if (opts.ordinal) {
    summary.quadraticKappa = interval((idx) => quadraticWeightedKappa(pick(set.labels, idx), pick(predicted, idx), k));
  }
  return summary;
}

/** The score and truth of one task on a set; null when the set lacks positives or negatives. */
function taskEvidence(set: ScoredSet, task: BinaryTask) {
  const positives = set.labels.map((t) => task.positiveClasses.includes(t));
  const nPos = positives.filter(Boolean).length;
  if (nPos === 0 || nPos === positives.length) return null;
  return { scores: set.probs.map((row) => positiveScore(row, task)), positives, nPos };
}

/**
 * Summarises validation (and test, when given). The operating point of each binary task (from `outOfFold` when
 * given, else from validation) and the temperature decision are made before test is looked at, then applied
 * as they are to test.
 */
export function summariseEvaluation(validation: ScoredSet, test: ScoredSet | null, options: SummariseOptions): EvaluationSummary {
  const opts: Required<SummariseOptions> = {
    targetSensitivity: 0.9, resamples: 1000, seed: 42, calibrationBins: 15, outOfFold: null, outOfFoldMethod: null, temperatureFolds: 5, ...options,
  };
  const chooser = opts.outOfFold ?? validation;
  const source = opts.outOfFold ? 'out-of-fold train+validation' as const : 'validation' as const;
  const decisions: Decisions = {
    selections: new Map(),
    temperature: temperatureByCrossValidation(validation.probs, validation.labels, {
      folds: opts.temperatureFolds, seed: opts.seed, ...(validation.patients ? { patients: validation.patients } : {}),
    }),
    validationPriors: classPriors(validation.labels, opts.classNames.length),
    validationPrevalence: new Map(),
  };
  for (const task of opts.binaryTasks) {
    const onValidation = taskEvidence(validation, task);
    if (onValidation) decisions.validationPrevalence.set(task.id, onValidation.nPos / validation.labels.length);
    const evidence = taskEvidence(chooser, task);
    if (!evidence) continue;
    decisions.selections.set(task.id, chooseThreshold(
      { scores: evidence.scores, positives: evidence.positives, ...(chooser.patients ? { patients: chooser.patients } : {}) },
      {
        source, targetSensitivity: opts.targetSensitivity, resamples: opts.resamples, seed: opts.seed, confidence: CONFIDENCE,
        ...(opts.outOfFold && opts.outOfFoldMethod ? { outOfFold: opts.outOfFoldMethod } : {}),
      },
    ));
  }
  const result: EvaluationSummary = {
    classNames: [...opts.classNames],
    ordinal: opts.ordinal,
    bootstrap: { resamples: opts.resamples, seed: opts.seed, confidence: CONFIDENCE },
    validation: summariseSet('validation', validation, decisions, opts),
  };
  if (test) result.test = summariseSet('test', test, decisions, opts);
  return result;
}
