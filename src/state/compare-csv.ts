/** The comparison as CSV (one row per run) and the runs' titles: pure functions of the results, tested. */
import { reportColumns } from '../core/eval/metric-definitions';
import { scenarioById } from '../core/train/config';
import type { CompareRunId, CompareRunResult } from '../worker/protocol';

export function compareRunTitle(id: CompareRunId): string {
  if (id === 'from-scratch') return 'From scratch (random weights, every layer trains)';
  const s = scenarioById(id);
  return `${s.number}. ${s.title}`;
}

const cell = (v: string | number | undefined): string => {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const text = typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toPrecision(6))) : v;
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

const METRIC_COLUMNS = reportColumns();

export const COMPARE_CSV_COLUMNS = [
  'run', 'status', 'reason', 'input_size', ...METRIC_COLUMNS.map((c) => c.key),
  'seconds', 'images_per_second', 'trainable_parameters', 'epochs', 'best_val_loss',
];

/** One header line and one line per run; metrics as plain numbers (accuracy 0..1), empty where not measured. */
export function comparisonCsv(results: readonly CompareRunResult[]): string {
  const lines = [COMPARE_CSV_COLUMNS.join(',')];
  for (const r of results) {
    const bestLoss = r.epochs.length ? Math.min(...r.epochs.map((e) => e.valLoss)) : undefined;
    lines.push([
      r.id, r.status, r.reason, r.inputSize, ...METRIC_COLUMNS.map((c) => c.read(r)),
      r.seconds, r.imagesPerSecond, r.trainableParams, r.epochs.length, bestLoss,
    ].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
