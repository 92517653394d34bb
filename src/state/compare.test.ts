import { describe, expect, it } from 'vitest';
import type { CompareRunResult } from '../worker/protocol';
import { isAdoptedCurrent, keptBytes, overallProgress } from './compare';

const run = (id: CompareRunResult['id'], keptBytes?: number): CompareRunResult => ({
  id, status: 'done', inputSize: 64, epochs: [], ...(keptBytes !== undefined ? { keptBytes } : {}),
});

describe('the comparison store', () => {
  it('adds up the weights the worker keeps for the finished runs', () => {
    expect(keptBytes([run('linear-top', 8200), null, run('linear-early', 4104), run('finetune-pretrained')])).toBe(12_304);
  });

  it('marks a run as the current model only while the model shown is the one it made', () => {
    const adopted = { id: 'linear-early' as const, createdAt: '2026-11-30T05:20:17.000Z' };
    expect(isAdoptedCurrent(adopted, 'linear-early', adopted.createdAt)).toBe(true);
    expect(isAdoptedCurrent(adopted, 'linear-top', adopted.createdAt)).toBe(false);
    // A later training run or import replaced it.
    expect(isAdoptedCurrent(adopted, 'linear-early', '2026-11-30T05:30:00.000Z')).toBe(false);
    expect(isAdoptedCurrent(null, 'linear-early', undefined)).toBe(false);
  });

  it('counts progress over the five runs', () => {
    expect(overallProgress({ results: [run('linear-top'), null, null, null, null], runningIndex: 1, runFraction: 0.5 })).toBeCloseTo(0.3);
  });
});
