import { describe, expect, it } from 'vitest';
import { binaryTasksFor, summariseEvaluation } from '../../core/eval/evaluation';
import { evaluate } from '../../core/eval/metrics';
import { calibrationAtDeployment, outcomeAtDeployment } from './prevalence-view';
import { usePrevalenceStore } from '../../state/prevalence';

const classNames = ['No DR', 'Mild', 'Moderate', 'Severe', 'Proliferative DR'];
const row = (grade: number, p: number) => Array.from({ length: 5 }, (_, c) => (c === grade ? p : (1 - p) / 4));

describe('the Evaluate screen’s prevalence: recomputed in the page with the summary’s own functions', () => {
  const labels = [0, 0, 0, 1, 1, 2, 2, 3, 4, 2, 0, 1, 0, 2];
  const probs = labels.map((t, i) => row(i % 4 === 0 ? (t + 1) % 5 : t, 0.5 + (i % 5) * 0.1));
  const report = evaluate({ classNames, ordinal: true, labels, probs, ids: labels.map((_, i) => String(i)) });
  const summary = summariseEvaluation({ labels, probs }, null, { classNames, ordinal: true, binaryTasks: binaryTasksFor('dr-5-grades', classNames), resamples: 50 });
  const set = summary.validation;

  it('gives the summary’s own row at 10% for PPV, NPV and referrals', () => {
    const task = set.binary[0];
    const fromSummary = task.operatingPoint.atPrevalence!.find((r) => r.prevalence === 0.1)!;
    expect(outcomeAtDeployment(task, 0.1)).toEqual(fromSummary);
  });

  it('gives the summary’s ECE at 10% from the per-image predictions, and nothing without them', () => {
    const fromSummary = set.calibration.atPrevalence!.find((r) => r.prevalence === 0.1)!;
    expect(calibrationAtDeployment(classNames, set, report, 0.1)).toEqual(fromSummary);
    expect(calibrationAtDeployment(classNames, set, null, 0.1)).toBeNull();
  });

  it('the store keeps the last usable share', () => {
    const store = usePrevalenceStore.getState();
    store.setDeploymentPrevalence(0.25);
    store.setDeploymentPrevalence(1.5);
    expect(usePrevalenceStore.getState().deploymentPrevalence).toBe(0.25);
    store.reset();
    expect(usePrevalenceStore.getState().deploymentPrevalence).toBe(0.1);
  });
});
