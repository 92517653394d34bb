/**
 * How evaluation numbers are written for people (report.html, MODEL_CARD.md, the Evaluate screen): one
 * formatting, so a figure reads the same wherever it appears.
 */
import type { IntervalEstimate } from './summary';

/** 'score': AUC, kappa, ECE (three decimals); 'percent': proportions as percentages with one decimal. */
export type MetricScale = 'score' | 'percent';

export function formatMetric(value: number | undefined, scale: MetricScale): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return scale === 'percent' ? `${(value * 100).toFixed(1)}%` : value.toFixed(3);
}

/** '95% CI' for confidence 0.95. */
export function ciLabel(confidence: number): string {
  return `${Number((confidence * 100).toFixed(1))}% CI`;
}

/** '95% CI 0.884–0.937' or '95% CI 80.1–92.6%'; 'not computed' when the bootstrap gave no bounds. */
export function formatInterval(e: IntervalEstimate, scale: MetricScale, confidence: number): string {
  if (!Number.isFinite(e.low) || !Number.isFinite(e.high)) return `${ciLabel(confidence)} not computed`;
  const bound = (v: number) => (scale === 'percent' ? (v * 100).toFixed(1) : v.toFixed(3));
  return `${ciLabel(confidence)} ${bound(e.low)}–${bound(e.high)}${scale === 'percent' ? '%' : ''}`;
}

/** '0.912 (95% CI 0.884–0.937)' or '87.5% (95% CI 80.1–92.6%)'. */
export function formatEstimate(e: IntervalEstimate, scale: MetricScale, confidence: number): string {
  return `${formatMetric(e.estimate, scale)} (${formatInterval(e, scale, confidence)})`;
}
