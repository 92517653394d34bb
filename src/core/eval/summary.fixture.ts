/**
 * A hand-made, self-consistent evaluation of a 5-grade DR model on an APTOS-2019-sized dataset, for tests of
 * what renders an `EvaluationSummary` (report.html, MODEL_CARD.md). Every ratio is written as the counts it
 * comes from (e.g. 174 / 180 is row 0's diagonal over its row sum), so sensitivities match the confusion
 * matrices, operating points match their TP/FP/TN/FN, accuracies match the reliability bins, and ECE and
 * quadratic kappa were computed from those same numbers (by hand, checked with a 20-line Node script).
 * Intervals are invented but bracket their estimates.
 */
import type { DatasetSummary } from './dataset-summary';
import { outcomesAtPrevalences } from './prevalence';
import type {
  BinaryTaskSummary, CalibrationSummary, EvaluationSummary, IntervalEstimate, ReliabilityBin, SetSummary, ThresholdSelection,
} from './summary';

export const FIXTURE_CLASS_NAMES = ['No DR', 'Mild', 'Moderate', 'Severe', 'Proliferative DR'];

const ci = (estimate: number, low: number, high: number): IntervalEstimate => ({ estimate, low, high });

/** Ten equal-width bins of top-label confidence; with five classes it is never below 0.2. */
function bins(counts: number[], correct: number[], confidence: number[]): ReliabilityBin[] {
  const empty = [0, 1].map((i) => ({ lower: i / 10, upper: (i + 1) / 10, count: 0, confidence: NaN, accuracy: NaN }));
  return [...empty, ...counts.map((count, i) => ({
    lower: (i + 2) / 10,
    upper: (i + 3) / 10,
    count,
    confidence: confidence[i],
    accuracy: correct[i] / count,
  }))];
}

// Test set: 366 images, rows = true grade, columns = predicted grade. Diagonal 292 -> accuracy 292/366 = 0.79781.
const TEST_CONFUSION = [
  [174, 4, 2, 0, 0],
  [6, 17, 13, 0, 1],
  [3, 7, 78, 6, 6],
  [0, 0, 7, 8, 4],
  [1, 1, 10, 3, 15],
];

// Validation set: 366 images, diagonal 300 -> accuracy 300/366 = 0.81967.
const VALIDATION_CONFUSION = [
  [175, 3, 2, 0, 0],
  [5, 19, 12, 0, 1],
  [2, 6, 81, 6, 5],
  [0, 0, 6, 9, 4],
  [1, 1, 9, 3, 16],
];

/**
 * Referable DR's threshold came from validation: 149 positives, 217 negatives. Any DR's from out-of-fold predictions
 * on train + validation: positives 296 + 799 + 155 + 235 + 186 = 1671, negatives 1445 + 180 = 1625 (makeDatasetFixture's counts).
 */
const REFERABLE_SELECTION: ThresholdSelection = {
  source: 'validation', positives: 149, negatives: 217, resampled: 'images',
  threshold: ci(0.312, 0.262, 0.371), sensitivity: ci(135 / 149, 0.8403, 0.9517), specificity: ci(193 / 217, 0.8322, 0.9301), warning: null,
};
const ANY_DR_SELECTION: ThresholdSelection = {
  source: 'out-of-fold train+validation', outOfFold: { folds: 5, lambda: 1e-4, rotationsAveraged: 4 }, positives: 1671, negatives: 1625, resampled: 'images',
  threshold: ci(0.418, 0.401, 0.437), sensitivity: ci(0.9006, 0.8861, 0.9149), specificity: ci(0.9102, 0.8957, 0.9238), warning: null,
};

/** Validation class mix 180, 37, 100, 19, 30 of 366; T kept by 5-fold cross-validation; ECE at 5/10/30% referable DR. */
const CALIBRATION_EXTRAS: Pick<CalibrationSummary, 'validationPrevalence' | 'temperatureDecision'> = {
  validationPrevalence: [180, 37, 100, 19, 30].map((n) => n / 366),
  temperatureDecision: { kept: true, fittedTemperature: 1.47, cvNllWithTemperature: 0.503, cvNllWithout: 0.521, folds: 5 },
};
const atPrevalence = (ece: [number, number, number], uncorrected: [number, number, number]) =>
  [0.05, 0.1, 0.3].map((prevalence, i) => ({ taskId: 'referable-dr', prevalence, ece: ece[i], eceUncorrected: uncorrected[i] }));

function referableDr(set: 'validation' | 'test'): BinaryTaskSummary {
  // Positives: grades 2-4 = 100 + 19 + 30 = 149; negatives: grades 0-1 = 180 + 37 = 217.
  const test = set === 'test';
  const [tp, fn, fp, tn] = test ? [133, 16, 26, 191] : [135, 14, 24, 193];
  // Trapezoid areas under these points: 0.9348 (test), 0.9416 (validation).
  const roc = test
    ? { fpr: [0, 0.02, 0.05, 0.08, 0.12, 0.18, 0.25, 0.35, 0.5, 0.7, 1], tpr: [0, 0.45, 0.68, 0.8, 0.893, 0.92, 0.945, 0.965, 0.98, 0.993, 1], auc: 0.9348 }
    : { fpr: [0, 0.02, 0.05, 0.08, 0.111, 0.17, 0.25, 0.35, 0.5, 0.7, 1], tpr: [0, 0.48, 0.7, 0.83, 0.906, 0.93, 0.952, 0.97, 0.984, 0.995, 1], auc: 0.9416 };
  return {
    id: 'referable-dr',
    title: 'Referable DR (grade 2 or worse)',
    positiveClasses: ['Moderate', 'Severe', 'Proliferative DR'],
    positives: 149,
    negatives: 217,
    auc: test ? ci(0.9348, 0.9107, 0.9561) : ci(0.9416, 0.9188, 0.9619),
    roc,
    operatingPoint: {
      targetSensitivity: 0.9,
      threshold: 0.312,
      chosenOn: 'validation',
      selection: REFERABLE_SELECTION,
      // Validation prevalence 149 / 366; the other rows by Bayes (prevalence.test.ts checks the formula by hand).
      atPrevalence: outcomesAtPrevalences(tp / (tp + fn), tn / (tn + fp), 149 / 366),
      sensitivity: test ? ci(tp / (tp + fn), 0.8389, 0.9396) : ci(tp / (tp + fn), 0.8591, 0.9530),
      specificity: test ? ci(tn / (tn + fp), 0.8341, 0.9217) : ci(tn / (tn + fp), 0.8433, 0.9309),
      ppv: tp / (tp + fp),
      npv: tn / (tn + fn),
      tp, fp, tn, fn,
    },
  };
}

function anyDr(set: 'validation' | 'test'): BinaryTaskSummary {
  // Positives: grades 1-4 = 37 + 100 + 19 + 30 = 186; negatives: grade 0 = 180.
  const test = set === 'test';
  const [tp, fn, fp, tn] = test ? [168, 18, 17, 163] : [168, 18, 15, 165];
  // Trapezoid areas: 0.94935 (test), 0.95367 (validation).
  const roc = test
    ? { fpr: [0, 0.02, 0.05, 0.094, 0.15, 0.22, 0.3, 0.45, 0.65, 1], tpr: [0, 0.52, 0.76, 0.903, 0.935, 0.955, 0.97, 0.985, 0.995, 1], auc: 0.94935 }
    : { fpr: [0, 0.02, 0.05, 0.083, 0.15, 0.22, 0.3, 0.45, 0.65, 1], tpr: [0, 0.55, 0.78, 0.903, 0.94, 0.96, 0.974, 0.988, 0.996, 1], auc: 0.95367 };
  return {
    id: 'any-dr',
    title: 'Any DR (grade 1 or worse)',
    positiveClasses: ['Mild', 'Moderate', 'Severe', 'Proliferative DR'],
    positives: 186,
    negatives: 180,
    auc: test ? ci(0.94935, 0.9281, 0.9679) : ci(0.95367, 0.9336, 0.9712),
    roc,
    operatingPoint: {
      targetSensitivity: 0.9,
      threshold: 0.418,
      chosenOn: 'out-of-fold train+validation',
      selection: ANY_DR_SELECTION,
      atPrevalence: outcomesAtPrevalences(tp / (tp + fn), tn / (tn + fp), 186 / 366),
      sensitivity: test ? ci(tp / (tp + fn), 0.8602, 0.9409) : ci(tp / (tp + fn), 0.8602, 0.9409),
      specificity: test ? ci(tn / (tn + fp), 0.8611, 0.9444) : ci(tn / (tn + fp), 0.8722, 0.9556),
      ppv: tp / (tp + fp),
      npv: tn / (tn + fn),
      tp, fp, tn, fn,
    },
  };
}

const TEST_SET: SetSummary = {
  set: 'test',
  count: 366,
  accuracy: ci(292 / 366, 0.7568, 0.8388),
  quadraticKappa: ci(0.86139, 0.8271, 0.8912), // from TEST_CONFUSION with weights (i-j)^2/16
  macroAuc: ci(0.9154, 0.8937, 0.9351), // mean of the per-class AUCs below
  loss: 0.561,
  confusion: TEST_CONFUSION,
  perClass: [
    // specificity: (366 - support - (column sum - diagonal)) / (366 - support); column sums 184, 29, 110, 17, 26.
    { name: 'No DR', support: 180, sensitivity: 174 / 180, specificity: 176 / 186, auc: 0.962 },
    { name: 'Mild', support: 37, sensitivity: 17 / 37, specificity: 317 / 329, auc: 0.861 },
    { name: 'Moderate', support: 100, sensitivity: 78 / 100, specificity: 234 / 266, auc: 0.902 },
    { name: 'Severe', support: 19, sensitivity: 8 / 19, specificity: 338 / 347, auc: 0.917 },
    { name: 'Proliferative DR', support: 30, sensitivity: 15 / 30, specificity: 325 / 336, auc: 0.935 },
  ],
  binary: [referableDr('test'), anyDr('test')],
  calibration: {
    temperature: 1.47,
    fittedOn: 'validation',
    ...CALIBRATION_EXTRAS,
    atPrevalence: atPrevalence([0.0412, 0.0357, 0.0298], [0.1733, 0.1391, 0.0682]),
    eceBefore: 0.06261, // sum over bins of count/366 x |accuracy - confidence|
    eceAfter: 0.0263,
    nllBefore: 0.561,
    nllAfter: 0.534,
    // Correct predictions per bin sum to 292 before and after (temperature never changes the top label).
    binsBefore: bins([2, 6, 10, 16, 24, 38, 70, 200], [1, 2, 4, 8, 14, 25, 56, 182],
      [0.262, 0.355, 0.452, 0.553, 0.651, 0.756, 0.857, 0.968]),
    binsAfter: bins([3, 9, 16, 24, 36, 58, 90, 130], [1, 3, 7, 13, 23, 42, 75, 128],
      [0.268, 0.362, 0.455, 0.551, 0.652, 0.748, 0.846, 0.941]),
  },
};

const VALIDATION_SET: SetSummary = {
  set: 'validation',
  count: 366,
  accuracy: ci(300 / 366, 0.7787, 0.8579),
  quadraticKappa: ci(0.87564, 0.8423, 0.9038),
  macroAuc: ci(0.9248, 0.9041, 0.9437),
  loss: 0.521,
  confusion: VALIDATION_CONFUSION,
  perClass: [
    // column sums 183, 29, 110, 18, 26.
    { name: 'No DR', support: 180, sensitivity: 175 / 180, specificity: 178 / 186, auc: 0.968 },
    { name: 'Mild', support: 37, sensitivity: 19 / 37, specificity: 319 / 329, auc: 0.874 },
    { name: 'Moderate', support: 100, sensitivity: 81 / 100, specificity: 237 / 266, auc: 0.914 },
    { name: 'Severe', support: 19, sensitivity: 9 / 19, specificity: 338 / 347, auc: 0.925 },
    { name: 'Proliferative DR', support: 30, sensitivity: 16 / 30, specificity: 326 / 336, auc: 0.943 },
  ],
  binary: [referableDr('validation'), anyDr('validation')],
  calibration: {
    temperature: 1.47,
    fittedOn: 'validation',
    ...CALIBRATION_EXTRAS,
    atPrevalence: atPrevalence([0.0384, 0.0331, 0.0276], [0.1658, 0.1324, 0.0617]),
    eceBefore: 0.04536,
    eceAfter: 0.02632,
    nllBefore: 0.521,
    nllAfter: 0.497,
    // Correct predictions per bin sum to 300.
    binsBefore: bins([2, 5, 10, 15, 23, 38, 71, 202], [1, 2, 4, 8, 14, 26, 58, 187],
      [0.262, 0.355, 0.452, 0.553, 0.651, 0.756, 0.857, 0.968]),
    binsAfter: bins([3, 8, 15, 23, 35, 57, 92, 133], [1, 3, 7, 13, 23, 42, 80, 131],
      [0.268, 0.362, 0.455, 0.551, 0.652, 0.748, 0.846, 0.941]),
  },
};

/** The evaluation, with or without its untouched test set. A fresh copy each call: tests may edit it. */
export function makeSummaryFixture(options: { withTest?: boolean } = {}): EvaluationSummary {
  const summary: EvaluationSummary = {
    classNames: [...FIXTURE_CLASS_NAMES],
    ordinal: true,
    bootstrap: { resamples: 1000, seed: 42, confidence: 0.95 },
    validation: structuredClone(VALIDATION_SET),
  };
  if (options.withTest ?? true) summary.test = structuredClone(TEST_SET);
  return summary;
}

/**
 * APTOS 2019's 3662 graded images (1805, 370, 999, 193, 295 per grade) split 80/10/10, stratified; the set
 * has no patient ids, so `patients` is absent unless a test adds it.
 */
export function makeDatasetFixture(options: { withTest?: boolean } = {}): DatasetSummary {
  const withTest = options.withTest ?? true;
  return {
    source: 'APTOS 2019 Blindness Detection (Kaggle): fundus photographs from Aravind Eye Hospital, India',
    task: '5 DR grades (ICDR 0-4)',
    classNames: [...FIXTURE_CLASS_NAMES],
    counts: withTest
      ? { train: [1445, 296, 799, 155, 235], validation: [180, 37, 100, 19, 30], test: [180, 37, 100, 19, 30] }
      : { train: [1625, 333, 899, 174, 265], validation: [180, 37, 100, 19, 30] },
  };
}
