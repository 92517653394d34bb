/**
 * predictions.csv, as both `npm run evaluate` and `npm run evaluate:pytorch` write it: one row per scored image with
 * its fold (1 without cross-validation), set ('validation', 'test', or 'out-of-fold': the train + validation
 * predictions an operating point was chosen on), image id, true and predicted class and every class probability
 * (6 significant digits). Any figure of a run can be recomputed from it (results/paired-bootstrap.py,
 * results/threshold-sources.py read it by column name). Quoting is papaparse's.
 */
import Papa from 'papaparse';

export interface PredictionRow {
  /** 1-based. */
  fold: number;
  set: 'validation' | 'test' | 'out-of-fold';
  id: string;
  trueClass: number;
  /** Class probabilities, in classNames' order. */
  probs: readonly number[];
}

export function predictionsCsv(rows: readonly PredictionRow[], classNames: readonly string[]): string {
  const fields = ['fold', 'set', 'image', 'true_class', 'predicted_class', ...classNames.map((c) => `p_${c}`)];
  const data = rows.map((r) => [
    String(r.fold), r.set, r.id, classNames[r.trueClass], classNames[r.probs.indexOf(Math.max(...r.probs))],
    ...r.probs.map((x) => x.toPrecision(6)),
  ]);
  return `${Papa.unparse({ fields, data })}\n`;
}
