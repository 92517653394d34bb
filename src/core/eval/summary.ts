/**
 * What a screening evaluation reports, set by set: the numbers a clinician needs to judge a model (AUC and
 * kappa with bootstrap intervals, the operating point chosen on validation data and what it gives, calibration
 * before and after temperature scaling). Plain data: written to metrics.json, shown in the studio, put in the
 * model card. Built by `summariseEvaluation` (evaluation.ts) from validation and test predictions.
 */
import type { ReliabilityBin } from './calibration';
import type { RocCurve } from './report';

/** A point estimate with its 95% percentile-bootstrap interval (NaN bounds when it could not be computed). */
export interface IntervalEstimate {
  estimate: number;
  low: number;
  high: number;
}

/** One equal-width confidence bin of a reliability diagram (top-label confidence); defined beside its computation. */
export type { ReliabilityBin } from './calibration';

/**
 * Whether temperature scaling earned its place: T is fitted on K-1 folds of the validation images and scored
 * (mean NLL) on the held-out fold, pooled over the K folds, against T = 1 on the same images. Kept only when
 * the cross-validated NLL is lower (calibration.ts: temperatureByCrossValidation).
 */
export interface TemperatureDecision {
  kept: boolean;
  /** The temperature fitted on the whole validation set (applied only when kept). */
  fittedTemperature: number;
  /** Pooled held-out NLL with the fold-fitted temperatures. */
  cvNllWithTemperature: number;
  /** Pooled NLL of the same images at T = 1. */
  cvNllWithout: number;
  folds: number;
}

/**
 * Calibration where the model will be used: the probabilities prior-corrected from the validation class mix
 * to a target prevalence of a screening question, and ECE on this set reweighted to that prevalence
 * (prevalence.ts: calibrationAtPrevalence).
 */
export interface CalibrationAtPrevalence {
  /** The binary task whose prevalence is set (e.g. 'referable-dr'). */
  taskId: string;
  prevalence: number;
  /** Top-label ECE of the prior-corrected (and, when kept, temperature-scaled) probabilities. */
  ece: number;
  /** The same, without prior correction: what a user who ignores the prevalence change would get. */
  eceUncorrected: number;
}

/** Temperature scaling, decided on the validation set, applied to the set it is reported for. */
export interface CalibrationSummary {
  /** The temperature applied: the fitted one when kept, 1 when cross-validation said no. */
  temperature: number;
  fittedOn: 'validation';
  /**
   * The validation set's share of each class (classNames order): every calibrated probability is calibrated
   * for this mix. Absent in packages exported before it was recorded.
   */
  validationPrevalence?: number[];
  /** Absent in packages exported before the decision was cross-validated (their temperature was always applied). */
  temperatureDecision?: TemperatureDecision;
  /** ECE after prior correction to 5%, 10% and 30% prevalence of the first screening question. */
  atPrevalence?: CalibrationAtPrevalence[];
  eceBefore: number;
  eceAfter: number;
  nllBefore: number;
  nllAfter: number;
  binsBefore: ReliabilityBin[];
  binsAfter: ReliabilityBin[];
}

/** Where a threshold was chosen: the validation set, or out-of-fold predictions pooled over train + validation. */
export type ThresholdSource = 'validation' | 'out-of-fold train+validation';

/** How out-of-fold predictions were made (core/train/out-of-fold.ts), for saying where a threshold comes from. */
export interface OutOfFoldMethod {
  /** Patient-aware folds over train + validation. */
  folds: number;
  /** The L2 strength every fold's head was fitted at (the one the head fit chose); the smallest when pooled over runs. */
  lambda: number;
  /** Pooled over several runs (cross-validation) whose head fits chose different strengths: the largest. Absent otherwise. */
  lambdaMax?: number;
  /** Rotations whose probabilities were averaged per image (as the reported probabilities: 4 with test-time rotations). */
  rotationsAveraged: number;
}

/**
 * How a threshold was chosen and how far to trust it (threshold-selection.ts: chooseThreshold). Intervals are
 * percentile-bootstrap over the selection data (patients when ids were given, else images): the threshold
 * chosen on each resample, and the sensitivity and specificity that threshold gives on the images left out of
 * that resample.
 */
export interface ThresholdSelection {
  source: ThresholdSource;
  /** With source 'out-of-fold train+validation': how the predictions were made. */
  outOfFold?: OutOfFoldMethod;
  positives: number;
  negatives: number;
  /** What was resampled for the intervals. */
  resampled: 'patients' | 'images';
  threshold: IntervalEstimate;
  sensitivity: IntervalEstimate;
  specificity: IntervalEstimate;
  /** 'chosen from N positives and M negatives: too few for a stable threshold' below 30 of either; else null. */
  warning: string | null;
}

/**
 * What the operating point gives in a population of another prevalence, by Bayes from its sensitivity and
 * specificity on this set (prevalence.ts: outcomeAtPrevalence).
 */
export interface PrevalenceOutcome {
  prevalence: number;
  /** 'validation': the validation set's own prevalence of this question; 'assumed': a screening scenario. */
  kind: 'validation' | 'assumed';
  ppv: number;
  npv: number;
  /** People referred (called positive) per 1,000 screened. */
  referralsPer1000: number;
  /** People with the condition not referred per 1,000 screened. */
  missedPer1000: number;
}

/** The operating point: a threshold on the positive score chosen for a target sensitivity before this set was seen. */
export interface OperatingPoint {
  targetSensitivity: number;
  threshold: number;
  chosenOn: ThresholdSource;
  /** Absent in packages exported before it was recorded. */
  selection?: ThresholdSelection;
  /** PPV, NPV and referrals at 5%, 10%, 30% and the validation prevalence, from this set's sensitivity and specificity. */
  atPrevalence?: PrevalenceOutcome[];
  sensitivity: IntervalEstimate;
  specificity: IntervalEstimate;
  ppv: number;
  npv: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/**
 * A yes/no screening question read from the model's probabilities: the score is the summed probability of
 * `positiveClasses` (e.g. referable DR = P(grade 2) + P(3) + P(4)).
 */
export interface BinaryTaskSummary {
  /** e.g. 'referable-dr' or 'any-dr' or the positive class of a two-class task. */
  id: string;
  /** For people: 'Referable DR (grade 2 or worse)'. */
  title: string;
  positiveClasses: string[];
  positives: number;
  negatives: number;
  auc: IntervalEstimate;
  roc: RocCurve;
  operatingPoint: OperatingPoint;
}

export interface ClassSummary {
  name: string;
  support: number;
  sensitivity: number;
  specificity: number;
  /** One-vs-rest AUC; NaN when the class or its complement is absent. */
  auc: number;
}

export interface SetSummary {
  set: 'validation' | 'test';
  count: number;
  accuracy: IntervalEstimate;
  /** Only for ordered classes (DR grades). */
  quadraticKappa?: IntervalEstimate;
  /** Mean one-vs-rest AUC (for two classes: the positive class's AUC). */
  macroAuc: IntervalEstimate;
  /** Mean cross-entropy (unweighted). */
  loss: number;
  /** confusion[true][predicted]. */
  confusion: number[][];
  perClass: ClassSummary[];
  binary: BinaryTaskSummary[];
  calibration: CalibrationSummary;
}

export interface EvaluationSummary {
  classNames: string[];
  ordinal: boolean;
  /** Bootstrap resamples behind every interval, and their seed. */
  bootstrap: { resamples: number; seed: number; confidence: number };
  validation: SetSummary;
  /** The untouched test set, when there is one: the numbers to quote. */
  test?: SetSummary;
}
