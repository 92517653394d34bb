/**
 * What the Evaluate screen recomputes for the prevalence the user enters: the operating point's PPV, NPV and
 * referrals, and ECE after prior correction. The same core functions that filled the summary's 5/10/30% rows,
 * so the user's row and those rows agree wherever they coincide. No React, so tests can call them.
 */
import { calibrationOfSetAtPrevalence, outcomeAtPrevalence } from '../../core/eval/prevalence';
import type { EvalReport } from '../../core/eval/report';
import type { BinaryTaskSummary, CalibrationAtPrevalence, PrevalenceOutcome, SetSummary } from '../../core/eval/summary';

/** The operating point at the user's prevalence, from the shown set's sensitivity and specificity. */
export function outcomeAtDeployment(task: BinaryTaskSummary, prevalence: number): PrevalenceOutcome {
  const op = task.operatingPoint;
  return outcomeAtPrevalence(op.sensitivity.estimate, op.specificity.estimate, prevalence, 'assumed');
}

/** Class indices of a task's positive classes (the summary names them). */
export function positiveClassIndices(classNames: readonly string[], task: BinaryTaskSummary): number[] {
  return task.positiveClasses.map((name) => classNames.indexOf(name)).filter((c) => c >= 0);
}

/**
 * ECE on the shown set at the user's prevalence of the first screening question, from the per-image
 * predictions (raw probabilities, as the summary was computed from); null without them (an imported package)
 * or without a recorded validation class mix.
 */
export function calibrationAtDeployment(
  classNames: readonly string[], set: SetSummary, predictions: EvalReport | null, prevalence: number,
): CalibrationAtPrevalence | null {
  const task = set.binary[0];
  if (!task || !predictions) return null;
  const result = calibrationOfSetAtPrevalence(
    { probs: predictions.predictions.map((p) => p.probs), labels: predictions.predictions.map((p) => p.trueClass) },
    set.calibration, positiveClassIndices(classNames, task), prevalence, set.calibration.binsBefore.length,
  );
  return result && { taskId: task.id, prevalence, ...result };
}
