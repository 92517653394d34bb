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

/** Temperature scaling, fitted on the validation set, applied to the set it is reported for. */
export interface CalibrationSummary {
  temperature: number;
  fittedOn: 'validation';
  eceBefore: number;
  eceAfter: number;
  nllBefore: number;
  nllAfter: number;
  binsBefore: ReliabilityBin[];
  binsAfter: ReliabilityBin[];
}

/** The operating point: a threshold on the positive score chosen for a target sensitivity on validation data. */
export interface OperatingPoint {
  targetSensitivity: number;
  threshold: number;
  chosenOn: 'validation';
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
