/**
 * How numbers are written for people everywhere (report.html, MODEL_CARD.md, every screen, the command's log):
 * one formatting, so a figure reads the same wherever it appears: '72.4%', '0.912', '3 min 05 s', 'n/a'.
 */
import type { IntervalEstimate } from './summary';

/** 'score': AUC, kappa, ECE (three decimals); 'percent': proportions as percentages with one decimal. */
export type MetricScale = 'score' | 'percent';

/** What a figure that was not measured (or cannot be) reads as. */
export const NOT_MEASURED = 'n/a';

const measured = (value: number | null | undefined): value is number => value !== undefined && value !== null && Number.isFinite(value);

export function formatMetric(value: number | undefined, scale: MetricScale): string {
  return scale === 'percent' ? formatPercent(value) : formatFixed(value, 3);
}

/** A proportion as a percentage: 0.724 -> '72.4%'. */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  return measured(value) ? `${(value * 100).toFixed(digits)}%` : NOT_MEASURED;
}

/** A number with fixed decimals: '0.912'. */
export function formatFixed(value: number | null | undefined, digits = 3): string {
  return measured(value) ? value.toFixed(digits) : NOT_MEASURED;
}

/** Seconds for people: '4.2 s', '42 s', '3 min 05 s', '1 h 02 min'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return NOT_MEASURED;
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
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
