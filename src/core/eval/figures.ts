/**
 * The operating point's provenance, its outcomes at other prevalences and the calibration decision, as rows
 * and sentences: one definition that report.html, MODEL_CARD.md and the Evaluate screen all show, so the three
 * never word or round a figure differently. Pure functions of the summary (older packages may lack the fields:
 * each returns null or [] then).
 */
import { formatInterval, formatMetric } from './format';
import type {
  CalibrationAtPrevalence, CalibrationSummary, OperatingPoint, PrevalenceOutcome, TemperatureDecision, ThresholdSelection, ThresholdSource,
} from './summary';

export const THRESHOLD_SOURCE_WORDS: Record<ThresholdSource, string> = {
  validation: 'the validation set',
  'out-of-fold train+validation': 'out-of-fold predictions pooled over train + validation',
};

/**
 * 'chosen on the validation set from 149 positives and 217 negatives (bootstrap over images)', and for out-of-fold
 * predictions how they were made: 'chosen on out-of-fold predictions pooled over train + validation (5
 * patient-aware folds, each head fitted at L2 1.00e-4, probabilities averaged over 4 rotations) from ...'.
 */
export function selectionSentence(selection: ThresholdSelection): string {
  const oof = selection.outOfFold;
  const l2 = oof && oof.lambdaMax !== undefined && oof.lambdaMax !== oof.lambda
    ? `L2 ${oof.lambda.toExponential(2)} to ${oof.lambdaMax.toExponential(2)} (as each run chose)` : `L2 ${oof?.lambda.toExponential(2)}`;
  const method = oof ? ` (${oof.folds} patient-aware folds, each head fitted at ${l2}, ` +
    `${oof.rotationsAveraged > 1 ? `probabilities averaged over ${oof.rotationsAveraged} rotations` : 'no test-time rotations'})` : '';
  return `chosen on ${THRESHOLD_SOURCE_WORDS[selection.source]}${method} from ${selection.positives} positives and ` +
    `${selection.negatives} negatives (bootstrap over ${selection.resampled})`;
}

/** The threshold's own interval and what thresholds chosen that way give on images they did not see. */
export function selectionIntervals(selection: ThresholdSelection, confidence: number): { label: string; value: string }[] {
  return [
    { label: 'Threshold', value: `${selection.threshold.estimate.toFixed(3)} (${formatInterval(selection.threshold, 'score', confidence)})` },
    { label: 'Sensitivity where chosen', value: `${formatMetric(selection.sensitivity.estimate, 'percent')} (${formatInterval(selection.sensitivity, 'percent', confidence)} on left-out images)` },
    { label: 'Specificity where chosen', value: `${formatMetric(selection.specificity.estimate, 'percent')} (${formatInterval(selection.specificity, 'percent', confidence)} on left-out images)` },
  ];
}

/** The few-cases warning with a capital letter, or null. */
export function selectionWarning(selection: ThresholdSelection | undefined): string | null {
  if (!selection?.warning) return null;
  return `Threshold ${selection.warning}.`;
}

export const PREVALENCE_COLUMNS = ['Prevalence', 'PPV', 'NPV', 'Referred per 1,000 screened', 'Missed per 1,000 screened'] as const;

/** One row per prevalence, cells in PREVALENCE_COLUMNS order. */
export function prevalenceRow(outcome: PrevalenceOutcome): string[] {
  return [
    `${formatMetric(outcome.prevalence, 'percent')}${outcome.kind === 'validation' ? ' (validation set)' : ''}`,
    formatMetric(outcome.ppv, 'percent'), formatMetric(outcome.npv, 'percent'),
    Number.isFinite(outcome.referralsPer1000) ? outcome.referralsPer1000.toFixed(0) : 'n/a',
    Number.isFinite(outcome.missedPer1000) ? outcome.missedPer1000.toFixed(1) : 'n/a',
  ];
}

export function prevalenceRows(op: OperatingPoint): string[][] {
  return (op.atPrevalence ?? []).map(prevalenceRow);
}

/** 'Validation class mix: No DR 49.2%, Mild 10.1%, ...': what every calibrated probability is calibrated for. */
export function validationMixSentence(classNames: readonly string[], calibration: CalibrationSummary): string | null {
  const mix = calibration.validationPrevalence;
  if (!mix) return null;
  return `Calibrated for the validation class mix: ${classNames.map((name, c) => `${name} ${formatMetric(mix[c], 'percent')}`).join(', ')}.`;
}

/** 'Temperature kept: cross-validated NLL 0.503 with T, 0.521 without (5 folds over validation).' */
export function temperatureDecisionSentence(decision: TemperatureDecision | undefined): string | null {
  if (!decision) return null;
  const nlls = `cross-validated NLL ${formatMetric(decision.cvNllWithTemperature, 'score')} with T = ${decision.fittedTemperature.toFixed(2)}, ` +
    `${formatMetric(decision.cvNllWithout, 'score')} with T = 1 (${decision.folds} folds over the validation images)`;
  return decision.kept
    ? `Temperature kept: ${nlls}.`
    : `Temperature not applied (T = 1): it did not lower the held-out NLL; ${nlls}.`;
}

export const CALIBRATION_AT_PREVALENCE_COLUMNS = ['Prevalence', 'ECE, prior-corrected', 'ECE, not corrected'] as const;

export function calibrationAtPrevalenceRow(a: CalibrationAtPrevalence): string[] {
  return [formatMetric(a.prevalence, 'percent'), formatMetric(a.ece, 'score'), formatMetric(a.eceUncorrected, 'score')];
}

/** How ECE at a prevalence is measured, for a note under its table. */
export const CALIBRATION_AT_PREVALENCE_NOTE =
  'Probabilities prior-corrected from the validation class mix to the target prevalence (the positive and the negative ' +
  'classes keep their shares among themselves); ECE on this set reweighted to that prevalence (importance weights per class).';

/** The screening question whose prevalence the calibration rows move, by its title ('Referable DR (grade 2 or worse)'). */
export function calibrationTaskTitle(rows: readonly CalibrationAtPrevalence[], tasks: readonly { id: string; title: string }[]): string {
  const id = rows[0]?.taskId;
  return tasks.find((t) => t.id === id)?.title ?? id ?? '';
}
