/** The comparison as CSV (one row per run) and the runs' titles: pure functions of the results, tested. */
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

export const COMPARE_CSV_COLUMNS = [
  'run', 'status', 'reason', 'input_size', 'val_accuracy', 'val_auc', 'val_kappa', 'test_accuracy', 'test_auc', 'test_kappa',
  'seconds', 'images_per_second', 'trainable_parameters', 'epochs', 'best_val_loss',
] as const;

/** One header line and one line per run; metrics as plain numbers (accuracy 0..1), empty where not measured. */
export function comparisonCsv(results: readonly CompareRunResult[]): string {
  const lines = [COMPARE_CSV_COLUMNS.join(',')];
  for (const r of results) {
    const bestLoss = r.epochs.length ? Math.min(...r.epochs.map((e) => e.valLoss)) : undefined;
    lines.push([
      r.id, r.status, r.reason, r.inputSize, r.valAccuracy, r.valAuc, r.valKappa, r.testAccuracy, r.testAuc, r.testKappa,
      r.seconds, r.imagesPerSecond, r.trainableParams, r.epochs.length, bestLoss,
    ].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
