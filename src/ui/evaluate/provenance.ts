/**
 * Words that say where an evaluation number comes from, and what an operating point means for eyes, shared by
 * the Evaluate screen's panels. Pure functions of the summary: no React, so tests can call them.
 */
import type { BinaryTaskSummary, EvaluationSummary, SetSummary } from '../../core/eval/summary';

export type SetId = SetSummary['set'];

/** Each set's name and its role in choosing the model, as the screen states them above every number. */
export const SET_PROVENANCE: Record<SetId, { name: string; role: string }> = {
  test: { name: 'Test set', role: 'scored once, never used to choose anything' },
  validation: {
    name: 'Validation set',
    role: 'used to pick the best epoch, the threshold and the calibration, so slightly optimistic',
  },
};

/** The set to show: the one asked for when the summary has it, else the validation set. */
export function shownSet(summary: EvaluationSummary, wanted: SetId): SetSummary {
  return wanted === 'test' && summary.test ? summary.test : summary.validation;
}

/** What a screening task is about, for a sentence: 'Referable DR (grade 2 or worse)' -> 'referable DR'. */
export function conditionName(title: string): string {
  const name = title.replace(/\s*\(.*\)\s*$/, '').trim() || title;
  // Lower-case a leading capital unless the word is an acronym ('DR', 'AMD').
  return /^[A-Z][a-z]/.test(name) ? name[0].toLowerCase() + name.slice(1) : name;
}

/** A proportion as a natural frequency: 0.893 -> '9 in 10'; near 0 or 1, where tenths would round to all or none, '97 in 100'. */
export function naturalFrequency(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'an unknown share';
  const tenths = Math.round(fraction * 10);
  return tenths >= 1 && tenths <= 9 ? `${tenths} in 10` : `${Math.round(fraction * 100)} in 100`;
}

/** 'At this threshold, 9 in 10 eyes with referable DR are referred; 88% of eyes without referable DR are not.' */
export function operatingPointSentence(task: BinaryTaskSummary): string {
  const op = task.operatingPoint;
  const condition = conditionName(task.title);
  const spared = Number.isFinite(op.specificity.estimate) ? `${Math.round(op.specificity.estimate * 100)}%` : 'an unknown share';
  return `At this threshold, ${naturalFrequency(op.sensitivity.estimate)} eyes with ${condition} are referred; ` +
    `${spared} of eyes without ${condition} are not.`;
}
