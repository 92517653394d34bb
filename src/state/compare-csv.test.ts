import { describe, expect, it } from 'vitest';
import { COMPARE_CSV_COLUMNS, comparisonCsv, compareRunTitle } from './compare-csv';
import { overallProgress } from './compare';
import type { CompareRunResult } from '../worker/protocol';
import { evaluate } from '../core/eval/metrics';

const epoch = (e: number, valLoss: number) => ({ epoch: e, trainLoss: 1, trainAccuracy: 0.5, valLoss, valAccuracy: 0.5, learningRate: 0.01, seconds: 1 });

describe('the comparison as CSV', () => {
  it('writes one row per run: numbers plain (counts exact, others to 6 digits), a skipped run with its (quoted) reason and empty metrics', () => {
    // Predicted 0, 1, 1, 0 for true 0, 0, 1, 1: accuracy 0.5; AUC of class 1 from its scores (0.7, 0.4 vs 0.2, 0.6):
    // 3 of 4 pairs ordered, 0.75; unordered classes have no kappa; no test set.
    const report = evaluate({ classNames: ['a', 'b'], ordinal: false, labels: [0, 0, 1, 1], ids: ['1', '2', '3', '4'],
      probs: [[0.8, 0.2], [0.4, 0.6], [0.3, 0.7], [0.6, 0.4]] });
    const results: CompareRunResult[] = [
      { id: 'linear-top', status: 'done', inputSize: 64, report, seconds: 12.3456789,
        imagesPerSecond: 40, trainableParams: 5975602, epochs: [epoch(0, 0.7), epoch(1, 0.6)] },
      { id: 'from-scratch', status: 'skipped', reason: 'no GPU, so "convolutions" cannot train', inputSize: 64, epochs: [] },
    ];
    const lines = comparisonCsv(results).trimEnd().split('\n');
    expect(lines[0]).toBe(COMPARE_CSV_COLUMNS.join(','));
    expect(lines[0]).toBe('run,status,reason,input_size,val_accuracy,val_kappa,val_auc,test_accuracy,test_kappa,test_auc,' +
      'seconds,images_per_second,trainable_parameters,epochs,best_val_loss');
    expect(lines[1]).toBe('linear-top,done,,64,0.5,,0.75,,,,12.3457,40,5975602,2,0.6');
    expect(lines[2]).toBe('from-scratch,skipped,"no GPU, so ""convolutions"" cannot train",64,,,,,,,,,,0,');
  });

  it('names the runs as the Learn screen numbers them', () => {
    expect(compareRunTitle('linear-top')).toBe('1. Linear classifier on top features');
    expect(compareRunTitle('from-scratch')).toMatch(/^From scratch/);
  });

  it('reports one progress for the five runs: ended runs plus the fraction of the one in progress', () => {
    const done = { id: 'linear-top', status: 'done', inputSize: 64, epochs: [] } as CompareRunResult;
    expect(overallProgress({ results: [done, null, null, null, null], runningIndex: 1, runFraction: 0.5 })).toBeCloseTo(0.3);
    expect(overallProgress({ results: [null, null, null, null, null], runningIndex: null, runFraction: 0 })).toBe(0);
  });
});
