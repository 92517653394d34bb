import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { predictionsCsv } from './predictions-csv';

describe('predictions.csv (evaluate and evaluate:pytorch)', () => {
  it('writes one row per image with fold, set, classes and probabilities; names with commas and quotes survive', () => {
    const csv = predictionsCsv([
      { fold: 1, set: 'validation', id: 'a/1.jpg', trueClass: 0, probs: [0.7, 0.2, 0.1] },
      { fold: 2, set: 'test', id: 'b "x", 2.jpg', trueClass: 2, probs: [0.1, 0.3, 0.6] },
      { fold: 2, set: 'out-of-fold', id: 'c.jpg', trueClass: 1, probs: [0.2, 0.5, 0.3] },
    ], ['No DR', 'Mild, early', 'Moderate']);
    const rows = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
    expect(Object.keys(rows[0])).toEqual(['fold', 'set', 'image', 'true_class', 'predicted_class', 'p_No DR', 'p_Mild, early', 'p_Moderate']);
    expect(rows.map((r) => [r.fold, r.set, r.image, r.true_class, r.predicted_class])).toEqual([
      ['1', 'validation', 'a/1.jpg', 'No DR', 'No DR'],
      ['2', 'test', 'b "x", 2.jpg', 'Moderate', 'Moderate'],
      ['2', 'out-of-fold', 'c.jpg', 'Mild, early', 'Mild, early'],
    ]);
    expect(rows[1]['p_Mild, early']).toBe('0.300000');
    expect(csv.endsWith('\n')).toBe(true);
  });
});
